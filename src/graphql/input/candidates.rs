//! Inputs of the shared case file: candidates, consents, recognition cases.

use crate::graphql::types::Date;
use async_graphql::{ID, InputObject};
use entity::consent::ConsentPurpose;
use entity::decision::{CompensatoryMeasure, DecisionOutcome};
use entity::enums::LanguageLevel;
use entity::recognition_case::{CaseOrigin, CaseStatus};

/// Narrows a list of candidates; all given conditions must hold.
#[derive(Debug, Clone, Default, InputObject)]
pub struct CandidateFilter {
    /// Only candidates aiming at this profession (key such as `nurse`).
    pub profession: Option<String>,
    /// Only candidates trained in this country (ISO 3166-1 alpha-2, e.g. `TR`).
    pub country_of_training: Option<String>,
    /// Only candidates living in this region or any region below it.
    pub region: Option<String>,
    /// Only the candidate with this pseudonymous code.
    pub code: Option<String>,
}

/// Narrows a list of recognition cases; all given conditions must hold.
#[derive(Debug, Clone, Default, InputObject)]
pub struct CaseFilter {
    /// Only cases in this status.
    pub status: Option<CaseStatus>,
    /// Only cases for this profession.
    pub profession: Option<String>,
    /// Only cases at this competent authority (its ID).
    pub authority: Option<ID>,
    /// Only cases of candidates living in this region or any region below it.
    pub region: Option<String>,
    /// Only cases whose legal due date has passed without a decision (true), or the others (false).
    pub overdue: Option<bool>,
}

/// A candidate's personal data.
#[derive(Debug, Clone, InputObject)]
pub struct PersonalDataInput {
    /// Given name(s).
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Date of birth.
    pub birth_date: Option<Date>,
    /// E-mail address.
    pub email: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
}

/// A new candidate of the caller's advisory centre.
#[derive(Debug, Clone, InputObject)]
pub struct RegisterCandidateInput {
    /// Country where the qualification was obtained (ISO 3166-1 alpha-2, e.g. `PH`).
    pub country_of_training: String,
    /// Target profession (key such as `nurse`).
    pub profession: String,
    /// Current language level, if known.
    pub language_level: Option<LanguageLevel>,
    /// Region where the person lives or wants to work.
    pub region: String,
    /// Personal data, kept apart from the pseudonymous facts.
    pub personal: PersonalDataInput,
}

/// Recording a candidate's consent for an organisation.
#[derive(Debug, Clone, InputObject)]
pub struct RecordConsentInput {
    /// The candidate.
    pub candidate_id: ID,
    /// The organisation that may see the candidate.
    pub organisation_id: ID,
    /// What the organisation may use the data for.
    pub purpose: ConsentPurpose,
}

/// Revoking a consent.
#[derive(Debug, Clone, InputObject)]
pub struct RevokeConsentInput {
    /// The consent.
    pub consent_id: ID,
}

/// Names one candidate.
#[derive(Debug, Clone, InputObject)]
pub struct CandidateRefInput {
    /// The candidate.
    pub candidate_id: ID,
}

/// Opening a recognition case for a candidate of the caller's advisory centre.
#[derive(Debug, Clone, InputObject)]
pub struct OpenCaseInput {
    /// The candidate.
    pub candidate_id: ID,
    /// The competent authority (an organisation of kind AUTHORITY or CHAMBER).
    pub authority_id: ID,
    /// The reference profession (default: the candidate's target profession).
    pub profession: Option<String>,
    /// Legal basis, e.g. `PflBG §40` or `BÄO §3` (2 to 100 characters).
    pub legal_basis: String,
    /// Where the qualification was obtained (default: from the candidate's country of training).
    pub origin: Option<CaseOrigin>,
    /// Accelerated procedure for skilled workers (§81a AufenthG).
    #[graphql(default)]
    pub fast_track: bool,
    /// Day the application reached the authority (default: today).
    pub submitted_on: Option<Date>,
}

/// Moving a case to another status.
#[derive(Debug, Clone, InputObject)]
pub struct ChangeCaseStatusInput {
    /// The case.
    pub case_id: ID,
    /// The `version` the change is based on.
    pub expected_version: i32,
    /// The new status; it must be one of the case's `allowedNextStatuses`.
    pub status: CaseStatus,
    /// A note for the timeline.
    pub note: Option<String>,
}

/// Recording the day the file became complete; the legal due date follows from it.
#[derive(Debug, Clone, InputObject)]
pub struct RecordFileCompleteInput {
    /// The case.
    pub case_id: ID,
    /// The `version` the change is based on.
    pub expected_version: i32,
    /// The day the last document arrived (not in the future, not before submission).
    pub complete_on: Date,
}

/// Replacing the checklist of missing documents.
#[derive(Debug, Clone, InputObject)]
pub struct UpdateMissingDocumentsInput {
    /// The case.
    pub case_id: ID,
    /// The `version` the change is based on.
    pub expected_version: i32,
    /// The documents still missing (empty when nothing is).
    pub missing_documents: Vec<String>,
}

/// The authority's decision.
#[derive(Debug, Clone, InputObject)]
pub struct RecordDecisionInput {
    /// The case (in assessment).
    pub case_id: ID,
    /// The `version` the change is based on.
    pub expected_version: i32,
    /// The result of the equivalence check.
    pub outcome: DecisionOutcome,
    /// Areas with substantial differences (required for DEFICIT).
    #[graphql(default)]
    pub deficit_areas: Vec<String>,
    /// Compensatory measures the applicant may choose from (required for DEFICIT; third-country training: KNOWLEDGE_TEST or ADAPTATION_COURSE, physicians KNOWLEDGE_TEST only; EU training: ADAPTATION_COURSE or APTITUDE_TEST).
    #[graphql(default)]
    pub measures: Vec<CompensatoryMeasure>,
    /// Day of the decision (default: today).
    pub decided_on: Option<Date>,
    /// A note for the timeline.
    pub note: Option<String>,
}
