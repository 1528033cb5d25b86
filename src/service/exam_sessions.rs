//! Exam sessions: the dated sittings of the exams of the recognition procedure, which
//! exam offices, chambers and competent authorities publish with their seats. The
//! catalogue is public, like course runs; only the owner changes or cancels a session.

use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::id::NodeType;
use crate::service::access::{WriteRule, nothing};
use crate::service::course_runs::{Money, money};
use crate::service::courses::stale;
use crate::service::enrolments::{self, Target, seats};
use crate::service::pagination::{ChildList, Ordering, SortKind};
use crate::service::professions::ProfessionCatalog;
use crate::service::regions::RegionTree;
use crate::service::validation::{Patch, Problems, chars};
use crate::service::{Reference, one_of};
use chrono::{NaiveDate, Utc};
use entity::course_run::{CourseFormat, RunStatus};
use entity::exam_session::{self, Column, Entity, ExamType};
use entity::exam_session_profession as session_profession;
use entity::organisation::OrganisationKind;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, Select,
};
use std::collections::HashMap;

/// Narrows a list of exam sessions; every condition given must hold. Errors name these
/// fields (`region`, `profession`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ExamSessionFilter {
    /// Profession key: sessions for this profession.
    pub profession: Option<String>,
    pub exam_type: Option<ExamType>,
    /// Region code: the session takes place in it or below it.
    pub region: Option<String>,
    /// On or after.
    pub from: Option<NaiveDate>,
    /// On or before.
    pub to: Option<NaiveDate>,
    pub status: Option<RunStatus>,
    /// A seat one can still register for (true), or none (false).
    pub has_free_seats: Option<bool>,
}

/// A new session of one of the caller's exams. Errors name the fields as partners know
/// them (`date`, `fee.amount`).
#[derive(Debug, Clone)]
pub struct NewExamSession {
    pub exam_type: ExamType,
    /// Profession keys (at least one).
    pub professions: Vec<String>,
    pub date: NaiveDate,
    pub format: CourseFormat,
    /// Region code.
    pub region: String,
    pub city: String,
    pub seats_max: i32,
    pub registration_deadline: Option<NaiveDate>,
    pub fee: Money,
    /// `PLANNED` when not given.
    pub status: Option<RunStatus>,
}

/// Changes to session `id`, based on `expected_version`; `None` and `Patch::Keep`
/// leave a field as it is.
#[derive(Debug, Clone)]
pub struct ExamSessionChanges {
    pub id: i64,
    pub expected_version: i32,
    /// Replaces the list.
    pub professions: Option<Vec<String>>,
    pub date: Option<NaiveDate>,
    pub format: Option<CourseFormat>,
    pub region: Option<String>,
    pub city: Option<String>,
    pub seats_max: Option<i32>,
    pub registration_deadline: Patch<NaiveDate>,
    pub fee: Option<Money>,
    pub status: Option<RunStatus>,
}

/// Sessions are sorted by date, then id.
pub const BY_DATE: Ordering<Entity> = Ordering {
    name: "exam_session.date",
    sort: Some((Column::Date, SortKind::Date)),
    id: Column::Id,
    sort_value: |m| Some(m.date.to_string()),
    row_id: |m| m.id,
};

/// Rows of `exam_session` the caller may see: the catalogue is public.
pub fn visible_to(_principal: &Principal) -> Select<Entity> {
    Entity::find()
}

/// `SELECT session_id FROM exam_session_profession WHERE profession_key = key`.
fn for_profession(key: &str) -> SelectStatement {
    Query::select()
        .column(session_profession::Column::SessionId)
        .from(session_profession::Entity)
        .and_where(session_profession::Column::ProfessionKey.eq(key))
        .to_owned()
}

/// Sessions with a free seat: planned or open, fewer seats taken than offered.
pub fn with_free_seats() -> Condition {
    seats::free(Column::Status, Column::SeatsTaken, Column::SeatsMax)
}

/// The sessions matching `filter` that the caller may see.
pub fn filtered(
    principal: &Principal,
    reference: &Reference,
    filter: &ExamSessionFilter,
) -> AppResult<Select<Entity>> {
    let mut select = visible_to(principal);
    if let Some(key) = &filter.profession {
        reference.professions.require(key, "profession")?;
        select = select.filter(Column::Id.in_subquery(for_profession(key)));
    }
    if let Some(t) = filter.exam_type {
        select = select.filter(Column::ExamType.eq(t));
    }
    if let Some(codes) = reference
        .regions
        .filter_codes(filter.region.as_deref(), "region")?
    {
        select = select.filter(Column::RegionCode.is_in(codes));
    }
    if let Some(from) = filter.from {
        select = select.filter(Column::Date.gte(from));
    }
    if let Some(to) = filter.to {
        select = select.filter(Column::Date.lte(to));
    }
    if let Some(status) = filter.status {
        select = select.filter(Column::Status.eq(status));
    }
    if let Some(free) = filter.has_free_seats {
        select = select.filter(if free {
            with_free_seats()
        } else {
            with_free_seats().not()
        });
    }
    Ok(select)
}

/// The sessions with these ids that the caller may see.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    principal: &Principal,
    ids: &[i64],
) -> AppResult<Vec<exam_session::Model>> {
    Ok(visible_to(principal)
        .filter(one_of(db.get_database_backend(), Column::Id, ids))
        .all(db)
        .await?)
}

/// The sessions of each organisation matching a filter (`Organisation.examSessions`),
/// by date.
pub const OF_ORGANISATION: ChildList<Entity, ExamSessionFilter> = ChildList {
    order: &BY_DATE,
    parent: Column::OrganisationId,
    parent_of: |m| m.organisation_id,
    select: filtered,
};

/// The profession keys of each session, in reference order.
pub async fn professions_of(
    db: &impl ConnectionTrait,
    professions: &ProfessionCatalog,
    ids: &[i64],
) -> AppResult<HashMap<i64, Vec<String>>> {
    crate::service::professions::keys_of::<session_profession::Entity>(
        db,
        professions,
        session_profession::Column::SessionId,
        ids,
        |r| (r.session_id, r.profession_key),
    )
    .await
}

// ---------------------------------------------------------------------------------
// Writing: exam offices, chambers and authorities publish and maintain their sessions.

/// The organisation of a caller who may publish exam sessions. (The `exams:write` scope
/// is the operation's, checked where it is called.)
pub fn exam_writer(principal: &Principal) -> AppResult<i64> {
    crate::service::access::organisation_of_kind(
        principal,
        &[
            OrganisationKind::ExamOffice,
            OrganisationKind::Chamber,
            OrganisationKind::Authority,
        ],
        "only exam offices, chambers and competent authorities publish exam sessions",
    )
}

/// Rows of `exam_session` the caller may change: its own organisation's.
pub fn editable_by(principal: &Principal) -> Select<Entity> {
    match exam_writer(principal) {
        Ok(org) => visible_to(principal).filter(Column::OrganisationId.eq(org)),
        Err(_) => visible_to(principal).filter(nothing()),
    }
}

/// Who may change a session: the organisation that runs it.
pub const WRITE: WriteRule<Entity> = WriteRule {
    what: "exam session",
    node: NodeType::ExamSession,
    id: Column::Id,
    visible_to,
    editable_by,
    writer: exam_writer,
    foreign: "this exam session belongs to another organisation",
};

/// A session as it would be stored, for validation.
struct SessionDraft {
    /// The professions to store; `None` keeps those stored.
    professions: Option<Vec<String>>,
    date: NaiveDate,
    format: CourseFormat,
    region: String,
    city: String,
    seats_max: i32,
    seats_taken: i32,
    deadline: Option<NaiveDate>,
    fee_minor: i64,
    currency: String,
    status: RunStatus,
}

impl SessionDraft {
    fn validate(
        &mut self,
        regions: &RegionTree,
        professions: &ProfessionCatalog,
        mut p: Problems,
    ) -> AppResult<()> {
        self.city = self.city.trim().to_owned();
        if let Some(keys) = &mut self.professions {
            crate::service::professions::check_keys(keys, professions, &mut p);
        }
        p.check(
            matches!(self.format, CourseFormat::Presence | CourseFormat::Online),
            "format",
            "an exam session is PRESENCE or ONLINE",
        );
        p.check(
            (1..=1000).contains(&self.seats_max),
            "seatsMax",
            "1 to 1,000 seats",
        );
        p.check(
            self.seats_max >= self.seats_taken,
            "seatsMax",
            format!("{} seats are already taken", self.seats_taken),
        );
        p.check(
            regions.get(&self.region).is_some(),
            "region",
            format!("unknown region `{}`", self.region),
        );
        p.check(
            (1..=100).contains(&chars(&self.city)),
            "city",
            "the city needs 1 to 100 characters",
        );
        p.check(
            self.deadline.is_none_or(|d| d <= self.date),
            "registrationDeadline",
            "the registration deadline must be on or before the exam date",
        );
        p.finish()
    }
}

async fn store_professions(txn: &DatabaseTransaction, id: i64, keys: &[String]) -> AppResult<()> {
    crate::service::professions::store_keys(
        txn,
        session_profession::Column::SessionId,
        id,
        keys,
        |session_id, key| session_profession::ActiveModel {
            session_id: Set(session_id),
            profession_key: Set(key),
        },
    )
    .await
}

/// Publishes a session of one of the caller's exams.
pub async fn publish(
    db: &DatabaseConnection,
    principal: &Principal,
    reference: &Reference,
    input: NewExamSession,
) -> AppResult<exam_session::Model> {
    let mut p = Problems::default();
    let (fee_minor, currency) = money(&input.fee, "fee", &mut p);
    let status = input.status.unwrap_or(RunStatus::Planned);
    p.check(
        matches!(status, RunStatus::Planned | RunStatus::Open),
        "status",
        "a new session is PLANNED or OPEN",
    );
    p.check(
        input.date >= crate::service::today(),
        "date",
        "a new session cannot lie in the past",
    );
    let mut draft = SessionDraft {
        professions: Some(input.professions),
        date: input.date,
        format: input.format,
        region: input.region.trim().to_owned(),
        city: input.city,
        seats_max: input.seats_max,
        seats_taken: 0,
        deadline: input.registration_deadline,
        fee_minor,
        currency,
        status,
    };
    let owner = exam_writer(principal)?;
    draft.validate(&reference.regions, &reference.professions, p)?;
    crate::db::write(db, async |txn| {
        let now = Utc::now();
        let session = Entity::insert(exam_session::ActiveModel {
            organisation_id: Set(owner),
            exam_type: Set(input.exam_type),
            date: Set(draft.date),
            format: Set(draft.format),
            region_code: Set(draft.region.clone()),
            city: Set(draft.city.clone()),
            seats_max: Set(draft.seats_max),
            seats_taken: Set(0),
            waitlist_length: Set(0),
            registration_deadline: Set(draft.deadline),
            fee_minor: Set(draft.fee_minor),
            currency: Set(draft.currency.clone()),
            status: Set(draft.status),
            cancellation_reason: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            ..Default::default()
        })
        .exec_with_returning(txn)
        .await?;
        store_professions(
            txn,
            session.id,
            draft.professions.as_deref().unwrap_or_default(),
        )
        .await?;
        crate::db::changes::record(crate::db::changes::Change::ExamSession(session.id));
        Ok(session)
    })
    .await
}

/// Writes `draft` over session `id` if its version is still `expected` and no more
/// seats are taken than it offers.
async fn write(
    txn: &DatabaseTransaction,
    id: i64,
    expected: i32,
    draft: &SessionDraft,
    cancellation_reason: Option<String>,
) -> AppResult<exam_session::Model> {
    crate::db::changes::record(crate::db::changes::Change::ExamSession(id));
    let updated = Entity::update_many()
        .col_expr(Column::Date, Expr::value(draft.date))
        .col_expr(Column::Format, Expr::value(draft.format))
        .col_expr(Column::RegionCode, Expr::value(draft.region.clone()))
        .col_expr(Column::City, Expr::value(draft.city.clone()))
        .col_expr(Column::SeatsMax, Expr::value(draft.seats_max))
        .col_expr(Column::RegistrationDeadline, Expr::value(draft.deadline))
        .col_expr(Column::FeeMinor, Expr::value(draft.fee_minor))
        .col_expr(Column::Currency, Expr::value(draft.currency.clone()))
        .col_expr(Column::Status, Expr::value(draft.status))
        .col_expr(Column::CancellationReason, Expr::value(cancellation_reason))
        .col_expr(Column::UpdatedAt, Expr::value(Utc::now()))
        .col_expr(Column::Version, Expr::col(Column::Version).add(1))
        .filter(Column::Id.eq(id))
        .filter(Column::Version.eq(expected))
        .filter(Column::SeatsTaken.lte(draft.seats_max))
        .exec(txn)
        .await?;
    let row = Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::Internal("updated exam session vanished".into()))?;
    if updated.rows_affected != 1 {
        return Err(seats::refused_write(
            "exam session",
            expected,
            row.version,
            row.seats_taken,
        ));
    }
    Ok(row)
}

fn draft_of(s: &exam_session::Model) -> SessionDraft {
    SessionDraft {
        professions: None,
        date: s.date,
        format: s.format,
        region: s.region_code.clone(),
        city: s.city.clone(),
        seats_max: s.seats_max,
        seats_taken: s.seats_taken,
        deadline: s.registration_deadline,
        fee_minor: s.fee_minor,
        currency: s.currency.clone(),
        status: s.status,
    }
}

/// Applies `input` to one of the caller's sessions, if `expectedVersion` is current.
pub async fn update(
    db: &DatabaseConnection,
    principal: &Principal,
    reference: &Reference,
    input: ExamSessionChanges,
) -> AppResult<exam_session::Model> {
    let id = input.id;
    crate::db::write(db, async |txn| {
        let current = WRITE.editable(txn, principal, id).await?;
        if current.version != input.expected_version {
            return Err(stale("exam session", current.version));
        }
        let mut p = Problems::default();
        p.check(
            !matches!(current.status, RunStatus::Cancelled | RunStatus::Completed),
            "id",
            "a cancelled or completed session cannot be changed",
        );
        p.check(
            input.status != Some(RunStatus::Cancelled),
            "status",
            "cancel a session with cancelExamSession, giving a reason",
        );
        let mut draft = draft_of(&current);
        draft.professions = input.professions.clone();
        if let Some(fee) = &input.fee {
            (draft.fee_minor, draft.currency) = money(fee, "fee", &mut p);
        }
        draft.date = input.date.unwrap_or(draft.date);
        draft.format = input.format.unwrap_or(draft.format);
        draft.region = input
            .region
            .as_deref()
            .map_or(draft.region, |r| r.trim().to_owned());
        draft.city = input.city.clone().unwrap_or(draft.city);
        draft.seats_max = input.seats_max.unwrap_or(draft.seats_max);
        draft.deadline = input.registration_deadline.clone().apply(draft.deadline);
        draft.status = input.status.unwrap_or(draft.status);
        draft.validate(&reference.regions, &reference.professions, p)?;
        let row = write(txn, id, input.expected_version, &draft, None).await?;
        if let Some(keys) = &draft.professions {
            store_professions(txn, id, keys).await?;
        }
        Ok(row)
    })
    .await
}

/// Cancels one of the caller's sessions, recording why; every live enrolment is
/// withdrawn with that reason in the same transaction.
pub async fn cancel(
    db: &DatabaseConnection,
    principal: &Principal,
    input: crate::service::course_runs::Cancellation,
) -> AppResult<exam_session::Model> {
    let id = input.id;
    crate::db::write(db, async |txn| {
        let current = WRITE.editable(txn, principal, id).await?;
        if current.version != input.expected_version {
            return Err(stale("exam session", current.version));
        }
        let reason = input.cancellation_reason(current.status, "session")?;
        let mut draft = draft_of(&current);
        draft.status = RunStatus::Cancelled;
        write(
            txn,
            id,
            input.expected_version,
            &draft,
            Some(reason.clone()),
        )
        .await?;
        enrolments::withdraw_all(txn, principal, Target::Session(id), &reason).await?;
        Entity::find_by_id(id)
            .one(txn)
            .await?
            .ok_or_else(|| AppError::Internal("cancelled exam session vanished".into()))
    })
    .await
}
