//! Recognition cases: who sees them, the procedure's state machine, the legal due date,
//! decisions and compensatory measures, and the timeline every change appends to.
//!
//! A case is visible (with `cases:read`) to its competent authority, to the candidate's
//! advisory centre, and to organisations with a live consent of the candidate. Only the
//! case's authority (with `cases:write`) changes it.

use crate::auth::{Principal, Scope};
use crate::error::{AppError, AppResult};
use crate::graphql::input::{
    CaseFilter, ChangeCaseStatusInput, OpenCaseInput, RecordDecisionInput, RecordFileCompleteInput,
    UpdateMissingDocumentsInput,
};
use crate::id::{self, NodeType};
use crate::service::Reference;
use crate::service::candidates::{self, consented_to, nothing, owned_by};
use crate::service::countries;
use crate::service::courses::stale;
use crate::service::pagination::Ordering;
use crate::service::validation::{Problems, chars, value_name};
use chrono::{Months, NaiveDate, Utc};
use entity::candidate;
use entity::case_event::{self, CaseEventKind};
use entity::decision::{self, CompensatoryMeasure, DecisionOutcome};
use entity::organisation::{self, OrganisationKind};
use entity::recognition_case::{self, CaseOrigin, CaseStatus, Column, Entity};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveEnum, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, Select,
};
use std::collections::HashMap;

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

/// Professions recognised automatically under Directive 2005/36/EC (sectoral system);
/// the others fall under the general system with four months for the decision.
const SECTORAL: [&str; 5] = ["nurse", "physician", "dentist", "pharmacist", "midwife"];

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

/// The legal due date of the decision: three months after the file is complete, two in
/// the fast track (§81a AufenthG), four for EU training under the general system.
pub fn due_date(
    complete_on: NaiveDate,
    fast_track: bool,
    origin: CaseOrigin,
    profession: &str,
) -> NaiveDate {
    let months = if fast_track {
        2
    } else if origin == CaseOrigin::EuEeaCh && !SECTORAL.contains(&profession) {
        4
    } else {
        3
    };
    complete_on
        .checked_add_months(Months::new(months))
        .unwrap_or(complete_on)
}

/// Whether a case is past its due date without a decision on `today`.
pub fn is_overdue(case: &recognition_case::Model, today: NaiveDate) -> bool {
    UNDECIDED.contains(&case.status) && case.due_on.is_some_and(|d| d < today)
}

/// The statuses `changeCaseStatus` may move a case to. DECIDED and REJECTED after the
/// assessment are reached only through `recordDecision`.
pub fn allowed_next(status: CaseStatus, decision: Option<DecisionOutcome>) -> Vec<CaseStatus> {
    use CaseStatus::*;
    match status {
        Submitted => vec![Incomplete, InAssessment, Withdrawn],
        Incomplete => vec![Submitted, Withdrawn],
        InAssessment => vec![Incomplete, Withdrawn],
        Decided => match decision {
            Some(DecisionOutcome::Deficit) => vec![InCompensation, Withdrawn],
            Some(DecisionOutcome::PartialAccess) => {
                vec![InCompensation, LanguagePending, Licensed, Withdrawn]
            }
            Some(DecisionOutcome::Full) => vec![LanguagePending, Licensed, Withdrawn],
            _ => vec![Withdrawn],
        },
        InCompensation => vec![LanguagePending, Licensed, Rejected, Withdrawn],
        LanguagePending => vec![Licensed, Withdrawn],
        Licensed | Rejected | Withdrawn => vec![],
    }
}

/// The measures an applicant may be offered: physicians trained in a third country take
/// the knowledge test; other third-country training: knowledge test or adaptation
/// course; EU training: adaptation course or aptitude test.
pub fn allowed_measures(origin: CaseOrigin, profession: &str) -> Vec<CompensatoryMeasure> {
    use CompensatoryMeasure::*;
    match origin {
        CaseOrigin::ThirdCountry if profession == "physician" => vec![KnowledgeTest],
        CaseOrigin::ThirdCountry => vec![KnowledgeTest, AdaptationCourse],
        CaseOrigin::EuEeaCh => vec![AdaptationCourse, AptitudeTest],
    }
}

fn names(statuses: &[CaseStatus]) -> String {
    if statuses.is_empty() {
        return "none (the case is closed)".into();
    }
    statuses
        .iter()
        .map(|s| s.to_value())
        .collect::<Vec<_>>()
        .join(", ")
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
        reference.professions.require(p, "filter.profession")?;
        select = select.filter(Column::ProfessionKey.eq(p.as_str()));
    }
    if let Some(a) = &filter.authority {
        let a = id::decode_as(a, NodeType::Organisation, "filter.authority")?;
        select = select.filter(Column::AuthorityId.eq(a));
    }
    if let Some(codes) = reference
        .regions
        .filter_codes(filter.region.as_deref(), "filter.region")?
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
        .filter(Column::Id.is_in(ids.iter().copied()))
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
        .filter(Column::CandidateId.is_in(candidate_ids.iter().copied()))
        .order_by_asc(Column::Id)
        .all(db)
        .await?;
    Ok(crate::service::group_by_parent(candidate_ids, rows, |r| {
        (r.candidate_id, r)
    }))
}

/// `case_id IN (cases the caller may see)`.
fn of_visible_cases<C: ColumnTrait>(principal: &Principal, column: C) -> Condition {
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
        .filter(case_event::Column::CaseId.is_in(case_ids.iter().copied()))
        .filter(of_visible_cases(principal, case_event::Column::CaseId))
        .order_by_asc(case_event::Column::Id)
        .all(db)
        .await?;
    Ok(crate::service::group_by_parent(case_ids, rows, |r| {
        (r.case_id, r)
    }))
}

/// The decision of each case that has one.
pub async fn decisions_of(
    db: &impl ConnectionTrait,
    principal: &Principal,
    case_ids: &[i64],
) -> AppResult<HashMap<i64, decision::Model>> {
    let rows = decision::Entity::find()
        .filter(decision::Column::CaseId.is_in(case_ids.iter().copied()))
        .filter(of_visible_cases(principal, decision::Column::CaseId))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|d| (d.case_id, d)).collect())
}

/// Appends to a case's timeline, naming the caller.
pub async fn append_event(
    txn: &DatabaseTransaction,
    principal: &Principal,
    case_id: i64,
    kind: CaseEventKind,
    from: Option<CaseStatus>,
    to: Option<CaseStatus>,
    note: Option<String>,
) -> AppResult<()> {
    case_event::Entity::insert(case_event::ActiveModel {
        case_id: Set(case_id),
        at: Set(Utc::now()),
        kind: Set(kind),
        organisation_id: Set(principal.organisation().map(|o| o.id)),
        client_id: Set(principal.client().map(|c| c.client_id.clone())),
        from_status: Set(from),
        to_status: Set(to),
        note: Set(note),
        ..Default::default()
    })
    .exec(txn)
    .await?;
    Ok(())
}

/// Steps of the file (completeness, missing documents) belong before the decision.
fn check_undecided(p: &mut Problems, case: &recognition_case::Model) {
    p.check(
        UNDECIDED.contains(&case.status),
        "input.caseId",
        format!(
            "a case that is {} is past this step",
            case.status.to_value()
        ),
    );
}

fn clean_note(note: &Option<String>, p: &mut Problems) -> Option<String> {
    let note = note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    p.check(
        note.as_deref().is_none_or(|n| n.chars().count() <= 2000),
        "input.note",
        "at most 2,000 characters",
    );
    note
}

/// Opens a case for one of the caller's candidates at a competent authority.
pub async fn open(
    db: &DatabaseConnection,
    principal: &Principal,
    reference: &Reference,
    input: &OpenCaseInput,
) -> AppResult<recognition_case::Model> {
    let candidate_id = id::decode_as(
        &input.candidate_id,
        NodeType::Candidate,
        "input.candidateId",
    )?;
    let authority_id = id::decode_as(
        &input.authority_id,
        NodeType::Organisation,
        "input.authorityId",
    )?;
    let txn = crate::db::begin_write(db).await?;
    let result: AppResult<_> = async {
        let cand = candidates::owned(&txn, principal, candidate_id).await?;
        let authority = organisation::Entity::find_by_id(authority_id)
            .one(&txn)
            .await?;
        let profession = input
            .profession
            .clone()
            .unwrap_or(cand.profession_key.clone());
        let today = crate::service::today();
        let submitted = input.submitted_on.map_or(today, |d| d.0);
        let mut p = Problems::default();
        p.check(
            authority.as_ref().is_some_and(|a| {
                matches!(
                    a.kind,
                    OrganisationKind::Authority | OrganisationKind::Chamber
                )
            }),
            "input.authorityId",
            "the competent authority must be an organisation of kind AUTHORITY or CHAMBER",
        );
        p.check(
            reference.professions.get(&profession).is_some(),
            "input.profession",
            format!("unknown profession `{profession}`"),
        );
        p.check(
            (2..=100).contains(&chars(&input.legal_basis)),
            "input.legalBasis",
            "2 to 100 characters, e.g. `PflBG §40`",
        );
        p.check(
            submitted <= today,
            "input.submittedOn",
            "the application cannot be submitted in the future",
        );
        p.finish()?;
        let origin =
            input
                .origin
                .unwrap_or(if countries::is_eu_eea_ch(&cand.country_of_training) {
                    CaseOrigin::EuEeaCh
                } else {
                    CaseOrigin::ThirdCountry
                });
        let now = Utc::now();
        let case = Entity::insert(recognition_case::ActiveModel {
            candidate_id: Set(candidate_id),
            profession_key: Set(profession),
            authority_id: Set(authority_id),
            legal_basis: Set(input.legal_basis.trim().to_owned()),
            origin: Set(origin),
            fast_track: Set(input.fast_track),
            status: Set(CaseStatus::Submitted),
            submitted_on: Set(submitted),
            complete_on: Set(None),
            due_on: Set(None),
            decided_on: Set(None),
            missing_documents: Set(serde_json::json!([])),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            ..Default::default()
        })
        .exec_with_returning(&txn)
        .await?;
        append_event(
            &txn,
            principal,
            case.id,
            CaseEventKind::Opened,
            None,
            Some(CaseStatus::Submitted),
            None,
        )
        .await?;
        Ok(case)
    }
    .await;
    crate::db::finish(txn, result).await
}

/// The case `id` if the caller is its authority with `cases:write`: `NOT_FOUND` if the
/// caller cannot see it, `FORBIDDEN` otherwise; `CONFLICT` on a stale version.
async fn for_authority(
    txn: &DatabaseTransaction,
    principal: &Principal,
    id: i64,
    expected_version: i32,
) -> AppResult<recognition_case::Model> {
    let case = visible_to(principal)
        .filter(Column::Id.eq(id))
        .one(txn)
        .await?
        .ok_or_else(|| {
            AppError::NotFound(format!(
                "case `{}`",
                self::id::encode(NodeType::RecognitionCase, id).as_str()
            ))
        })?;
    let is_authority = principal
        .organisation()
        .is_some_and(|o| o.id == case.authority_id);
    if !is_authority || !principal.has_scope(Scope::CasesWrite) {
        return Err(AppError::Forbidden(
            "only the case's competent authority changes it".into(),
        ));
    }
    if case.version != expected_version {
        return Err(stale("case", case.version));
    }
    Ok(case)
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

async fn decision_outcome(
    txn: &DatabaseTransaction,
    case_id: i64,
) -> AppResult<Option<DecisionOutcome>> {
    Ok(decision::Entity::find()
        .filter(decision::Column::CaseId.eq(case_id))
        .one(txn)
        .await?
        .map(|d| d.outcome))
}

/// Moves a case along an allowed transition.
pub async fn change_status(
    db: &DatabaseConnection,
    principal: &Principal,
    input: &ChangeCaseStatusInput,
) -> AppResult<recognition_case::Model> {
    let id = id::decode_as(&input.case_id, NodeType::RecognitionCase, "input.caseId")?;
    let txn = crate::db::begin_write(db).await?;
    let result: AppResult<_> = async {
        let mut case = for_authority(&txn, principal, id, input.expected_version).await?;
        let allowed = allowed_next(case.status, decision_outcome(&txn, id).await?);
        let mut p = Problems::default();
        let note = clean_note(&input.note, &mut p);
        let via_decision = if case.status == CaseStatus::InAssessment {
            " (DECIDED and REJECTED through recordDecision)"
        } else {
            ""
        };
        p.check(
            allowed.contains(&input.status),
            "input.status",
            format!(
                "a case that is {} can move to {}{via_decision}, not to {}",
                case.status.to_value(),
                names(&allowed),
                input.status.to_value()
            ),
        );
        p.finish()?;
        let from = case.status;
        case.status = input.status;
        let case = save(&txn, case, input.expected_version).await?;
        append_event(
            &txn,
            principal,
            id,
            CaseEventKind::StatusChanged,
            Some(from),
            Some(input.status),
            note,
        )
        .await?;
        Ok(case)
    }
    .await;
    crate::db::finish(txn, result).await
}

/// Records the day the file became complete and computes the legal due date.
pub async fn record_file_complete(
    db: &DatabaseConnection,
    principal: &Principal,
    input: &RecordFileCompleteInput,
) -> AppResult<recognition_case::Model> {
    let id = id::decode_as(&input.case_id, NodeType::RecognitionCase, "input.caseId")?;
    let txn = crate::db::begin_write(db).await?;
    let result: AppResult<_> = async {
        let mut case = for_authority(&txn, principal, id, input.expected_version).await?;
        let day = input.complete_on.0;
        let mut p = Problems::default();
        check_undecided(&mut p, &case);
        p.check(
            day <= crate::service::today(),
            "input.completeOn",
            "the day cannot be in the future",
        );
        p.check(
            day >= case.submitted_on,
            "input.completeOn",
            "the file cannot be complete before it was submitted",
        );
        p.finish()?;
        case.complete_on = Some(day);
        case.due_on = Some(due_date(
            day,
            case.fast_track,
            case.origin,
            &case.profession_key,
        ));
        case.missing_documents = serde_json::json!([]);
        let case = save(&txn, case, input.expected_version).await?;
        let note = format!(
            "file complete on {day}; decision due on {}",
            case.due_on.map(|d| d.to_string()).unwrap_or_default()
        );
        append_event(
            &txn,
            principal,
            id,
            CaseEventKind::FileComplete,
            None,
            None,
            Some(note),
        )
        .await?;
        Ok(case)
    }
    .await;
    crate::db::finish(txn, result).await
}

/// Replaces the checklist of missing documents.
pub async fn update_missing_documents(
    db: &DatabaseConnection,
    principal: &Principal,
    input: &UpdateMissingDocumentsInput,
) -> AppResult<recognition_case::Model> {
    let id = id::decode_as(&input.case_id, NodeType::RecognitionCase, "input.caseId")?;
    let txn = crate::db::begin_write(db).await?;
    let result: AppResult<_> = async {
        let mut case = for_authority(&txn, principal, id, input.expected_version).await?;
        let docs: Vec<String> = input
            .missing_documents
            .iter()
            .map(|d| d.trim().to_owned())
            .filter(|d| !d.is_empty())
            .collect();
        let mut p = Problems::default();
        check_undecided(&mut p, &case);
        p.check(
            docs.len() <= 50,
            "input.missingDocuments",
            "at most 50 documents",
        );
        p.check(
            docs.iter().all(|d| d.chars().count() <= 200),
            "input.missingDocuments",
            "at most 200 characters each",
        );
        p.finish()?;
        case.missing_documents = serde_json::json!(docs);
        let case = save(&txn, case, input.expected_version).await?;
        let note = if docs.is_empty() {
            "nothing missing".to_owned()
        } else {
            format!("missing: {}", docs.join("; "))
        };
        append_event(
            &txn,
            principal,
            id,
            CaseEventKind::DocumentsUpdated,
            None,
            None,
            Some(note),
        )
        .await?;
        Ok(case)
    }
    .await;
    crate::db::finish(txn, result).await
}

/// Records the authority's decision on a case in assessment.
pub async fn record_decision(
    db: &DatabaseConnection,
    principal: &Principal,
    input: &RecordDecisionInput,
) -> AppResult<recognition_case::Model> {
    let id = id::decode_as(&input.case_id, NodeType::RecognitionCase, "input.caseId")?;
    let txn = crate::db::begin_write(db).await?;
    let result: AppResult<_> = async {
        let mut case = for_authority(&txn, principal, id, input.expected_version).await?;
        let today = crate::service::today();
        let decided_on = input.decided_on.map_or(today, |d| d.0);
        let areas: Vec<String> = input
            .deficit_areas
            .iter()
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty())
            .collect();
        let mut measures = input.measures.clone();
        measures.sort();
        measures.dedup();
        let allowed = allowed_measures(case.origin, &case.profession_key);
        let mut p = Problems::default();
        let note = clean_note(&input.note, &mut p);
        p.check(
            case.status == CaseStatus::InAssessment,
            "input.caseId",
            format!(
                "only a case in assessment can be decided; this one is {}",
                case.status.to_value()
            ),
        );
        p.check(
            decided_on <= today && decided_on >= case.submitted_on,
            "input.decidedOn",
            "between the submission and today",
        );
        match input.outcome {
            DecisionOutcome::Deficit => {
                p.check(
                    !measures.is_empty(),
                    "input.measures",
                    "a decision with deficits names the compensatory measures",
                );
                p.check(
                    !areas.is_empty(),
                    "input.deficitAreas",
                    "a decision with deficits names the areas",
                );
            }
            DecisionOutcome::Full | DecisionOutcome::Rejected => {
                p.check(
                    measures.is_empty(),
                    "input.measures",
                    "only DEFICIT and PARTIAL_ACCESS decisions name measures",
                );
            }
            DecisionOutcome::PartialAccess => {}
        }
        p.check(areas.len() <= 50, "input.deficitAreas", "at most 50 areas");
        p.check(
            areas.iter().all(|a| a.chars().count() <= 200),
            "input.deficitAreas",
            "at most 200 characters each",
        );
        let offered: Vec<String> = allowed.iter().map(value_name).collect();
        p.check(
            measures.iter().all(|m| allowed.contains(m)),
            "input.measures",
            format!(
                "for this case ({} training, {}) the measures on offer are: {}",
                value_name(&case.origin),
                case.profession_key,
                offered.join(", ")
            ),
        );
        p.finish()?;
        decision::Entity::insert(decision::ActiveModel {
            case_id: Set(id),
            outcome: Set(input.outcome),
            deficit_areas: Set(serde_json::json!(areas)),
            measures: Set(serde_json::to_value(&measures).unwrap_or_default()),
            decided_on: Set(decided_on),
            note: Set(note.clone()),
            created_at: Set(Utc::now()),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
        let from = case.status;
        case.status = if input.outcome == DecisionOutcome::Rejected {
            CaseStatus::Rejected
        } else {
            CaseStatus::Decided
        };
        case.decided_on = Some(decided_on);
        let to = case.status;
        let case = save(&txn, case, input.expected_version).await?;
        append_event(
            &txn,
            principal,
            id,
            CaseEventKind::DecisionRecorded,
            Some(from),
            Some(to),
            note,
        )
        .await?;
        Ok(case)
    }
    .await;
    crate::db::finish(txn, result).await
}

#[cfg(test)]
mod tests {
    use super::*;

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
