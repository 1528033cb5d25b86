//! Recognition cases: who sees them, the procedure's state machine, the legal due date,
//! decisions and compensatory measures, and the timeline every change appends to.
//!
//! A case is visible (with `cases:read`) to its competent authority, to the candidate's
//! advisory centre, and to organisations with a live consent of the candidate. Only the
//! case's authority changes it (through operations that need `cases:write`).
//!
//! By concern: [`transitions`] (opening, the state machine), [`deadlines`] (the file and
//! the legal due date), [`decisions`]; visibility, lookups and the one shape of every
//! change ([`amend`]) here.

pub mod deadlines;
pub mod decisions;
pub mod transitions;

pub use deadlines::{
    FileComplete, MissingDocuments, due_date, is_overdue, overdue, record_file_complete,
    update_missing_documents,
};
pub use decisions::{NewDecision, allowed_measures, decisions_of, record_decision};
pub use transitions::{OpenCase, StatusChange, allowed_next, change_status, open};

use crate::auth::{Principal, Scope};
use crate::error::{AppError, AppResult};
use crate::id::NodeType;
use crate::service::Reference;
use crate::service::access::{WriteRule, nothing};
use crate::service::candidates::{consented_to, owned_by};
use crate::service::courses::stale;
use crate::service::pagination::Ordering;
use crate::service::validation::Problems;
use chrono::{NaiveDate, Utc};
use entity::candidate;
use entity::case_event::{self, CaseEventKind};
use entity::recognition_case::{self, CaseStatus, Column, Entity};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, Select,
};
use std::collections::HashMap;

/// Narrows a list of cases; every condition given must hold. Errors name these fields
/// (`region`, `profession`).
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub status: Option<CaseStatus>,
    /// Profession key.
    pub profession: Option<String>,
    /// The competent authority's organisation id.
    pub authority: Option<i64>,
    /// Region code: the candidate lives in it or below it.
    pub region: Option<String>,
    /// Past the due date without a decision (true), or not (false).
    pub overdue: Option<bool>,
}

/// Cases are listed by id (opening order).
pub const BY_ID: Ordering<Entity> = Ordering {
    name: "case.id",
    sort: None,
    id: Column::Id,
    sort_value: |_| None,
    row_id: |m| m.id,
};

/// Statuses in which the authority has not decided yet: the due date runs.
pub const UNDECIDED: [CaseStatus; 3] = [
    CaseStatus::Submitted,
    CaseStatus::Incomplete,
    CaseStatus::InAssessment,
];

/// Rows of `recognition_case` the caller may see.
pub fn visible_to(principal: &Principal) -> Select<Entity> {
    let cond = match principal.organisation() {
        Some(org) if principal.has_scope(Scope::CasesRead) => Condition::any()
            .add(Column::AuthorityId.eq(org.id))
            .add(Column::CandidateId.in_subquery(owned_by(org.id)))
            .add(Column::CandidateId.in_subquery(consented_to(org.id))),
        _ => nothing(),
    };
    Entity::find().filter(cond)
}

/// The cases matching `filter` that the caller may see.
pub fn filtered(
    principal: &Principal,
    reference: &Reference,
    filter: &CaseFilter,
    today: NaiveDate,
) -> AppResult<Select<Entity>> {
    let mut select = visible_to(principal);
    if let Some(s) = filter.status {
        select = select.filter(Column::Status.eq(s));
    }
    if let Some(p) = &filter.profession {
        reference.professions.require(p, "profession")?;
        select = select.filter(Column::ProfessionKey.eq(p.as_str()));
    }
    if let Some(a) = filter.authority {
        select = select.filter(Column::AuthorityId.eq(a));
    }
    if let Some(codes) = reference
        .regions
        .filter_codes(filter.region.as_deref(), "region")?
    {
        select = select.filter(
            Column::CandidateId.in_subquery(
                Query::select()
                    .column(candidate::Column::Id)
                    .from(candidate::Entity)
                    .and_where(candidate::Column::RegionCode.is_in(codes))
                    .to_owned(),
            ),
        );
    }
    if let Some(overdue) = filter.overdue {
        // Spelled out both ways rather than negated: `NOT (due_on < today)` is NULL, not
        // true, for a case whose file is not complete yet, and such cases would vanish.
        let cond = if overdue {
            Condition::all()
                .add(Column::Status.is_in(UNDECIDED))
                .add(Column::DueOn.lt(today))
        } else {
            Condition::any()
                .add(Column::Status.is_not_in(UNDECIDED))
                .add(Column::DueOn.is_null())
                .add(Column::DueOn.gte(today))
        };
        select = select.filter(cond);
    }
    Ok(select)
}

/// The cases with these ids that the caller may see.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    principal: &Principal,
    ids: &[i64],
) -> AppResult<Vec<recognition_case::Model>> {
    Ok(visible_to(principal)
        .filter(crate::service::one_of(
            db.get_database_backend(),
            Column::Id,
            ids,
        ))
        .all(db)
        .await?)
}

/// The visible cases of each candidate, oldest first.
pub async fn of_candidates(
    db: &impl ConnectionTrait,
    principal: &Principal,
    candidate_ids: &[i64],
) -> AppResult<HashMap<i64, Vec<recognition_case::Model>>> {
    let rows = visible_to(principal)
        .filter(crate::service::one_of(
            db.get_database_backend(),
            Column::CandidateId,
            candidate_ids,
        ))
        .order_by_asc(Column::Id)
        .all(db)
        .await?;
    Ok(crate::service::group_by_parent(candidate_ids, rows, |r| {
        (r.candidate_id, r)
    }))
}

/// `case_id IN (cases the caller may see)`.
pub(crate) fn of_visible_cases<C: ColumnTrait>(principal: &Principal, column: C) -> Condition {
    Condition::all().add(column.in_subquery(sea_orm::QueryTrait::into_query(
        sea_orm::QuerySelect::column(
            sea_orm::QuerySelect::select_only(visible_to(principal)),
            Column::Id,
        ),
    )))
}

/// The timeline of each case, in order.
pub async fn events_of(
    db: &impl ConnectionTrait,
    principal: &Principal,
    case_ids: &[i64],
) -> AppResult<HashMap<i64, Vec<case_event::Model>>> {
    let rows = case_event::Entity::find()
        .filter(crate::service::one_of(
            db.get_database_backend(),
            case_event::Column::CaseId,
            case_ids,
        ))
        .filter(of_visible_cases(principal, case_event::Column::CaseId))
        .order_by_asc(case_event::Column::Id)
        .all(db)
        .await?;
    Ok(crate::service::group_by_parent(case_ids, rows, |r| {
        (r.case_id, r)
    }))
}

/// What a change did to a case, for its timeline.
#[derive(Debug, Clone)]
pub struct Event {
    pub kind: CaseEventKind,
    pub from: Option<CaseStatus>,
    pub to: Option<CaseStatus>,
    pub note: Option<String>,
}

impl Event {
    /// An event that leaves the status as it is.
    pub fn note(kind: CaseEventKind, note: String) -> Event {
        Event {
            kind,
            from: None,
            to: None,
            note: Some(note),
        }
    }
}

/// Appends to a case's timeline, naming the caller.
pub async fn append_event(
    txn: &DatabaseTransaction,
    principal: &Principal,
    case_id: i64,
    event: Event,
) -> AppResult<()> {
    // Every change of a case is on its timeline, so it is recorded for subscribers here.
    crate::db::changes::record(crate::db::changes::Change::Case(case_id));
    case_event::Entity::insert(case_event::ActiveModel {
        case_id: Set(case_id),
        at: Set(Utc::now()),
        kind: Set(event.kind),
        organisation_id: Set(principal.organisation().map(|o| o.id)),
        client_id: Set(principal.client().map(|c| c.client_id.clone())),
        from_status: Set(event.from),
        to_status: Set(event.to),
        note: Set(event.note),
        ..Default::default()
    })
    .exec(txn)
    .await?;
    Ok(())
}

/// A note for the timeline: trimmed, empty as none, at most 2,000 characters.
pub(crate) fn clean_note(note: &Option<String>, p: &mut Problems) -> Option<String> {
    let note = note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    p.check(
        note.as_deref().is_none_or(|n| n.chars().count() <= 2000),
        "note",
        "at most 2,000 characters",
    );
    note
}

/// The organisation of a caller who may change cases at all: any organisation; which
/// cases is [`editable_by`]'s (the `cases:write` scope is the operation's, checked
/// where it is called).
pub fn case_writer(principal: &Principal) -> AppResult<i64> {
    match principal.organisation() {
        Some(org) => Ok(org.id),
        _ => Err(AppError::Forbidden(
            "only the case's competent authority changes it".into(),
        )),
    }
}

/// Rows of `recognition_case` the caller may change: the cases at its own authority.
pub fn editable_by(principal: &Principal) -> Select<Entity> {
    match case_writer(principal) {
        Ok(org) => visible_to(principal).filter(Column::AuthorityId.eq(org)),
        Err(_) => visible_to(principal).filter(nothing()),
    }
}

/// Who may change a case: its competent authority.
pub const WRITE: WriteRule<Entity> = WriteRule {
    what: "case",
    node: NodeType::RecognitionCase,
    id: Column::Id,
    visible_to,
    editable_by,
    writer: case_writer,
    foreign: "only the case's competent authority changes it",
};

/// The one shape of every change to an existing case: in one write transaction, finds
/// the case through [`WRITE`], refuses a stale `expected_version` (`CONFLICT`), lets
/// `change` validate and modify it and say what happened, saves it, and appends that
/// to the timeline.
pub async fn amend(
    db: &DatabaseConnection,
    principal: &Principal,
    case_id: i64,
    expected_version: i32,
    change: impl AsyncFnOnce(&DatabaseTransaction, &mut recognition_case::Model) -> AppResult<Event>,
) -> AppResult<recognition_case::Model> {
    crate::db::write(db, async |txn| {
        let mut case = WRITE.editable(txn, principal, case_id).await?;
        if case.version != expected_version {
            return Err(stale("case", case.version));
        }
        let event = change(txn, &mut case).await?;
        let case = save(txn, case, expected_version).await?;
        append_event(txn, principal, case_id, event).await?;
        Ok(case)
    })
    .await
}

/// Writes the changed case if its version is still `expected` (the row lock or SQLite's
/// write lock makes the check and the write one step).
async fn save(
    txn: &DatabaseTransaction,
    case: recognition_case::Model,
    expected: i32,
) -> AppResult<recognition_case::Model> {
    let updated = Entity::update_many()
        .col_expr(Column::Status, Expr::value(case.status))
        .col_expr(Column::CompleteOn, Expr::value(case.complete_on))
        .col_expr(Column::DueOn, Expr::value(case.due_on))
        .col_expr(Column::DecidedOn, Expr::value(case.decided_on))
        .col_expr(
            Column::MissingDocuments,
            Expr::value(case.missing_documents.clone()),
        )
        .col_expr(Column::UpdatedAt, Expr::value(Utc::now()))
        .col_expr(Column::Version, Expr::col(Column::Version).add(1))
        .filter(Column::Id.eq(case.id))
        .filter(Column::Version.eq(expected))
        .exec(txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(stale("case", expected + 1));
    }
    Entity::find_by_id(case.id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::Internal("updated case vanished".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use entity::decision::{CompensatoryMeasure, DecisionOutcome};
    use entity::recognition_case::CaseOrigin;

    #[test]
    fn due_dates_follow_the_legal_periods() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        assert_eq!(
            due_date(d, false, CaseOrigin::ThirdCountry, "nurse"),
            NaiveDate::from_ymd_opt(2027, 2, 28).unwrap()
        );
        assert_eq!(
            due_date(d, true, CaseOrigin::ThirdCountry, "nurse"),
            NaiveDate::from_ymd_opt(2027, 1, 30).unwrap()
        );
        assert_eq!(
            due_date(d, false, CaseOrigin::EuEeaCh, "physiotherapist"),
            NaiveDate::from_ymd_opt(2027, 3, 30).unwrap()
        );
        assert_eq!(
            due_date(d, false, CaseOrigin::EuEeaCh, "nurse"),
            NaiveDate::from_ymd_opt(2027, 2, 28).unwrap()
        );
    }

    #[test]
    fn the_state_machine_allows_only_the_procedure() {
        use CaseStatus::*;
        assert_eq!(
            allowed_next(Submitted, None),
            [Incomplete, InAssessment, Withdrawn]
        );
        assert_eq!(allowed_next(Incomplete, None), [Submitted, Withdrawn]);
        assert!(
            !allowed_next(InAssessment, None).contains(&Decided),
            "decisions go through recordDecision"
        );
        assert!(allowed_next(Decided, Some(DecisionOutcome::Deficit)).contains(&InCompensation));
        assert!(!allowed_next(Decided, Some(DecisionOutcome::Deficit)).contains(&Licensed));
        assert!(allowed_next(Licensed, None).is_empty());
    }

    #[test]
    fn measures_depend_on_origin_and_profession() {
        use CompensatoryMeasure::*;
        assert_eq!(
            allowed_measures(CaseOrigin::ThirdCountry, "physician"),
            [KnowledgeTest]
        );
        assert_eq!(
            allowed_measures(CaseOrigin::ThirdCountry, "nurse"),
            [KnowledgeTest, AdaptationCourse]
        );
        assert_eq!(
            allowed_measures(CaseOrigin::EuEeaCh, "nurse"),
            [AdaptationCourse, AptitudeTest]
        );
    }
}
