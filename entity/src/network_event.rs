//! `network_event`: an event of the network itself — an information event, a network
//! meeting, a workshop, a training, or a qualification series whose modules are events
//! of their own (`series_id`, `module_no`). Seats and waitlist work as a course run's.

use crate::course_run::RunStatus;
use async_graphql::Enum;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// What kind of event.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Enum,
    Serialize,
    Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum EventKind {
    /// Information event (Informationsveranstaltung) for partners or the public.
    #[sea_orm(string_value = "INFO_EVENT")]
    InfoEvent,
    /// Meeting of the network's partners (Netzwerktreffen).
    #[sea_orm(string_value = "NETWORK_MEETING")]
    NetworkMeeting,
    /// Workshop.
    #[sea_orm(string_value = "WORKSHOP")]
    Workshop,
    /// Training for partners' staff (Schulung).
    #[sea_orm(string_value = "TRAINING")]
    Training,
    /// Qualification series of ordered modules, registered for as a whole.
    #[sea_orm(string_value = "SERIES")]
    Series,
    /// A module of a qualification series.
    #[sea_orm(string_value = "MODULE")]
    Module,
}

/// Roles of partners' staff an event is meant for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, Enum, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum AudienceRole {
    /// Municipal health coordinators (kommunale Gesundheitskoordination).
    MunicipalHealthCoordinator,
    /// Advisers on recognition and qualification.
    RecognitionAdviser,
    /// Caseworkers of job centres and employment agencies.
    JobCaseworker,
    /// Staff of foreigners' authorities (Ausländerbehörde).
    ForeignersAuthorityStaff,
    /// HR staff of employers.
    EmployerHr,
    /// Practice instructors (Praxisanleitung) who supervise placements.
    PracticeInstructor,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "network_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organiser_id: i64,
    /// The series this event is a module of.
    pub series_id: Option<i64>,
    /// The module's place in its series, from 1.
    pub module_no: Option<i32>,
    pub kind: EventKind,
    pub title: String,
    pub description: String,
    /// JSON array of `OrganisationKind` names; empty: every partner.
    pub audience_kinds: Json,
    /// JSON array of `AudienceRole` names.
    pub audience_roles: Json,
    pub region_code: String,
    pub start_date: Date,
    pub end_date: Date,
    /// A full day (otherwise part of a day).
    pub full_day: bool,
    pub online: bool,
    /// Where it takes place (or how to join, online).
    pub place: Option<String>,
    pub seats_max: i32,
    pub seats_taken: i32,
    pub waitlist_length: i32,
    pub registration_deadline: Option<Date>,
    pub status: RunStatus,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
