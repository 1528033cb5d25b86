//! The authority's decision on a case in assessment, and the compensatory measures
//! (Kenntnisprüfung, Anpassungslehrgang, Eignungsprüfung) it may impose.

use super::{Event, amend, clean_note, of_visible_cases};
use crate::auth::Principal;
use crate::error::AppResult;
use crate::service::validation::{Problems, value_name};
use chrono::{NaiveDate, Utc};
use entity::case_event::CaseEventKind;
use entity::decision::{self, CompensatoryMeasure, DecisionOutcome};
use entity::recognition_case::{self, CaseOrigin, CaseStatus};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveEnum, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// The decision on case `case_id`. Errors name the fields as partners know them
/// (`measures`, `deficitAreas`).
#[derive(Debug, Clone)]
pub struct NewDecision {
    pub case_id: i64,
    pub expected_version: i32,
    pub outcome: DecisionOutcome,
    pub deficit_areas: Vec<String>,
    pub measures: Vec<CompensatoryMeasure>,
    /// Today when not given.
    pub decided_on: Option<NaiveDate>,
    pub note: Option<String>,
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

/// The decision of each case that has one.
pub async fn decisions_of(
    db: &impl ConnectionTrait,
    principal: &Principal,
    case_ids: &[i64],
) -> AppResult<HashMap<i64, decision::Model>> {
    let rows = decision::Entity::find()
        .filter(crate::service::one_of(
            db.get_database_backend(),
            decision::Column::CaseId,
            case_ids,
        ))
        .filter(of_visible_cases(principal, decision::Column::CaseId))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|d| (d.case_id, d)).collect())
}

/// Records the authority's decision on a case in assessment.
pub async fn record_decision(
    db: &DatabaseConnection,
    principal: &Principal,
    input: NewDecision,
) -> AppResult<recognition_case::Model> {
    let areas: Vec<String> = input
        .deficit_areas
        .iter()
        .map(|a| a.trim().to_owned())
        .filter(|a| !a.is_empty())
        .collect();
    let mut measures = input.measures.clone();
    measures.sort();
    measures.dedup();
    let id = input.case_id;
    amend(
        db,
        principal,
        id,
        input.expected_version,
        async |txn, case| {
            let today = crate::service::today();
            let decided_on = input.decided_on.unwrap_or(today);
            let allowed = allowed_measures(case.origin, &case.profession_key);
            let mut p = Problems::default();
            let note = clean_note(&input.note, &mut p);
            p.check(
                case.status == CaseStatus::InAssessment,
                "caseId",
                format!(
                    "only a case in assessment can be decided; this one is {}",
                    case.status.to_value()
                ),
            );
            p.check(
                decided_on <= today && decided_on >= case.submitted_on,
                "decidedOn",
                "between the submission and today",
            );
            match input.outcome {
                DecisionOutcome::Deficit => {
                    p.check(
                        !measures.is_empty(),
                        "measures",
                        "a decision with deficits names the compensatory measures",
                    );
                    p.check(
                        !areas.is_empty(),
                        "deficitAreas",
                        "a decision with deficits names the areas",
                    );
                }
                DecisionOutcome::Full | DecisionOutcome::Rejected => {
                    p.check(
                        measures.is_empty(),
                        "measures",
                        "only DEFICIT and PARTIAL_ACCESS decisions name measures",
                    );
                }
                DecisionOutcome::PartialAccess => {}
            }
            p.check(areas.len() <= 50, "deficitAreas", "at most 50 areas");
            p.check(
                areas.iter().all(|a| a.chars().count() <= 200),
                "deficitAreas",
                "at most 200 characters each",
            );
            let offered: Vec<String> = allowed.iter().map(value_name).collect();
            p.check(
                measures.iter().all(|m| allowed.contains(m)),
                "measures",
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
            .exec(txn)
            .await?;
            let from = case.status;
            case.status = if input.outcome == DecisionOutcome::Rejected {
                CaseStatus::Rejected
            } else {
                CaseStatus::Decided
            };
            case.decided_on = Some(decided_on);
            Ok(Event {
                kind: CaseEventKind::DecisionRecorded,
                from: Some(from),
                to: Some(case.status),
                note,
            })
        },
    )
    .await
}
