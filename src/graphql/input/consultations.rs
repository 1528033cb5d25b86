//! Inputs of collegial case consultation.

use crate::error::AppResult;
use crate::graphql::id::{self, NodeType};
use crate::service::consultations;
use async_graphql::{ID, InputObject};
use entity::consultation::ConsultationProblem;
use entity::recognition_case::CaseStatus;

/// Organisation IDs of a list input, each error naming its position (`members.2`).
fn organisations(ids: &[ID], field: &str) -> AppResult<Vec<i64>> {
    ids.iter()
        .enumerate()
        .map(|(i, m)| id::decode_as(m, NodeType::Organisation, &format!("{field}.{i}")))
        .collect()
}

/// A new consultation group convened by the caller's organisation.
#[derive(Debug, Clone, InputObject)]
pub struct CreateConsultationGroupInput {
    /// The group's name (3 to 200 characters), e.g. `Fallkonferenz Pflege Landkreis Leipzig`.
    pub name: String,
    /// The member organisations besides the caller's, which convenes the group and is always a member (at most 30 members in all).
    pub members: Vec<ID>,
}

impl CreateConsultationGroupInput {
    /// The service's command; field paths of errors are relative to the input.
    pub fn command(self) -> AppResult<consultations::NewGroup> {
        Ok(consultations::NewGroup {
            members: organisations(&self.members, "members")?,
            name: self.name,
        })
    }
}

/// Members to add to and remove from a consultation group.
#[derive(Debug, Clone, InputObject)]
pub struct ChangeConsultationGroupMembersInput {
    /// The group.
    pub id: ID,
    /// The `version` the change is based on.
    pub expected_version: i32,
    /// Organisations to add (already members change nothing).
    #[graphql(default)]
    pub add: Vec<ID>,
    /// Organisations to remove (never the convener; non-members change nothing).
    #[graphql(default)]
    pub remove: Vec<ID>,
}

impl ChangeConsultationGroupMembersInput {
    /// The service's command; field paths of errors are relative to the input.
    pub fn command(self) -> AppResult<consultations::MemberChange> {
        Ok(consultations::MemberChange {
            id: id::decode_as(&self.id, NodeType::ConsultationGroup, "id")?,
            expected_version: self.expected_version,
            add: organisations(&self.add, "add")?,
            remove: organisations(&self.remove, "remove")?,
        })
    }
}

/// A new consultation: linked to a recognition case (`caseId`), or an anonymous situation (`profession`, `countryOfTraining` and `stage`, all three).
#[derive(Debug, Clone, InputObject)]
pub struct OpenConsultationInput {
    /// The group, one the caller's organisation is a member of.
    pub group_id: ID,
    /// The recognition case it is about, one the caller may see; its pseudonymous facts are shown to the group while the candidate consents (purpose ADVICE) to the group's convener. Leave it out for an anonymous situation.
    pub case_id: Option<ID>,
    /// Anonymous situation: the profession's key (see `professions`).
    pub profession: Option<String>,
    /// Anonymous situation: ISO 3166-1 alpha-2 code of the country where the qualification was obtained.
    pub country_of_training: Option<String>,
    /// Anonymous situation: where the recognition procedure stands.
    pub stage: Option<CaseStatus>,
    /// What the problem is about.
    pub problem_category: ConsultationProblem,
    /// The question to the group (10 to 5,000 characters). Do not include names or contact details of the person: a text with the linked candidate's name, e-mail or phone, or any e-mail address, is refused.
    pub question: String,
}

impl OpenConsultationInput {
    /// The service's command; field paths of errors are relative to the input.
    pub fn command(self) -> AppResult<consultations::NewConsultation> {
        Ok(consultations::NewConsultation {
            group_id: id::decode_as(&self.group_id, NodeType::ConsultationGroup, "groupId")?,
            case_id: self
                .case_id
                .map(|c| id::decode_as(&c, NodeType::RecognitionCase, "caseId"))
                .transpose()?,
            profession: self.profession,
            country_of_training: self.country_of_training,
            stage: self.stage,
            problem: self.problem_category,
            question: self.question,
        })
    }
}

/// An answer in a consultation's thread.
#[derive(Debug, Clone, InputObject)]
pub struct AnswerConsultationInput {
    /// The consultation, an OPEN one of a group the caller's organisation is a member of.
    pub consultation_id: ID,
    /// The answer (3 to 5,000 characters). Do not include names or contact details of the person: a text with the linked candidate's name, e-mail or phone, or any e-mail address, is refused.
    pub text: String,
}

impl AnswerConsultationInput {
    /// The service's command; field paths of errors are relative to the input.
    pub fn command(self) -> AppResult<consultations::NewAnswer> {
        Ok(consultations::NewAnswer {
            consultation_id: id::decode_as(
                &self.consultation_id,
                NodeType::Consultation,
                "consultationId",
            )?,
            text: self.text,
        })
    }
}

/// Resolving a consultation with the agreed next steps.
#[derive(Debug, Clone, InputObject)]
pub struct ResolveConsultationInput {
    /// The consultation, one the caller's organisation opened.
    pub id: ID,
    /// The `version` the change is based on.
    pub expected_version: i32,
    /// The next steps the group agreed on (3 to 5,000 characters). Do not include names or contact details of the person: a text with the linked candidate's name, e-mail or phone, or any e-mail address, is refused.
    pub next_steps: String,
}

impl ResolveConsultationInput {
    /// The service's command; field paths of errors are relative to the input.
    pub fn command(self) -> AppResult<consultations::Resolution> {
        Ok(consultations::Resolution {
            id: id::decode_as(&self.id, NodeType::Consultation, "id")?,
            expected_version: self.expected_version,
            next_steps: self.next_steps,
        })
    }
}
