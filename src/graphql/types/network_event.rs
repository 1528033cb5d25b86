//! `NetworkEvent`, `EventRegistration`, `EventAttendance`.

use super::connection::connection;
use super::{Date, Organisation, Region};
use crate::graphql::id::{self, NodeType};
use crate::graphql::{reference, request};
use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::course_run::RunStatus;
use entity::enrolment::EnrolmentStatus;
use entity::network_event::{self, AudienceRole, EventKind};
use entity::organisation::OrganisationKind;
use entity::{event_attendance, event_registration};

/// GraphQL view of a `network_event` row; see the `#[Object]` impl for the published description.
pub struct NetworkEvent(pub network_event::Model);

connection!(
    NetworkEventConnection,
    NetworkEventEdge,
    NetworkEvent,
    "events"
);

/// An event of the network: an information event, a network meeting, a workshop, a training, a qualification series (registered for as a whole) or one of a series' modules.
#[Object]
impl NetworkEvent {
    /// Global ID.
    pub async fn id(&self) -> ID {
        id::encode(NodeType::NetworkEvent, self.0.id)
    }

    /// What kind of event.
    async fn kind(&self) -> EventKind {
        self.0.kind
    }

    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// What the event is about, as the organiser describes it.
    async fn description(&self) -> &str {
        &self.0.description
    }

    /// The organisation holding the event.
    async fn organiser(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let loaders = &request(ctx)?.loaders;
        Ok(loaders
            .organisation
            .load_one(self.0.organiser_id)
            .await?
            .map(Organisation))
    }

    /// The kinds of partner the event is for; empty: every partner.
    async fn audience_kinds(&self) -> Vec<OrganisationKind> {
        serde_json::from_value(self.0.audience_kinds.clone()).unwrap_or_default()
    }

    /// The roles of partners' staff the event is for.
    async fn audience_roles(&self) -> Vec<AudienceRole> {
        serde_json::from_value(self.0.audience_roles.clone()).unwrap_or_default()
    }

    /// The region the event is for and takes place in.
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        Ok(reference(ctx)?
            .regions
            .get(&self.0.region_code)
            .cloned()
            .map(Region))
    }

    /// First day (of a series: of its first module).
    async fn start_date(&self) -> Date {
        Date(self.0.start_date)
    }

    /// Last day (of a series: of its last module).
    async fn end_date(&self) -> Date {
        Date(self.0.end_date)
    }

    /// A full day (ganztägig); otherwise part of a day.
    async fn full_day(&self) -> bool {
        self.0.full_day
    }

    /// Held online.
    async fn online(&self) -> bool {
        self.0.online
    }

    /// Where it takes place, or how to join online.
    async fn place(&self) -> Option<&str> {
        self.0.place.as_deref()
    }

    /// Participants it takes (of a series: for the whole series).
    async fn capacity(&self) -> i32 {
        self.0.seats_max
    }

    /// Places still free (0 for a module: one registers for its series).
    async fn seats_available(&self) -> i32 {
        (self.0.seats_max - self.0.seats_taken).max(0)
    }

    /// Participants waiting for a place.
    async fn waitlist_length(&self) -> i32 {
        self.0.waitlist_length
    }

    /// Last day to register.
    async fn registration_deadline(&self) -> Option<Date> {
        self.0.registration_deadline.map(Date)
    }

    /// Where the event stands: PLANNED, OPEN, FULL, RUNNING, COMPLETED or CANCELLED.
    async fn status(&self) -> RunStatus {
        self.0.status
    }

    /// The modules of a series, in order; empty for any other event.
    async fn modules(&self, ctx: &Context<'_>) -> Result<Vec<NetworkEvent>> {
        if self.0.kind != EventKind::Series {
            return Ok(Vec::new());
        }
        Ok(request(ctx)?
            .loaders
            .modules_by_series
            .load_one(self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(NetworkEvent)
            .collect())
    }

    /// The series a module belongs to.
    async fn series(&self, ctx: &Context<'_>) -> Result<Option<NetworkEvent>> {
        let Some(series) = self.0.series_id else {
            return Ok(None);
        };
        Ok(request(ctx)?
            .loaders
            .network_event
            .load_one(series)
            .await?
            .map(NetworkEvent))
    }

    /// A module's place in its series, from 1.
    async fn module_number(&self) -> Option<i32> {
        self.0.module_no
    }

    /// The registrations the caller may see: all of them for the organiser, its own for a registering organisation, none for anyone else.
    async fn registrations(&self, ctx: &Context<'_>) -> Result<Vec<EventRegistration>> {
        Ok(request(ctx)?
            .loaders
            .registrations_by_event
            .load_one(self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(EventRegistration)
            .collect())
    }

    /// Version for optimistic concurrency.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// GraphQL view of an `event_registration` row.
pub struct EventRegistration(pub event_registration::Model);

/// A participant a partner organisation registered for an event or a whole series. Seen only by the organiser and the registering organisation.
#[Object]
impl EventRegistration {
    /// Global ID.
    pub async fn id(&self) -> ID {
        id::encode(NodeType::EventRegistration, self.0.id)
    }

    /// The event or series.
    async fn event(&self, ctx: &Context<'_>) -> Result<Option<NetworkEvent>> {
        Ok(request(ctx)?
            .loaders
            .network_event
            .load_one(self.0.event_id)
            .await?
            .map(NetworkEvent))
    }

    /// The organisation that registered the participant.
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        Ok(request(ctx)?
            .loaders
            .organisation
            .load_one(self.0.organisation_id)
            .await?
            .map(Organisation))
    }

    /// The participant's name; `null` once erased.
    async fn participant_name(&self) -> Option<&str> {
        self.0.participant_name.as_deref()
    }

    /// The participant's e-mail address; `null` once erased.
    async fn participant_email(&self) -> Option<&str> {
        self.0.participant_email.as_deref()
    }

    /// When the name and e-mail were erased.
    async fn erased_at(&self) -> Option<DateTime<Utc>> {
        self.0.erased_at
    }

    /// CONFIRMED (a place), WAITLISTED or WITHDRAWN.
    async fn status(&self) -> EnrolmentStatus {
        self.0.status
    }

    /// Place in line while WAITLISTED, from 1.
    async fn waitlist_position(&self) -> Option<i32> {
        self.0.waitlist_position
    }

    /// Attendance the organiser recorded: for the event, or per module of a series.
    async fn attendance(&self, ctx: &Context<'_>) -> Result<Vec<EventAttendance>> {
        Ok(request(ctx)?
            .loaders
            .attendance_by_registration
            .load_one(self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(EventAttendance)
            .collect())
    }

    /// When the participant was registered.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// Version for optimistic concurrency.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// GraphQL view of an `event_attendance` row.
pub struct EventAttendance(pub event_attendance::Model);

/// Whether a participant attended an event or a module of a series.
#[Object]
impl EventAttendance {
    /// The event, or the module of the series.
    async fn event(&self, ctx: &Context<'_>) -> Result<Option<NetworkEvent>> {
        Ok(request(ctx)?
            .loaders
            .network_event
            .load_one(self.0.event_id)
            .await?
            .map(NetworkEvent))
    }

    /// Attended (true) or missed (false).
    async fn attended(&self) -> bool {
        self.0.attended
    }

    /// When the organiser recorded it.
    async fn recorded_at(&self) -> DateTime<Utc> {
        self.0.recorded_at
    }
}
