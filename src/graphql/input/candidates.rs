//! Inputs of the shared case file: candidates, consents, recognition cases.

use crate::error::AppResult;
use crate::graphql::id::{self, NodeType};
use crate::graphql::types::Date;
use crate::service::{candidates, cases};
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
    /// Further regions (codes) the person would move or commute to for work; offers there match too. A state includes its districts.
    pub accepted_regions: Option<Vec<String>>,
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

impl From<CandidateFilter> for candidates::CandidateFilter {
    fn from(f: CandidateFilter) -> Self {
        candidates::CandidateFilter {
            profession: f.profession,
            country_of_training: f.country_of_training,
            region: f.region,
            code: f.code,
        }
    }
}

impl CaseFilter {
    /// The service's filter; field paths of errors are relative to the filter.
    pub fn command(self) -> AppResult<cases::CaseFilter> {
        Ok(cases::CaseFilter {
            status: self.status,
            profession: self.profession,
            authority: self
                .authority
                .map(|a| id::decode_as(&a, NodeType::Organisation, "authority"))
                .transpose()?,
            region: self.region,
            overdue: self.overdue,
        })
    }
}

impl From<RegisterCandidateInput> for candidates::NewCandidate {
    fn from(i: RegisterCandidateInput) -> Self {
        let p = i.personal;
        candidates::NewCandidate {
            country_of_training: i.country_of_training,
            profession: i.profession,
            language_level: i.language_level,
            region: i.region,
            accepted_regions: i.accepted_regions.unwrap_or_default(),
            personal: candidates::PersonalData {
                given_name: p.given_name,
                family_name: p.family_name,
                birth_date: p.birth_date.map(|d| d.0),
                email: p.email,
                phone: p.phone,
            },
        }
    }
}

impl RecordConsentInput {
    /// The service's command; field paths of errors are relative to the input.
    pub fn command(self) -> AppResult<candidates::NewConsent> {
        Ok(candidates::NewConsent {
            candidate_id: id::decode_as(&self.candidate_id, NodeType::Candidate, "candidateId")?,
            organisation_id: id::decode_as(
                &self.organisation_id,
                NodeType::Organisation,
                "organisationId",
            )?,
            purpose: self.purpose,
        })
    }
}

impl RevokeConsentInput {
    /// The consent's key; field paths of errors are relative to the input.
    pub fn command(self) -> AppResult<i64> {
        id::decode_as(&self.consent_id, NodeType::Consent, "consentId")
    }
}

impl CandidateRefInput {
    /// The candidate's key; field paths of errors are relative to the input.
    pub fn command(self) -> AppResult<i64> {
        id::decode_as(&self.candidate_id, NodeType::Candidate, "candidateId")
    }
}

impl OpenCaseInput {
    /// The service's command; field paths of errors are relative to the input.
    pub fn command(self) -> AppResult<cases::OpenCase> {
        Ok(cases::OpenCase {
            candidate_id: id::decode_as(&self.candidate_id, NodeType::Candidate, "candidateId")?,
            authority_id: id::decode_as(&self.authority_id, NodeType::Organisation, "authorityId")?,
            profession: self.profession,
            legal_basis: self.legal_basis,
            origin: self.origin,
            fast_track: self.fast_track,
            submitted_on: self.submitted_on.map(|d| d.0),
        })
    }
}

/// The key of a case named in an input.
fn case_id(id: &ID) -> AppResult<i64> {
    id::decode_as(id, NodeType::RecognitionCase, "caseId")
}

impl ChangeCaseStatusInput {
    /// The service's command; field paths of errors are relative to the input.
    pub fn command(self) -> AppResult<cases::StatusChange> {
        Ok(cases::StatusChange {
            case_id: case_id(&self.case_id)?,
            expected_version: self.expected_version,
            status: self.status,
            note: self.note,
        })
    }
}

impl RecordFileCompleteInput {
    /// The service's command; field paths of errors are relative to the input.
    pub fn command(self) -> AppResult<cases::FileComplete> {
        Ok(cases::FileComplete {
            case_id: case_id(&self.case_id)?,
            expected_version: self.expected_version,
            complete_on: self.complete_on.0,
        })
    }
}

impl UpdateMissingDocumentsInput {
    /// The service's command; field paths of errors are relative to the input.
    pub fn command(self) -> AppResult<cases::MissingDocuments> {
        Ok(cases::MissingDocuments {
            case_id: case_id(&self.case_id)?,
            expected_version: self.expected_version,
            missing_documents: self.missing_documents,
        })
    }
}

impl RecordDecisionInput {
    /// The service's command; field paths of errors are relative to the input.
    pub fn command(self) -> AppResult<cases::NewDecision> {
        Ok(cases::NewDecision {
            case_id: case_id(&self.case_id)?,
            expected_version: self.expected_version,
            outcome: self.outcome,
            deficit_areas: self.deficit_areas,
            measures: self.measures,
            decided_on: self.decided_on.map(|d| d.0),
            note: self.note,
        })
    }
}
