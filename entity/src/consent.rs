//! `consent`: a candidate's consent that one organisation may see their case file for a
//! purpose. Live until revoked.

use async_graphql::Enum;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// What a consent allows the receiving organisation to do with the data.
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
pub enum ConsentPurpose {
    /// Counselling on recognition, language and qualification.
    #[sea_orm(string_value = "ADVICE")]
    Advice,
    /// Referral to a course, exam or authority.
    #[sea_orm(string_value = "REFERRAL")]
    Referral,
    /// Placement in a job or supervised practical placement.
    #[sea_orm(string_value = "PLACEMENT")]
    Placement,
    /// Applying for or granting funding.
    #[sea_orm(string_value = "FUNDING")]
    Funding,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consent")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub candidate_id: i64,
    /// The organisation that may see the candidate.
    pub organisation_id: i64,
    pub purpose: ConsentPurpose,
    pub granted_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::candidate::Entity",
        from = "Column::CandidateId",
        to = "super::candidate::Column::Id"
    )]
    Candidate,
}

impl ActiveModelBehavior for ActiveModel {}
