//! `course_run`: a dated session of a course (a Termin in the Bundesagentur's terms):
//! dates, format, seats, place, cost and registration deadline.

use async_graphql::Enum;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// How a course run is taught.
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
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum CourseFormat {
    /// In person, at the provider's location.
    #[sea_orm(string_value = "PRESENCE")]
    Presence,
    /// Virtual classroom.
    #[sea_orm(string_value = "ONLINE")]
    Online,
    /// Participants choose per session between in person and online.
    #[sea_orm(string_value = "HYBRID")]
    Hybrid,
    /// Alternating phases in person and online.
    #[sea_orm(string_value = "BLENDED")]
    Blended,
}

/// Full-time or part-time schedule.
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
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum Schedule {
    /// Full time (Vollzeit, heltid).
    #[sea_orm(string_value = "FULL_TIME")]
    FullTime,
    /// Part time (Teilzeit, deltid), often alongside a job.
    #[sea_orm(string_value = "PART_TIME")]
    PartTime,
}

/// Where a course run stands.
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
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum RunStatus {
    /// Scheduled, registration not yet open.
    #[sea_orm(string_value = "PLANNED")]
    Planned,
    /// Open for registration.
    #[sea_orm(string_value = "OPEN")]
    Open,
    /// All seats taken.
    #[sea_orm(string_value = "FULL")]
    Full,
    /// Under way.
    #[sea_orm(string_value = "RUNNING")]
    Running,
    /// Finished.
    #[sea_orm(string_value = "COMPLETED")]
    Completed,
    /// Cancelled by the provider.
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

/// A way the cost of a course run can be funded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, Enum, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum FundingOption {
    /// Bildungsgutschein of the Agentur für Arbeit or Jobcenter (needs AZAV approval).
    Bildungsgutschein,
    /// Job-related German course funded by the BAMF (DeuFöV, Berufssprachkurs).
    Berufssprachkurs,
    /// Paid by the (future) employer.
    Employer,
    /// A regional programme (for example Region Stockholm's grant for praktisk tjänstgöring).
    RegionalProgramme,
    /// Paid by the participant.
    SelfPaid,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "course_run")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub course_id: i64,
    pub start_date: Date,
    pub end_date: Date,
    pub hours: i32,
    pub format: CourseFormat,
    pub schedule: Schedule,
    pub seats_min: i32,
    pub seats_max: i32,
    /// Seats held: by confirmed enrolments (and candidates with a result) and by
    /// participants the provider registered itself.
    pub seats_taken: i32,
    /// Enrolments waiting for a seat.
    pub waitlist_length: i32,
    pub region_code: String,
    pub city: String,
    /// Cost in minor units of `currency` (cents, öre).
    pub cost_minor: i64,
    pub currency: String,
    /// JSON array of `FundingOption` names.
    pub funding_options: Json,
    pub registration_deadline: Option<Date>,
    pub rolling_entry: bool,
    pub status: RunStatus,
    /// Why the provider cancelled the run.
    pub cancellation_reason: Option<String>,
    /// The provider's own id of the row, set by bulk import (unique per provider for
    /// courses, per course for runs).
    pub external_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::course::Entity",
        from = "Column::CourseId",
        to = "super::course::Column::Id"
    )]
    Course,
    #[sea_orm(
        belongs_to = "super::region::Entity",
        from = "Column::RegionCode",
        to = "super::region::Column::Code"
    )]
    Region,
}

impl Related<super::course::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Course.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
