//! `consultation`: a question a member puts to its consultation group, linked to a
//! recognition case or describing an anonymous situation, with the agreed next steps
//! once it is resolved. Its thread lives in `consultation_answer`.

use crate::recognition_case::CaseStatus;
use async_graphql::Enum;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// What a consultation is about.
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
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum ConsultationProblem {
    /// Documents: missing, untranslated or not accepted by the authority.
    #[sea_orm(string_value = "DOCUMENTS")]
    Documents,
    /// Language: the certificate, the specialist language exam, a course.
    #[sea_orm(string_value = "LANGUAGE")]
    Language,
    /// The compensatory measure: knowledge test, adaptation course, aptitude test.
    #[sea_orm(string_value = "COMPENSATORY_MEASURE")]
    CompensatoryMeasure,
    /// Work: a job, a placement, the employer's side.
    #[sea_orm(string_value = "EMPLOYMENT")]
    Employment,
    /// Residence: visa, residence title, the foreigners' authority.
    #[sea_orm(string_value = "RESIDENCE")]
    Residence,
    /// Funding: courses, living costs, the recognition fees.
    #[sea_orm(string_value = "FUNDING")]
    Funding,
    /// Anything else.
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// Where a consultation stands.
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
pub enum ConsultationStatus {
    /// Open: the members answer in its thread.
    #[sea_orm(string_value = "OPEN")]
    Open,
    /// Resolved by the member that opened it, with the agreed next steps.
    #[sea_orm(string_value = "RESOLVED")]
    Resolved,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consultation")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub group_id: i64,
    /// The member organisation that opened it (and alone resolves it).
    pub opened_by_id: i64,
    pub opened_by_client: Option<String>,
    /// The recognition case it is about; `None` for an anonymous situation.
    pub case_id: Option<i64>,
    /// The anonymous situation (all `None` when linked to a case).
    pub profession_key: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country_of_training: Option<String>,
    pub stage: Option<CaseStatus>,
    pub problem: ConsultationProblem,
    pub question: String,
    pub status: ConsultationStatus,
    pub next_steps: Option<String>,
    pub resolved_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
