//! `placement_offer`: a job, a Praxiseinsatz of an adaptation course or a place for
//! praktisk tjänstgöring that an employer offers to foreign-trained professionals, with
//! its slots, supervision and salary band.

use super::enums::LanguageLevel;
use super::organisation::EmployerType;
use async_graphql::Enum;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// What an offer is.
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
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum OfferType {
    /// A job (employment, possibly first as an assistant until the licence).
    #[sea_orm(string_value = "JOB")]
    Job,
    /// Praxiseinsatz: the supervised practical part of an Anpassungslehrgang (adaptation course).
    #[sea_orm(string_value = "PRACTICAL_PLACEMENT")]
    PracticalPlacement,
    /// Sweden: praktisk tjänstgöring, the supervised practical service before legitimation.
    #[sea_orm(string_value = "SE_PRACTICAL_SERVICE")]
    SePracticalService,
}

/// Where an offer stands.
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
pub enum OfferStatus {
    /// Takes referrals; accepted ones take slots.
    #[sea_orm(string_value = "OPEN")]
    Open,
    /// Every slot is taken by an accepted referral; opens again when one is declined.
    #[sea_orm(string_value = "FILLED")]
    Filled,
    /// Closed by the employer, with a reason.
    #[sea_orm(string_value = "CLOSED")]
    Closed,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "placement_offer")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub employer_id: i64,
    pub offer_type: OfferType,
    pub title: String,
    pub employer_type: Option<EmployerType>,
    pub region_code: String,
    pub city: String,
    pub start_date: Date,
    pub duration_months: i32,
    pub slots: i32,
    /// Slots held by accepted (or hired) referrals.
    pub slots_taken: i32,
    /// Language level a candidate needs.
    pub language_level: Option<LanguageLevel>,
    pub supervisor_role: Option<String>,
    /// Hours of supervision per week.
    pub supervision_hours: Option<i32>,
    /// Monthly gross salary band, in minor units of `currency`.
    pub salary_min_minor: Option<i64>,
    pub salary_max_minor: Option<i64>,
    pub currency: Option<String>,
    pub status: OfferStatus,
    pub closing_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
