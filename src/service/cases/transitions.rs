//! The procedure's state machine: opening a case, and the moves `changeCaseStatus`
//! may make. A decision is its own step ([`super::decisions`]).

use super::{Entity, Event, amend, append_event, clean_note};
use crate::auth::Principal;
use crate::error::AppResult;
use crate::service::Reference;
use crate::service::candidates;
use crate::service::countries;
use crate::service::validation::{Problems, chars};
use chrono::{NaiveDate, Utc};
use entity::case_event::CaseEventKind;
use entity::decision::{self, DecisionOutcome};
use entity::organisation::{self, OrganisationKind};
use entity::recognition_case::{self, CaseOrigin, CaseStatus};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveEnum, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter,
};

/// A new case of candidate `candidate_id` at authority `authority_id`. Errors name the
/// fields as partners know them (`authorityId`, `legalBasis`).
#[derive(Debug, Clone)]
pub struct OpenCase {
    pub candidate_id: i64,
    pub authority_id: i64,
    /// Reference profession key; the candidate's target profession when not given.
    pub profession: Option<String>,
    pub legal_basis: String,
    /// From the candidate's country of training when not given.
    pub origin: Option<CaseOrigin>,
    pub fast_track: bool,
    /// Today when not given.
    pub submitted_on: Option<NaiveDate>,
}

/// Moving case `case_id` to `status`.
#[derive(Debug, Clone)]
pub struct StatusChange {
    pub case_id: i64,
    pub expected_version: i32,
    pub status: CaseStatus,
    pub note: Option<String>,
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

/// Opens a case for one of the caller's candidates at a competent authority.
pub async fn open(
    db: &DatabaseConnection,
    principal: &Principal,
    reference: &Reference,
    input: OpenCase,
) -> AppResult<recognition_case::Model> {
    crate::db::write(db, async |txn| {
        let cand = candidates::WRITE
            .editable(txn, principal, input.candidate_id)
            .await?;
        let authority = organisation::Entity::find_by_id(input.authority_id)
            .one(txn)
            .await?;
        let profession = input.profession.unwrap_or(cand.profession_key.clone());
        let today = crate::service::today();
        let submitted = input.submitted_on.unwrap_or(today);
        let mut p = Problems::default();
        p.check(
            authority.as_ref().is_some_and(|a| {
                matches!(
                    a.kind,
                    OrganisationKind::Authority | OrganisationKind::Chamber
                )
            }),
            "authorityId",
            "the competent authority must be an organisation of kind AUTHORITY or CHAMBER",
        );
        p.check(
            reference.professions.get(&profession).is_some(),
            "profession",
            format!("unknown profession `{profession}`"),
        );
        p.check(
            (2..=100).contains(&chars(&input.legal_basis)),
            "legalBasis",
            "2 to 100 characters, e.g. `PflBG §40`",
        );
        p.check(
            submitted <= today,
            "submittedOn",
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
            candidate_id: Set(input.candidate_id),
            profession_key: Set(profession),
            authority_id: Set(input.authority_id),
            legal_basis: Set(input.legal_basis.trim().to_owned()),
            origin: Set(origin),
            fast_track: Set(input.fast_track),
            status: Set(CaseStatus::Submitted),
            submitted_on: Set(submitted),
            complete_on: Set(None),
            due_on: Set(None),
            decided_on: Set(None),
            missing_documents: Set(serde_json::json!([])),
            record_key: Set(crate::service::disclosure::record_key()),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            ..Default::default()
        })
        .exec_with_returning(txn)
        .await?;
        let opened = Event {
            kind: CaseEventKind::Opened,
            from: None,
            to: Some(CaseStatus::Submitted),
            note: None,
        };
        append_event(txn, principal, case.id, opened).await?;
        Ok(case)
    })
    .await
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
    input: StatusChange,
) -> AppResult<recognition_case::Model> {
    let id = input.case_id;
    amend(
        db,
        principal,
        id,
        input.expected_version,
        async |txn, case| {
            let allowed = allowed_next(case.status, decision_outcome(txn, id).await?);
            let mut p = Problems::default();
            let note = clean_note(&input.note, &mut p);
            let via_decision = if case.status == CaseStatus::InAssessment {
                " (DECIDED and REJECTED through recordDecision)"
            } else {
                ""
            };
            p.check(
                allowed.contains(&input.status),
                "status",
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
            Ok(Event {
                kind: CaseEventKind::StatusChanged,
                from: Some(from),
                to: Some(input.status),
                note,
            })
        },
    )
    .await
}
