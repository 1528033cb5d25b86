//! `advisory_request`: a municipality asks an advisory service for help with ambulatory
//! medical care in its region (a GP practice to fill, an MVZ to found, physicians
//! trained abroad to recruit); the advisory service takes it up, answers it or refers it
//! to a partner, and the request is closed.

use async_graphql::Enum;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// What a municipality asks about.
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
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum AdvisoryTopic {
    /// A GP practice whose doctor retires needs a successor (Praxisnachfolge).
    #[sea_orm(string_value = "GP_SUCCESSION")]
    GpSuccession,
    /// Founding a medical care centre (MVZ), possibly run by the municipality.
    #[sea_orm(string_value = "MVZ_FOUNDING")]
    MvzFounding,
    /// Recruiting physicians trained abroad and bringing them through recognition.
    #[sea_orm(string_value = "RECRUITING_FOREIGN_TRAINED_PHYSICIANS")]
    RecruitingForeignTrainedPhysicians,
    /// Care at a distance: telemedicine, tele-consultations, delegation.
    #[sea_orm(string_value = "TELEMEDICINE")]
    Telemedicine,
    /// Anything else about ambulatory medical care.
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// How urgent the municipality says its request is; it sets the response-time target.
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
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(10))")]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum RequestUrgency {
    /// No pressing date: an answer within 30 days.
    #[sea_orm(string_value = "LOW")]
    Low,
    /// An answer within 14 days.
    #[sea_orm(string_value = "NORMAL")]
    Normal,
    /// Care is at risk soon (a practice closes within months): an answer within 5 days.
    #[sea_orm(string_value = "HIGH")]
    High,
}

/// Where a request stands.
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
pub enum AdvisoryRequestStatus {
    /// Submitted; the advisory service has not taken it up yet.
    #[sea_orm(string_value = "RECEIVED")]
    Received,
    /// The advisory service is working on it.
    #[sea_orm(string_value = "IN_PROGRESS")]
    InProgress,
    /// The advisory service answered it.
    #[sea_orm(string_value = "ANSWERED")]
    Answered,
    /// The advisory service passed it on to a partner better placed to help.
    #[sea_orm(string_value = "REFERRED")]
    Referred,
    /// Done with.
    #[sea_orm(string_value = "CLOSED")]
    Closed,
}

impl AdvisoryRequestStatus {
    /// The statuses in which a request waits for the advisory service's response, and
    /// can be overdue.
    pub const OPEN: [AdvisoryRequestStatus; 2] = [
        AdvisoryRequestStatus::Received,
        AdvisoryRequestStatus::InProgress,
    ];
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "advisory_request")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The municipality that asks.
    pub municipality_id: i64,
    /// The advisory service asked.
    pub advisory_service_id: i64,
    /// The partner the request was referred to.
    pub referred_to_id: Option<i64>,
    pub topic: AdvisoryTopic,
    /// The region the request is about (usually a district, AGS Kreisschlüssel).
    pub district_code: String,
    pub urgency: RequestUrgency,
    pub description: String,
    pub status: AdvisoryRequestStatus,
    /// The advisory service's answer.
    pub answer: Option<String>,
    /// The last note of a change (why it was referred, how it was closed).
    pub note: Option<String>,
    pub submitted_on: Date,
    /// The response-time target: by this day the advisory service answers or refers.
    pub due_on: Date,
    /// The day it was answered or referred.
    pub responded_on: Option<Date>,
    pub closed_on: Option<Date>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
