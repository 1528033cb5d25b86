//! Inputs of municipal advisory requests.

use crate::error::AppResult;
use crate::graphql::id::{self, NodeType};
use crate::service::requests;
use async_graphql::{ID, InputObject};
use entity::advisory_request::{AdvisoryRequestStatus, AdvisoryTopic, RequestUrgency};

/// Narrows a list of advisory requests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, InputObject)]
pub struct AdvisoryRequestFilter {
    /// Only requests in this status.
    pub status: Option<AdvisoryRequestStatus>,
    /// Only requests about this topic.
    pub topic: Option<AdvisoryTopic>,
    /// Only requests of this urgency.
    pub urgency: Option<RequestUrgency>,
    /// Only requests past their response-time target while still RECEIVED or IN_PROGRESS (`true`), or only the others (`false`).
    pub overdue: Option<bool>,
}

impl From<AdvisoryRequestFilter> for requests::RequestFilter {
    fn from(f: AdvisoryRequestFilter) -> Self {
        requests::RequestFilter {
            status: f.status,
            topic: f.topic,
            urgency: f.urgency,
            overdue: f.overdue,
        }
    }
}

/// A new request of the caller's organisation (a municipality) to an advisory service.
#[derive(Debug, Clone, InputObject)]
pub struct SubmitAdvisoryRequestInput {
    /// What the request is about.
    pub topic: AdvisoryTopic,
    /// Code of the region it is about, usually a district (AGS Kreisschlüssel such as `13073`); any code of `regions`.
    pub district: String,
    /// How urgent it is: sets the response-time target (HIGH 5 days, NORMAL 14, LOW 30).
    pub urgency: RequestUrgency,
    /// What the municipality needs (3 to 5,000 characters).
    pub description: String,
    /// The advisory service asked: an organisation of kind ADVISORY.
    pub advisory_service: ID,
}

impl SubmitAdvisoryRequestInput {
    /// The service's command; field paths of errors are relative to the input.
    pub fn command(self) -> AppResult<requests::NewRequest> {
        Ok(requests::NewRequest {
            topic: self.topic,
            district: self.district,
            urgency: self.urgency,
            description: self.description,
            advisory_service_id: id::decode_as(
                &self.advisory_service,
                NodeType::Organisation,
                "advisoryService",
            )?,
        })
    }
}

/// A change of status of an advisory request.
#[derive(Debug, Clone, InputObject)]
pub struct ChangeAdvisoryRequestStatusInput {
    /// The request.
    pub id: ID,
    /// The `version` the change is based on.
    pub expected_version: i32,
    /// The new status: IN_PROGRESS (from RECEIVED), ANSWERED or REFERRED (from RECEIVED or IN_PROGRESS) by the advisory service; CLOSED (from ANSWERED or REFERRED) by the municipality or the advisory service.
    pub status: AdvisoryRequestStatus,
    /// A note on the change (3 to 1,000 characters); required for REFERRED, saying why.
    pub note: Option<String>,
    /// The answer (3 to 5,000 characters): required for ANSWERED, refused otherwise.
    pub answer: Option<String>,
    /// The organisation the request is referred to (neither the municipality nor the advisory service): required for REFERRED, refused otherwise.
    pub refer_to: Option<ID>,
}

impl ChangeAdvisoryRequestStatusInput {
    /// The service's command; field paths of errors are relative to the input.
    pub fn command(self) -> AppResult<requests::StatusChange> {
        Ok(requests::StatusChange {
            id: id::decode_as(&self.id, NodeType::AdvisoryRequest, "id")?,
            expected_version: self.expected_version,
            status: self.status,
            note: self.note,
            answer: self.answer,
            refer_to: self
                .refer_to
                .map(|r| id::decode_as(&r, NodeType::Organisation, "referTo"))
                .transpose()?,
        })
    }
}
