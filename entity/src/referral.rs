//! `referral`: an advisory centre refers one of its candidates to an employer's offer,
//! with the candidate's PLACEMENT consent; the employer accepts, declines or hires.

use async_graphql::Enum;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Where a referral stands. REFERRED, ACCEPTED and HIRED are live; ACCEPTED and HIRED
/// hold a slot of the offer.
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
pub enum ReferralStatus {
    /// Waiting for the employer.
    #[sea_orm(string_value = "REFERRED")]
    Referred,
    /// The employer takes the candidate: holds a slot.
    #[sea_orm(string_value = "ACCEPTED")]
    Accepted,
    /// Declined by the employer, with a reason.
    #[sea_orm(string_value = "DECLINED")]
    Declined,
    /// Hired or placed: the candidate started.
    #[sea_orm(string_value = "HIRED")]
    Hired,
}

impl ReferralStatus {
    /// The statuses of a referral that is still going on.
    pub const LIVE: [ReferralStatus; 3] = [
        ReferralStatus::Referred,
        ReferralStatus::Accepted,
        ReferralStatus::Hired,
    ];

    /// Whether the referral holds a slot of its offer.
    pub fn holds_slot(self) -> bool {
        matches!(self, ReferralStatus::Accepted | ReferralStatus::Hired)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "referral")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub offer_id: i64,
    pub candidate_id: i64,
    /// The advisory centre that referred the candidate.
    pub referred_by: i64,
    /// The PLACEMENT consent the referral recorded for the employer; `None` once the
    /// candidate's data was erased.
    pub consent_id: Option<i64>,
    pub status: ReferralStatus,
    /// Why it was declined.
    pub reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
