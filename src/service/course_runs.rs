//! Course runs: the dated sessions of courses, and the "where can I start soon" search.

use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::id::NodeType;
use crate::service::access::WriteRule;
use crate::service::courses::{self, stale};
use crate::service::enrolments::{self, Target, seats};
use crate::service::pagination::{self, ChildList, Ordering, PageRequest, SortKind};
use crate::service::professions::ProfessionCatalog;
use crate::service::regions::RegionTree;
use crate::service::validation::{Patch, Problems, chars, parse_amount};
use chrono::{NaiveDate, Utc};
use entity::course::{self, CourseType};
use entity::course_run::{self, Column, CourseFormat, Entity, FundingOption, RunStatus, Schedule};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QuerySelect, QueryTrait, Select,
};
use std::collections::HashMap;

/// Narrows a list of runs; every condition given must hold. Errors name these fields
/// (`region`, `profession`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct CourseRunFilter {
    /// Profession key of the course, such as `nurse`.
    pub profession: Option<String>,
    pub course_type: Option<CourseType>,
    /// Region code: the run takes place in it or below it.
    pub region: Option<String>,
    /// Starting on or after.
    pub from: Option<NaiveDate>,
    /// Starting on or before.
    pub to: Option<NaiveDate>,
    pub format: Option<CourseFormat>,
    pub status: Option<RunStatus>,
    /// A seat one can still register for (true), or none (false).
    pub has_free_seats: Option<bool>,
}

/// An amount as a partner writes it: a decimal text and an ISO 4217 code.
#[derive(Debug, Clone)]
pub struct Money {
    pub amount: String,
    pub currency: String,
}

/// A new run of one of the caller's courses. Errors name the fields as partners know
/// them (`startDate`, `cost.amount`).
#[derive(Debug, Clone)]
pub struct NewCourseRun {
    pub course_id: i64,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub hours: i32,
    pub format: CourseFormat,
    pub schedule: Schedule,
    pub seats_min: i32,
    pub seats_max: i32,
    /// Region code.
    pub region: String,
    pub city: String,
    pub cost: Money,
    pub funding_options: Vec<FundingOption>,
    pub registration_deadline: Option<NaiveDate>,
    pub rolling_entry: bool,
    /// `PLANNED` when not given.
    pub status: Option<RunStatus>,
}

/// Changes to run `id`, based on `expected_version`; `None` and `Patch::Keep` leave a
/// field as it is.
#[derive(Debug, Clone)]
pub struct CourseRunChanges {
    pub id: i64,
    pub expected_version: i32,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub hours: Option<i32>,
    pub format: Option<CourseFormat>,
    pub schedule: Option<Schedule>,
    pub seats_min: Option<i32>,
    pub seats_max: Option<i32>,
    pub region: Option<String>,
    pub city: Option<String>,
    pub cost: Option<Money>,
    /// Replaces the list.
    pub funding_options: Option<Vec<FundingOption>>,
    pub registration_deadline: Patch<NaiveDate>,
    pub rolling_entry: Option<bool>,
    pub status: Option<RunStatus>,
}

/// Cancelling run (or exam session) `id`, based on `expected_version`, with the reason
/// participants see.
#[derive(Debug, Clone)]
pub struct Cancellation {
    pub id: i64,
    pub expected_version: i32,
    pub reason: String,
}

impl Cancellation {
    /// The reason, trimmed, if it is one and a `what` in `status` can be cancelled.
    pub(crate) fn cancellation_reason(&self, status: RunStatus, what: &str) -> AppResult<String> {
        let reason = self.reason.trim().to_owned();
        let mut p = Problems::default();
        p.check(
            (3..=1000).contains(&chars(&reason)),
            "reason",
            "give a reason of 3 to 1,000 characters",
        );
        p.check(
            !matches!(status, RunStatus::Cancelled | RunStatus::Completed),
            "id",
            format!(
                "a {what} that is {} cannot be cancelled",
                sea_orm::ActiveEnum::to_value(&status)
            ),
        );
        p.finish()?;
        Ok(reason)
    }
}

/// Runs are sorted by start date, then id.
pub const BY_START: Ordering<Entity> = Ordering {
    name: "course_run.start",
    sort: Some((Column::StartDate, SortKind::Date)),
    id: Column::Id,
    sort_value: |m| Some(m.start_date.to_string()),
    row_id: |m| m.id,
};

/// Rows of `course_run` the caller may see: runs of the courses the caller may see.
pub fn visible_to(principal: &Principal) -> Select<Entity> {
    Entity::find().filter(
        Column::CourseId.in_subquery(
            courses::visible_to(principal)
                .select_only()
                .column(course::Column::Id)
                .into_query(),
        ),
    )
}

/// Runs with a free seat: planned or open, fewer seats taken than offered.
pub fn with_free_seats() -> Condition {
    seats::free(Column::Status, Column::SeatsTaken, Column::SeatsMax)
}

/// Runs one can still register for on `today`: a free seat, not yet started, and the
/// registration deadline (if any) not passed.
pub fn bookable(today: NaiveDate) -> Condition {
    with_free_seats().add(Column::StartDate.gte(today)).add(
        Condition::any()
            .add(Column::RegistrationDeadline.is_null())
            .add(Column::RegistrationDeadline.gte(today)),
    )
}

/// The runs matching `filter` that the caller may see.
pub fn filtered(
    principal: &Principal,
    regions: &RegionTree,
    professions: &ProfessionCatalog,
    filter: &CourseRunFilter,
) -> AppResult<Select<Entity>> {
    let mut select = visible_to(principal);
    if let Some(key) = &filter.profession {
        professions.require(key, "profession")?;
        select = select.filter(Column::CourseId.in_subquery(courses::for_profession(key)));
    }
    if let Some(t) = filter.course_type {
        select = select.filter(
            Column::CourseId.in_subquery(
                Query::select()
                    .column(course::Column::Id)
                    .from(course::Entity)
                    .and_where(course::Column::CourseType.eq(t))
                    .to_owned(),
            ),
        );
    }
    if let Some(codes) = regions.filter_codes(filter.region.as_deref(), "region")? {
        select = select.filter(Column::RegionCode.is_in(codes));
    }
    if let Some(from) = filter.from {
        select = select.filter(Column::StartDate.gte(from));
    }
    if let Some(to) = filter.to {
        select = select.filter(Column::StartDate.lte(to));
    }
    if let Some(format) = filter.format {
        select = select.filter(Column::Format.eq(format));
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

/// The runs with these ids that the caller may see.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    principal: &Principal,
    ids: &[i64],
) -> AppResult<Vec<course_run::Model>> {
    Ok(visible_to(principal)
        .filter(crate::service::one_of(
            db.get_database_backend(),
            Column::Id,
            ids,
        ))
        .all(db)
        .await?)
}

/// The runs of each course matching a filter (`Course.runs`), by start date.
pub const OF_COURSE: ChildList<Entity, CourseRunFilter> = ChildList {
    order: &BY_START,
    parent: Column::CourseId,
    parent_of: |m| m.course_id,
    select: |principal, reference, filter| {
        filtered(
            principal,
            &reference.regions,
            &reference.professions,
            filter,
        )
    },
};

/// The next run of each course that has not started yet and is not cancelled.
pub async fn next_by_course(
    db: &impl ConnectionTrait,
    principal: &Principal,
    course_ids: &[i64],
    today: NaiveDate,
) -> AppResult<HashMap<i64, course_run::Model>> {
    let upcoming = visible_to(principal)
        .filter(Column::StartDate.gte(today))
        .filter(Column::Status.is_in([RunStatus::Planned, RunStatus::Open, RunStatus::Full]));
    let first = PageRequest {
        limit: 1,
        backward: false,
        after: None,
        before: None,
    };
    let pages = pagination::fetch_child_pages(
        db,
        upcoming,
        Column::CourseId,
        course_ids,
        |m| m.course_id,
        &BY_START,
        &first,
    )
    .await?;
    Ok(pages
        .into_iter()
        .filter_map(|(course, page)| page.items.into_iter().next().map(|(_, run)| (course, run)))
        .collect())
}

// ---------------------------------------------------------------------------------
// Writing: a provider schedules, changes and cancels runs of its own courses.

/// Rows of `course_run` the caller may change: runs of the courses it may change.
pub fn editable_by(principal: &Principal) -> Select<Entity> {
    visible_to(principal).filter(
        Column::CourseId.in_subquery(
            courses::editable_by(principal)
                .select_only()
                .column(course::Column::Id)
                .into_query(),
        ),
    )
}

/// Who may change a run: whoever may change its course.
pub const WRITE: WriteRule<Entity> = WriteRule {
    what: "course run",
    node: NodeType::CourseRun,
    id: Column::Id,
    visible_to,
    editable_by,
    writer: courses::course_writer,
    foreign: "this course run belongs to another provider",
};

/// A run as it would be stored, for validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RunDraft {
    pub(crate) start: NaiveDate,
    pub(crate) end: NaiveDate,
    pub(crate) hours: i32,
    pub(crate) format: CourseFormat,
    pub(crate) schedule: Schedule,
    pub(crate) seats_min: i32,
    pub(crate) seats_max: i32,
    pub(crate) seats_taken: i32,
    pub(crate) region: String,
    pub(crate) city: String,
    pub(crate) cost_minor: i64,
    pub(crate) currency: String,
    pub(crate) funding: Vec<FundingOption>,
    pub(crate) deadline: Option<NaiveDate>,
    pub(crate) rolling_entry: bool,
    pub(crate) status: RunStatus,
    pub(crate) external_id: Option<String>,
}

/// An amount as stored: minor units and the currency code; problems are reported on
/// `{field}.amount` and `{field}.currency`.
pub(crate) fn money(input: &Money, field: &str, p: &mut Problems) -> (i64, String) {
    let minor = parse_amount(&input.amount);
    p.check(
        minor.is_some(),
        &format!("{field}.amount"),
        "the amount is a decimal number such as `1250.00`, not negative",
    );
    let currency = input.currency.trim().to_ascii_uppercase();
    p.check(
        currency.len() == 3 && currency.chars().all(|c| c.is_ascii_alphabetic()),
        &format!("{field}.currency"),
        "the currency is an ISO 4217 code such as `EUR` or `SEK`",
    );
    (minor.unwrap_or(0), currency)
}

impl RunDraft {
    pub(crate) fn validate(&mut self, regions: &RegionTree, mut p: Problems) -> AppResult<()> {
        self.city = self.city.trim().to_owned();
        let mut seen = std::collections::HashSet::new();
        self.funding.retain(|f| seen.insert(*f));
        p.check(
            self.end > self.start,
            "endDate",
            "the last day must be after the first",
        );
        p.check(
            (1..=5000).contains(&self.hours),
            "hours",
            "hours are between 1 and 5,000",
        );
        p.check(
            self.seats_min >= 1,
            "seatsMin",
            "at least one participant is needed",
        );
        p.check(
            self.seats_max >= self.seats_min,
            "seatsMax",
            "seatsMax must be at least seatsMin",
        );
        p.check(self.seats_max <= 1000, "seatsMax", "at most 1,000 seats");
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
            self.deadline.is_none_or(|d| d < self.start),
            "registrationDeadline",
            "the registration deadline must be before the first day",
        );
        p.finish()
    }
}

/// Schedules a run of one of the caller's courses.
pub async fn schedule(
    db: &DatabaseConnection,
    principal: &Principal,
    regions: &RegionTree,
    input: NewCourseRun,
) -> AppResult<course_run::Model> {
    let course_id = input.course_id;
    let mut p = Problems::default();
    let (cost_minor, currency) = money(&input.cost, "cost", &mut p);
    let status = input.status.unwrap_or(RunStatus::Planned);
    p.check(
        matches!(status, RunStatus::Planned | RunStatus::Open),
        "status",
        "a new run is PLANNED or OPEN",
    );
    p.check(
        input.start_date >= crate::service::today(),
        "startDate",
        "a new run cannot start in the past",
    );
    let mut draft = RunDraft {
        start: input.start_date,
        end: input.end_date,
        hours: input.hours,
        format: input.format,
        schedule: input.schedule,
        seats_min: input.seats_min,
        seats_max: input.seats_max,
        seats_taken: 0,
        region: input.region.trim().to_owned(),
        city: input.city,
        cost_minor,
        currency,
        funding: input.funding_options,
        deadline: input.registration_deadline,
        rolling_entry: input.rolling_entry,
        status,
        external_id: None,
    };
    crate::db::write(db, async |txn| {
        // Ownership first: someone else's course is refused whatever the input says.
        courses::WRITE.editable(txn, principal, course_id).await?;
        draft.validate(regions, p)?;
        insert(txn, course_id, draft).await
    })
    .await
}

/// Stores `draft` (validated) as a new run of course `course_id`.
pub(crate) async fn insert(
    txn: &DatabaseTransaction,
    course_id: i64,
    draft: RunDraft,
) -> AppResult<course_run::Model> {
    let now = Utc::now();
    let run = Entity::insert(course_run::ActiveModel {
        course_id: Set(course_id),
        start_date: Set(draft.start),
        end_date: Set(draft.end),
        hours: Set(draft.hours),
        format: Set(draft.format),
        schedule: Set(draft.schedule),
        seats_min: Set(draft.seats_min),
        seats_max: Set(draft.seats_max),
        seats_taken: Set(0),
        region_code: Set(draft.region),
        city: Set(draft.city),
        cost_minor: Set(draft.cost_minor),
        currency: Set(draft.currency),
        funding_options: Set(serde_json::to_value(&draft.funding).unwrap_or_default()),
        registration_deadline: Set(draft.deadline),
        rolling_entry: Set(draft.rolling_entry),
        status: Set(draft.status),
        cancellation_reason: Set(None),
        external_id: Set(draft.external_id),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    })
    .exec_with_returning(txn)
    .await?;
    crate::db::changes::record(crate::db::changes::Change::CourseRun(run.id));
    Ok(run)
}

/// Writes `draft` over run `id` if its version is still `expected`.
pub(crate) async fn write(
    txn: &DatabaseTransaction,
    id: i64,
    expected: i32,
    draft: RunDraft,
    cancellation_reason: Option<String>,
) -> AppResult<course_run::Model> {
    crate::db::changes::record(crate::db::changes::Change::CourseRun(id));
    let updated = Entity::update_many()
        .col_expr(Column::StartDate, Expr::value(draft.start))
        .col_expr(Column::EndDate, Expr::value(draft.end))
        .col_expr(Column::Hours, Expr::value(draft.hours))
        .col_expr(Column::Format, Expr::value(draft.format))
        .col_expr(Column::Schedule, Expr::value(draft.schedule))
        .col_expr(Column::SeatsMin, Expr::value(draft.seats_min))
        .col_expr(Column::SeatsMax, Expr::value(draft.seats_max))
        .col_expr(Column::RegionCode, Expr::value(draft.region))
        .col_expr(Column::City, Expr::value(draft.city))
        .col_expr(Column::CostMinor, Expr::value(draft.cost_minor))
        .col_expr(Column::Currency, Expr::value(draft.currency))
        .col_expr(
            Column::FundingOptions,
            Expr::value(serde_json::to_value(&draft.funding).unwrap_or_default()),
        )
        .col_expr(Column::RegistrationDeadline, Expr::value(draft.deadline))
        .col_expr(Column::RollingEntry, Expr::value(draft.rolling_entry))
        .col_expr(Column::Status, Expr::value(draft.status))
        .col_expr(Column::CancellationReason, Expr::value(cancellation_reason))
        .col_expr(Column::ExternalId, Expr::value(draft.external_id))
        .col_expr(Column::UpdatedAt, Expr::value(Utc::now()))
        .col_expr(Column::Version, Expr::col(Column::Version).add(1))
        .filter(Column::Id.eq(id))
        .filter(Column::Version.eq(expected))
        // Enrolments take seats without changing the version: the seats taken are
        // checked again under the row's lock.
        .filter(Column::SeatsTaken.lte(draft.seats_max))
        .exec(txn)
        .await?;
    let row = Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::Internal("updated course run vanished".into()))?;
    if updated.rows_affected != 1 {
        return Err(seats::refused_write(
            "course run",
            expected,
            row.version,
            row.seats_taken,
        ));
    }
    Ok(row)
}

/// The run `run` as a draft.
pub(crate) fn draft_of(run: &course_run::Model) -> RunDraft {
    RunDraft {
        start: run.start_date,
        end: run.end_date,
        hours: run.hours,
        format: run.format,
        schedule: run.schedule,
        seats_min: run.seats_min,
        seats_max: run.seats_max,
        seats_taken: run.seats_taken,
        region: run.region_code.clone(),
        city: run.city.clone(),
        cost_minor: run.cost_minor,
        currency: run.currency.clone(),
        funding: serde_json::from_value(run.funding_options.clone()).unwrap_or_default(),
        deadline: run.registration_deadline,
        rolling_entry: run.rolling_entry,
        status: run.status,
        external_id: run.external_id.clone(),
    }
}

/// Applies `input` to one of the caller's runs, if `expectedVersion` is current.
pub async fn update(
    db: &DatabaseConnection,
    principal: &Principal,
    regions: &RegionTree,
    input: CourseRunChanges,
) -> AppResult<course_run::Model> {
    let id = input.id;
    crate::db::write(db, async |txn| {
        let current = WRITE.editable(txn, principal, id).await?;
        if current.version != input.expected_version {
            return Err(stale("course run", current.version));
        }
        let mut p = Problems::default();
        p.check(
            current.status != RunStatus::Cancelled,
            "id",
            "a cancelled run cannot be changed",
        );
        p.check(
            input.status != Some(RunStatus::Cancelled),
            "status",
            "cancel a run with cancelCourseRun, giving a reason",
        );
        let mut draft = draft_of(&current);
        if let Some(cost) = &input.cost {
            (draft.cost_minor, draft.currency) = money(cost, "cost", &mut p);
        }
        draft.start = input.start_date.unwrap_or(draft.start);
        draft.end = input.end_date.unwrap_or(draft.end);
        draft.hours = input.hours.unwrap_or(draft.hours);
        draft.format = input.format.unwrap_or(draft.format);
        draft.schedule = input.schedule.unwrap_or(draft.schedule);
        draft.seats_min = input.seats_min.unwrap_or(draft.seats_min);
        draft.seats_max = input.seats_max.unwrap_or(draft.seats_max);
        draft.region = input
            .region
            .as_deref()
            .map_or(draft.region, |r| r.trim().to_owned());
        draft.city = input.city.unwrap_or(draft.city);
        draft.funding = input.funding_options.unwrap_or(draft.funding);
        draft.deadline = input.registration_deadline.apply(draft.deadline);
        draft.rolling_entry = input.rolling_entry.unwrap_or(draft.rolling_entry);
        draft.status = input.status.unwrap_or(draft.status);
        draft.validate(regions, p)?;
        write(txn, id, input.expected_version, draft, None).await
    })
    .await
}

/// Cancels one of the caller's runs, recording why; every live enrolment is withdrawn
/// with that reason in the same transaction.
pub async fn cancel(
    db: &DatabaseConnection,
    principal: &Principal,
    input: Cancellation,
) -> AppResult<course_run::Model> {
    let id = input.id;
    crate::db::write(db, async |txn| {
        let current = WRITE.editable(txn, principal, id).await?;
        if current.version != input.expected_version {
            return Err(stale("course run", current.version));
        }
        let reason = input.cancellation_reason(current.status, "run")?;
        cancel_in(txn, principal, &current, reason).await
    })
    .await
}

/// Cancels run `current` (read in `txn`, and the caller's to change) with `reason`,
/// withdrawing every live enrolment with it.
pub(crate) async fn cancel_in(
    txn: &DatabaseTransaction,
    principal: &Principal,
    current: &course_run::Model,
    reason: String,
) -> AppResult<course_run::Model> {
    let mut draft = draft_of(current);
    draft.status = RunStatus::Cancelled;
    write(
        txn,
        current.id,
        current.version,
        draft,
        Some(reason.clone()),
    )
    .await?;
    enrolments::withdraw_all(txn, principal, Target::Run(current.id), &reason).await?;
    Entity::find_by_id(current.id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::Internal("cancelled course run vanished".into()))
}
