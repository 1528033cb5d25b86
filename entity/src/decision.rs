//! `decision`: the competent authority's decision in a recognition case.

use async_graphql::Enum;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// The result of the equivalence check.
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
pub enum DecisionOutcome {
    /// Full equivalence: the licence can be granted (language permitting).
    #[sea_orm(string_value = "FULL")]
    Full,
    /// Substantial differences, to be compensated by a measure.
    #[sea_orm(string_value = "DEFICIT")]
    Deficit,
    /// Partial access to the profession (PflBG §48a).
    #[sea_orm(string_value = "PARTIAL_ACCESS")]
    PartialAccess,
    /// Recognition refused.
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
}

/// A compensatory measure (Ausgleichsmaßnahme).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, Enum, Serialize, Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum CompensatoryMeasure {
    /// Kenntnisprüfung (knowledge test) on the content of the final state examination.
    KnowledgeTest,
    /// Anpassungslehrgang (adaptation course) of up to three years, ending with an exam.
    AdaptationCourse,
    /// Eignungsprüfung (aptitude test) on the substantial differences, for EU training.
    AptitudeTest,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "decision")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub case_id: i64,
    pub outcome: DecisionOutcome,
    /// JSON array of the areas with substantial differences.
    pub deficit_areas: Json,
    /// JSON array of the `CompensatoryMeasure`s the applicant may choose from.
    pub measures: Json,
    pub decided_on: Date,
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
