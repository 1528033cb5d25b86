//! `AdvisoryRequest` and its timeline.

use super::connection::connection;
use super::{Date, Organisation, Region};
use crate::graphql::id::{self, NodeType};
use crate::graphql::{reference, request};
use crate::service::requests;
use crate::service::today;
use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::advisory_request::{self, AdvisoryRequestStatus, AdvisoryTopic, RequestUrgency};
use entity::advisory_request_event;

/// GraphQL view of an `advisory_request` row; see the `#[Object]` impl for the published description.
pub struct AdvisoryRequest(pub advisory_request::Model);

connection!(
    AdvisoryRequestConnection,
    AdvisoryRequestEdge,
    AdvisoryRequest,
    "advisory requests"
);

/// An entry of a request's timeline.
pub struct AdvisoryRequestEvent(pub advisory_request_event::Model);

/// A change of an advisory request: who moved it where, when, and why.
#[Object]
impl AdvisoryRequestEvent {
    /// When.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }

    /// The status before; `null` when the request was submitted.
    async fn from_status(&self) -> Option<AdvisoryRequestStatus> {
        self.0.from_status
    }

    /// The status after.
    async fn to_status(&self) -> AdvisoryRequestStatus {
        self.0.to_status
    }

    /// The organisation that made the change.
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let Some(org) = self.0.organisation_id else {
            return Ok(None);
        };
        let loaders = &request(ctx)?.loaders;
        Ok(loaders.organisation.load_one(org).await?.map(Organisation))
    }

    /// The OAuth2 client that made the change.
    async fn client_id(&self) -> Option<&str> {
        self.0.client_id.as_deref()
    }

    /// What the change said: why it was referred, how it was closed.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
}

/// A municipality's request to an advisory service for help with ambulatory medical care in its region (a GP practice to fill, an MVZ to found, physicians trained abroad to recruit), with the response-time target, the answer or the partner it was referred to, and its timeline. Seen by the municipality, the advisory service and a partner it was referred to, nobody else.
#[Object]
impl AdvisoryRequest {
    /// Global ID.
    pub async fn id(&self) -> ID {
        id::encode(NodeType::AdvisoryRequest, self.0.id)
    }

    /// What the municipality asks about.
    async fn topic(&self) -> AdvisoryTopic {
        self.0.topic
    }

    /// The region the request is about (usually a district).
    async fn district(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        Ok(reference(ctx)?
            .regions
            .get(&self.0.district_code)
            .map(|r| Region(r.clone())))
    }

    /// How urgent it is; sets the response-time target.
    async fn urgency(&self) -> RequestUrgency {
        self.0.urgency
    }

    /// What the municipality needs, in its words.
    async fn description(&self) -> &str {
        &self.0.description
    }

    /// Where the request stands.
    async fn status(&self) -> AdvisoryRequestStatus {
        self.0.status
    }

    /// The municipality that asks.
    async fn municipality(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let loaders = &request(ctx)?.loaders;
        Ok(loaders
            .organisation
            .load_one(self.0.municipality_id)
            .await?
            .map(Organisation))
    }

    /// The advisory service asked.
    async fn advisory_service(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let loaders = &request(ctx)?.loaders;
        Ok(loaders
            .organisation
            .load_one(self.0.advisory_service_id)
            .await?
            .map(Organisation))
    }

    /// The partner the request was referred to, once REFERRED.
    async fn referred_to(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let Some(org) = self.0.referred_to_id else {
            return Ok(None);
        };
        let loaders = &request(ctx)?.loaders;
        Ok(loaders.organisation.load_one(org).await?.map(Organisation))
    }

    /// The advisory service's answer, once ANSWERED.
    async fn answer(&self) -> Option<&str> {
        self.0.answer.as_deref()
    }

    /// The note of the last change (why it was referred, how it was closed).
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    /// Day the request was submitted.
    async fn submitted_on(&self) -> Date {
        Date(self.0.submitted_on)
    }

    /// Response-time target: the day by which the advisory service answers or refers the request — 5 days after submission for HIGH urgency, 14 for NORMAL, 30 for LOW.
    async fn due_at(&self) -> Date {
        Date(self.0.due_on)
    }

    /// Whether the target has passed while the request is still RECEIVED or IN_PROGRESS; `false` once it is answered, referred or closed.
    async fn overdue(&self) -> bool {
        requests::is_overdue(&self.0, today())
    }

    /// Day it was answered or referred.
    async fn responded_on(&self) -> Option<Date> {
        self.0.responded_on.map(Date)
    }

    /// Day it was closed.
    async fn closed_on(&self) -> Option<Date> {
        self.0.closed_on.map(Date)
    }

    /// Every change, oldest first, from the submission on.
    async fn timeline(&self, ctx: &Context<'_>) -> Result<Vec<AdvisoryRequestEvent>> {
        let loaders = &request(ctx)?.loaders;
        Ok(loaders
            .events_by_advisory_request
            .load_one(self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(AdvisoryRequestEvent)
            .collect())
    }

    /// When this record was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When this record last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// Version of this record, increased by every change; pass it as `expectedVersion` when changing the status.
    async fn version(&self) -> i32 {
        self.0.version
    }
}
