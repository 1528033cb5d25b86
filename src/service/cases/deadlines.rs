//! The file and its deadline: the day the file is complete starts the legal period for
//! the decision; missing documents keep it from starting.

use super::{Event, UNDECIDED, amend};
use crate::auth::Principal;
use crate::error::AppResult;
use crate::service::validation::Problems;
use chrono::{Months, NaiveDate};
use entity::case_event::CaseEventKind;
use entity::recognition_case::{self, CaseOrigin, CaseStatus};
use sea_orm::{ActiveEnum, DatabaseConnection};

/// Professions recognised automatically under Directive 2005/36/EC (sectoral system);
/// the others fall under the general system with four months for the decision.
const SECTORAL: [&str; 5] = ["nurse", "physician", "dentist", "pharmacist", "midwife"];

/// Recording that the file of case `case_id` was complete on `complete_on`.
#[derive(Debug, Clone)]
pub struct FileComplete {
    pub case_id: i64,
    pub expected_version: i32,
    pub complete_on: NaiveDate,
}

/// Replacing the checklist of documents still missing from case `case_id`.
#[derive(Debug, Clone)]
pub struct MissingDocuments {
    pub case_id: i64,
    pub expected_version: i32,
    pub missing_documents: Vec<String>,
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
    overdue(case.status, case.due_on, today)
}

/// Whether a case in `status` due on `due_on` is overdue on `today`.
pub fn overdue(status: CaseStatus, due_on: Option<NaiveDate>, today: NaiveDate) -> bool {
    UNDECIDED.contains(&status) && due_on.is_some_and(|d| d < today)
}

/// Steps of the file (completeness, missing documents) belong before the decision.
fn check_undecided(p: &mut Problems, case: &recognition_case::Model) {
    p.check(
        UNDECIDED.contains(&case.status),
        "caseId",
        format!(
            "a case that is {} is past this step",
            case.status.to_value()
        ),
    );
}

/// Records the day the file became complete and computes the legal due date.
pub async fn record_file_complete(
    db: &DatabaseConnection,
    principal: &Principal,
    input: FileComplete,
) -> AppResult<recognition_case::Model> {
    let day = input.complete_on;
    amend(
        db,
        principal,
        input.case_id,
        input.expected_version,
        async |_, case| {
            let mut p = Problems::default();
            check_undecided(&mut p, case);
            p.check(
                day <= crate::service::today(),
                "completeOn",
                "the day cannot be in the future",
            );
            p.check(
                day >= case.submitted_on,
                "completeOn",
                "the file cannot be complete before it was submitted",
            );
            p.finish()?;
            let due = due_date(day, case.fast_track, case.origin, &case.profession_key);
            case.complete_on = Some(day);
            case.due_on = Some(due);
            case.missing_documents = serde_json::json!([]);
            Ok(Event::note(
                CaseEventKind::FileComplete,
                format!("file complete on {day}; decision due on {due}"),
            ))
        },
    )
    .await
}

/// Replaces the checklist of missing documents.
pub async fn update_missing_documents(
    db: &DatabaseConnection,
    principal: &Principal,
    input: MissingDocuments,
) -> AppResult<recognition_case::Model> {
    let docs: Vec<String> = input
        .missing_documents
        .iter()
        .map(|d| d.trim().to_owned())
        .filter(|d| !d.is_empty())
        .collect();
    amend(
        db,
        principal,
        input.case_id,
        input.expected_version,
        async |_, case| {
            let mut p = Problems::default();
            check_undecided(&mut p, case);
            p.check(docs.len() <= 50, "missingDocuments", "at most 50 documents");
            p.check(
                docs.iter().all(|d| d.chars().count() <= 200),
                "missingDocuments",
                "at most 200 characters each",
            );
            p.finish()?;
            case.missing_documents = serde_json::json!(docs);
            let note = if docs.is_empty() {
                "nothing missing".to_owned()
            } else {
                format!("missing: {}", docs.join("; "))
            };
            Ok(Event::note(CaseEventKind::DocumentsUpdated, note))
        },
    )
    .await
}
