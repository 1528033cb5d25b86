//! Inputs of the network's events.

use crate::graphql::types::Date;
use crate::service::events::{EventFilter, NewEvent, NewModule};
use async_graphql::{ID, InputObject};
use entity::course_run::RunStatus;
use entity::network_event::{AudienceRole, EventKind};
use entity::organisation::OrganisationKind;

/// Narrows the event catalogue; every condition given must hold.
#[derive(Debug, Clone, Default, InputObject)]
pub struct NetworkEventFilter {
    /// What kind of event.
    pub kind: Option<EventKind>,
    /// Region code: the event takes place in it or below it.
    pub region: Option<String>,
    /// Meant for this kind of partner (or for every partner).
    pub audience: Option<OrganisationKind>,
    /// Starting on or after.
    pub from: Option<Date>,
    /// Starting on or before.
    pub to: Option<Date>,
    /// One can still register (true), or not (false). Modules are registered for with their series.
    pub open_for_registration: Option<bool>,
}

impl From<NetworkEventFilter> for EventFilter {
    fn from(f: NetworkEventFilter) -> Self {
        EventFilter {
            kind: f.kind,
            region: f.region,
            audience: f.audience,
            from: f.from.map(|d| d.0),
            to: f.to.map(|d| d.0),
            open_for_registration: f.open_for_registration,
        }
    }
}

/// A module of a qualification series: a dated event of its own.
#[derive(Debug, Clone, InputObject)]
pub struct EventModuleInput {
    /// Title, 3 to 200 characters.
    pub title: String,
    /// First day; after the previous module's last.
    pub start_date: Date,
    /// Last day; the first day when not given.
    pub end_date: Option<Date>,
    /// A full day (ganztägig); otherwise part of a day.
    #[graphql(default = true)]
    pub full_day: bool,
    /// Held online.
    #[graphql(default)]
    pub online: bool,
    /// Where it takes place, or how to join online (1 to 200 characters).
    pub place: Option<String>,
}

/// A new event of the caller's organisation.
#[derive(Debug, Clone, InputObject)]
pub struct PublishNetworkEventInput {
    /// What kind of event; a SERIES needs `modules`.
    pub kind: EventKind,
    /// Title, 3 to 200 characters.
    pub title: String,
    /// What the event is about (at most 5,000 characters).
    #[graphql(default)]
    pub description: String,
    /// The kinds of partner it is for; empty: every partner. Only these may register participants.
    #[graphql(default)]
    pub audience_kinds: Vec<OrganisationKind>,
    /// The roles of partners' staff it is for.
    #[graphql(default)]
    pub audience_roles: Vec<AudienceRole>,
    /// Region code the event is for and takes place in.
    pub region: String,
    /// First day; not for a SERIES (its modules have the dates).
    pub start_date: Option<Date>,
    /// Last day; the first day when not given.
    pub end_date: Option<Date>,
    /// A full day; otherwise part of a day.
    #[graphql(default = true)]
    pub full_day: bool,
    /// Held online.
    #[graphql(default)]
    pub online: bool,
    /// Where it takes place, or how to join online (1 to 200 characters).
    pub place: Option<String>,
    /// Participants it takes (1 to 1,000); of a series: for the whole series.
    pub capacity: i32,
    /// Last day to register; on or before the first day.
    pub registration_deadline: Option<Date>,
    /// `OPEN` (default) or `PLANNED`.
    pub status: Option<RunStatus>,
    /// The modules of a SERIES, in order (1 to 12).
    #[graphql(default)]
    pub modules: Vec<EventModuleInput>,
}

impl From<PublishNetworkEventInput> for NewEvent {
    fn from(i: PublishNetworkEventInput) -> Self {
        NewEvent {
            kind: i.kind,
            title: i.title,
            description: i.description,
            audience_kinds: i.audience_kinds,
            audience_roles: i.audience_roles,
            region: i.region,
            start_date: i.start_date.map(|d| d.0),
            end_date: i.end_date.map(|d| d.0),
            full_day: i.full_day,
            online: i.online,
            place: i.place,
            capacity: i.capacity,
            registration_deadline: i.registration_deadline.map(|d| d.0),
            status: i.status,
            modules: i
                .modules
                .into_iter()
                .map(|m| NewModule {
                    title: m.title,
                    start_date: m.start_date.0,
                    end_date: m.end_date.unwrap_or(m.start_date).0,
                    full_day: m.full_day,
                    online: m.online,
                    place: m.place,
                })
                .collect(),
        }
    }
}

/// A participant of the caller's organisation for an event or a whole series.
#[derive(Debug, Clone, InputObject)]
pub struct RegisterEventParticipantInput {
    /// The event or series (not a module).
    pub event_id: ID,
    /// The participant's name (2 to 200 characters).
    pub name: String,
    /// The participant's work e-mail address.
    pub email: String,
}

/// A registration to withdraw or erase.
#[derive(Debug, Clone, InputObject)]
pub struct EventRegistrationInput {
    /// The registration.
    pub id: ID,
}

/// Attendance of a participant.
#[derive(Debug, Clone, InputObject)]
pub struct RecordEventAttendanceInput {
    /// The registration.
    pub registration_id: ID,
    /// For a series: the module attended.
    pub module_id: Option<ID>,
    /// Attended (true) or missed (false).
    pub attended: bool,
}
