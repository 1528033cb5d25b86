//! Data subject rights: the export of everything held about a person (GDPR Art. 15
//! and 20) and the erasure of their personal data (Art. 17). Both are audited.

use super::WRITE;
use crate::auth::Principal;
use crate::error::AppResult;
use crate::id::{self, NodeType};
use crate::service::audit;
use chrono::{DateTime, NaiveDate, Utc};
use entity::audit_entry::{self, AuditAction};
use entity::consent::{self, ConsentPurpose};
use entity::enums::LanguageLevel;
use entity::recognition_case::{self, CaseOrigin, CaseStatus};
use entity::{
    candidate, candidate_personal, candidate_region, case_event, decision, enrolment,
    funding_application, organisation, referral,
};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;

/// Everything the hub holds about one candidate: the document `exportCandidateData`
/// returns. Times are RFC 3339, days `YYYY-MM-DD`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CandidateExport {
    pub exported_at: String,
    pub candidate: ExportedCandidate,
    pub personal_data: Option<ExportedPersonalData>,
    pub consents: Vec<ExportedConsent>,
    pub recognition_cases: Vec<ExportedCase>,
    /// Further regions the person accepts for work.
    pub accepted_regions: Vec<String>,
    pub enrolments: Vec<ExportedEnrolment>,
    pub referrals: Vec<ExportedReferral>,
    pub funding_applications: Vec<ExportedApplication>,
    pub access_log: Vec<ExportedAccess>,
}

/// An enrolment into a course run or exam session.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedEnrolment {
    pub id: String,
    pub course_run: Option<String>,
    pub exam_session: Option<String>,
    pub status: entity::enrolment::EnrolmentStatus,
    pub reason: Option<String>,
    pub requested_at: String,
}

/// A referral to a placement offer.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedReferral {
    pub id: String,
    pub offer: String,
    pub status: entity::referral::ReferralStatus,
    pub reason: Option<String>,
    pub referred_at: String,
}

/// An employer's application for funding of the person's placement.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedApplication {
    pub id: String,
    pub programme: String,
    pub employer: ExportedOrganisation,
    pub status: entity::funding_application::ApplicationStatus,
    pub created_at: String,
}

/// An organisation named in the export.
#[derive(Debug, Serialize)]
pub struct ExportedOrganisation {
    pub id: String,
    pub name: Option<String>,
}

/// The pseudonymous facts.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedCandidate {
    pub id: String,
    pub code: String,
    pub country_of_training: String,
    pub profession: String,
    pub language_level: Option<LanguageLevel>,
    pub region: String,
    pub advisory_centre: ExportedOrganisation,
    pub registered_at: String,
    pub personal_data_erased_at: Option<String>,
}

/// The personal data, while it is held.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedPersonalData {
    pub given_name: String,
    pub family_name: String,
    pub birth_date: Option<NaiveDate>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// A consent, revoked ones included.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedConsent {
    pub organisation: ExportedOrganisation,
    pub purpose: ConsentPurpose,
    pub granted_at: String,
    pub revoked_at: Option<String>,
}

/// A recognition case with its decision and timeline.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedCase {
    pub id: String,
    pub profession: String,
    pub authority: ExportedOrganisation,
    pub legal_basis: String,
    pub origin: CaseOrigin,
    pub fast_track: bool,
    pub status: CaseStatus,
    pub submitted_on: NaiveDate,
    pub complete_on: Option<NaiveDate>,
    pub due_on: Option<NaiveDate>,
    pub decided_on: Option<NaiveDate>,
    pub missing_documents: Value,
    pub decision: Option<ExportedDecision>,
    pub timeline: Vec<ExportedEvent>,
}

/// The authority's decision.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedDecision {
    pub outcome: decision::DecisionOutcome,
    pub deficit_areas: Value,
    pub measures: Value,
    pub decided_on: NaiveDate,
    pub note: Option<String>,
}

/// An entry of a case's timeline.
#[derive(Debug, Serialize)]
pub struct ExportedEvent {
    pub at: String,
    pub kind: case_event::CaseEventKind,
    pub from: Option<CaseStatus>,
    pub to: Option<CaseStatus>,
    pub note: Option<String>,
}

/// Who read, exported or erased the person's data.
#[derive(Debug, Serialize)]
pub struct ExportedAccess {
    pub at: String,
    pub action: AuditAction,
    pub organisation: Option<ExportedOrganisation>,
    pub client: String,
    pub fields: String,
    pub operation: String,
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339()
}

/// Everything the hub holds about one of the caller's candidates. The export itself is
/// audited.
pub async fn export(
    db: &DatabaseConnection,
    principal: &Principal,
    candidate_id: i64,
    operation: &str,
) -> AppResult<CandidateExport> {
    crate::db::write(db, async |txn| {
        let cand = WRITE.editable(txn, principal, candidate_id).await?;
        let personal = candidate_personal::Entity::find_by_id(candidate_id)
            .one(txn)
            .await?;
        let consents = consent::Entity::find()
            .filter(consent::Column::CandidateId.eq(candidate_id))
            .order_by_asc(consent::Column::Id)
            .all(txn)
            .await?;
        let cases = recognition_case::Entity::find()
            .filter(recognition_case::Column::CandidateId.eq(candidate_id))
            .order_by_asc(recognition_case::Column::Id)
            .all(txn)
            .await?;
        let case_ids: Vec<i64> = cases.iter().map(|c| c.id).collect();
        let events = case_event::Entity::find()
            .filter(case_event::Column::CaseId.is_in(case_ids.clone()))
            .order_by_asc(case_event::Column::Id)
            .all(txn)
            .await?;
        let decisions = decision::Entity::find()
            .filter(decision::Column::CaseId.is_in(case_ids))
            .all(txn)
            .await?;
        let regions = candidate_region::Entity::find()
            .filter(candidate_region::Column::CandidateId.eq(candidate_id))
            .order_by_asc(candidate_region::Column::RegionCode)
            .all(txn)
            .await?;
        let enrolments = enrolment::Entity::find()
            .filter(enrolment::Column::CandidateId.eq(candidate_id))
            .order_by_asc(enrolment::Column::Id)
            .all(txn)
            .await?;
        let referrals = referral::Entity::find()
            .filter(referral::Column::CandidateId.eq(candidate_id))
            .order_by_asc(referral::Column::Id)
            .all(txn)
            .await?;
        let applications = funding_application::Entity::find()
            .filter(funding_application::Column::CandidateId.eq(candidate_id))
            .order_by_asc(funding_application::Column::Id)
            .all(txn)
            .await?;
        let log = audit_entry::Entity::find()
            .filter(audit_entry::Column::CandidateId.eq(candidate_id))
            .order_by_asc(audit_entry::Column::Id)
            .all(txn)
            .await?;
        let mut org_ids: Vec<i64> = vec![cand.advisory_id];
        org_ids.extend(consents.iter().map(|c| c.organisation_id));
        org_ids.extend(cases.iter().map(|c| c.authority_id));
        org_ids.extend(log.iter().filter_map(|l| l.organisation_id));
        org_ids.extend(applications.iter().map(|a| a.employer_id));
        let orgs: HashMap<i64, String> = organisation::Entity::find()
            .filter(organisation::Column::Id.is_in(org_ids))
            .all(txn)
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect();
        let org = |id: i64| ExportedOrganisation {
            id: id::encode(NodeType::Organisation, id),
            name: orgs.get(&id).cloned(),
        };
        let document = CandidateExport {
            exported_at: time(Utc::now()),
            candidate: exported_candidate(&cand, org(cand.advisory_id)),
            personal_data: personal.map(|p| ExportedPersonalData {
                given_name: p.given_name,
                family_name: p.family_name,
                birth_date: p.birth_date,
                email: p.email,
                phone: p.phone,
            }),
            consents: consents
                .into_iter()
                .map(|c| ExportedConsent {
                    organisation: org(c.organisation_id),
                    purpose: c.purpose,
                    granted_at: time(c.granted_at),
                    revoked_at: c.revoked_at.map(time),
                })
                .collect(),
            recognition_cases: cases
                .into_iter()
                .map(|c| ExportedCase {
                    id: id::encode(NodeType::RecognitionCase, c.id),
                    profession: c.profession_key,
                    authority: org(c.authority_id),
                    legal_basis: c.legal_basis,
                    origin: c.origin,
                    fast_track: c.fast_track,
                    status: c.status,
                    submitted_on: c.submitted_on,
                    complete_on: c.complete_on,
                    due_on: c.due_on,
                    decided_on: c.decided_on,
                    missing_documents: c.missing_documents,
                    decision: decisions.iter().find(|d| d.case_id == c.id).map(|d| {
                        ExportedDecision {
                            outcome: d.outcome,
                            deficit_areas: d.deficit_areas.clone(),
                            measures: d.measures.clone(),
                            decided_on: d.decided_on,
                            note: d.note.clone(),
                        }
                    }),
                    timeline: events
                        .iter()
                        .filter(|e| e.case_id == c.id)
                        .map(|e| ExportedEvent {
                            at: time(e.at),
                            kind: e.kind,
                            from: e.from_status,
                            to: e.to_status,
                            note: e.note.clone(),
                        })
                        .collect(),
                })
                .collect(),
            accepted_regions: regions.into_iter().map(|r| r.region_code).collect(),
            enrolments: enrolments
                .into_iter()
                .map(|e| ExportedEnrolment {
                    id: id::encode(NodeType::Enrolment, e.id),
                    course_run: e.course_run_id.map(|r| id::encode(NodeType::CourseRun, r)),
                    exam_session: e
                        .exam_session_id
                        .map(|s| id::encode(NodeType::ExamSession, s)),
                    status: e.status,
                    reason: e.reason,
                    requested_at: time(e.created_at),
                })
                .collect(),
            referrals: referrals
                .into_iter()
                .map(|r| ExportedReferral {
                    id: id::encode(NodeType::Referral, r.id),
                    offer: id::encode(NodeType::PlacementOffer, r.offer_id),
                    status: r.status,
                    reason: r.reason,
                    referred_at: time(r.created_at),
                })
                .collect(),
            funding_applications: applications
                .into_iter()
                .map(|a| ExportedApplication {
                    id: id::encode(NodeType::FundingApplication, a.id),
                    programme: id::encode(NodeType::FundingProgramme, a.programme_id),
                    employer: org(a.employer_id),
                    status: a.status,
                    created_at: time(a.created_at),
                })
                .collect(),
            access_log: log
                .into_iter()
                .map(|l| ExportedAccess {
                    at: time(l.at),
                    action: l.action,
                    organisation: l.organisation_id.map(org),
                    client: l.client_id,
                    fields: l.fields,
                    operation: l.operation,
                })
                .collect(),
        };
        audit::record(
            txn,
            principal,
            candidate_id,
            AuditAction::Export,
            "all",
            operation,
        )
        .await?;
        Ok(document)
    })
    .await
}

fn exported_candidate(
    cand: &candidate::Model,
    advisory_centre: ExportedOrganisation,
) -> ExportedCandidate {
    ExportedCandidate {
        id: id::encode(NodeType::Candidate, cand.id),
        code: cand.code.clone(),
        country_of_training: cand.country_of_training.clone(),
        profession: cand.profession_key.clone(),
        language_level: cand.language_level,
        region: cand.region_code.clone(),
        advisory_centre,
        registered_at: time(cand.created_at),
        personal_data_erased_at: cand.erased_at.map(time),
    }
}

/// Erases one of the caller's candidates' personal data and consents; the pseudonymous
/// facts and cases stay for statistics. The erasure is recorded in the audit log, and on
/// SQLite the write-ahead log is checkpointed so the values leave the disk too.
pub async fn erase(
    db: &DatabaseConnection,
    principal: &Principal,
    candidate_id: i64,
    operation: &str,
) -> AppResult<candidate::Model> {
    let cand = crate::db::write(db, async |txn| {
        let cand = WRITE.editable(txn, principal, candidate_id).await?;
        candidate_personal::Entity::delete_by_id(candidate_id)
            .exec(txn)
            .await?;
        consent::Entity::delete_many()
            .filter(consent::Column::CandidateId.eq(candidate_id))
            .exec(txn)
            .await?;
        let now = Utc::now();
        let mut active: candidate::ActiveModel = cand.clone().into();
        active.erased_at = Set(Some(cand.erased_at.unwrap_or(now)));
        active.updated_at = Set(now);
        active.version = Set(cand.version + 1);
        let cand = sea_orm::ActiveModelTrait::update(active, txn).await?;
        audit::record(
            txn,
            principal,
            candidate_id,
            AuditAction::Erase,
            "givenName,familyName,birthDate,email,phone,consents",
            operation,
        )
        .await?;
        Ok(cand)
    })
    .await?;
    crate::db::checkpoint_after_erasure(db).await;
    Ok(cand)
}
