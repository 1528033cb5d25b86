//! `course`: an offer of a school or provider (the course as such; its dated sessions
//! are `course_run`s), as the Bundesagentur's Weiterbildungssuche models it.

use crate::enums::LanguageLevel;
use async_graphql::Enum;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// What a course prepares for.
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
pub enum CourseType {
    /// Anpassungslehrgang: adaptation course compensating substantial differences, ends with a final interview or exam.
    #[sea_orm(string_value = "ADAPTATION_COURSE")]
    AdaptationCourse,
    /// Preparation for the Kenntnisprüfung (knowledge test) or the Swedish kunskapsprov.
    #[sea_orm(string_value = "KNOWLEDGE_TEST_PREP")]
    KnowledgeTestPrep,
    /// Preparation for the specialist-language exam (Fachsprachprüfung) at C1.
    #[sea_orm(string_value = "SPECIALIST_LANGUAGE_PREP")]
    SpecialistLanguagePrep,
    /// General or job-related language course (B1–C1).
    #[sea_orm(string_value = "LANGUAGE_COURSE")]
    LanguageCourse,
    /// Preparation for the aptitude test (Eignungsprüfung) for EU-trained professionals.
    #[sea_orm(string_value = "APTITUDE_TEST_PREP")]
    AptitudeTestPrep,
    /// Sweden: course in Swedish regulations (författningskunskap).
    #[sea_orm(string_value = "SE_REGULATIONS_COURSE")]
    SeRegulationsCourse,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "course")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub provider_id: i64,
    pub course_type: CourseType,
    pub title: String,
    pub description: String,
    pub language_level: Option<LanguageLevel>,
    /// AZAV measure number (Maßnahmenummer), for courses fundable by a Bildungsgutschein.
    pub azav_measure_number: Option<String>,
    pub azav_valid_until: Option<Date>,
    pub bildungsgutschein: bool,
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
        belongs_to = "super::organisation::Entity",
        from = "Column::ProviderId",
        to = "super::organisation::Column::Id"
    )]
    Provider,
    #[sea_orm(has_many = "super::course_run::Entity")]
    CourseRun,
    #[sea_orm(has_many = "super::course_profession::Entity")]
    CourseProfession,
}

impl Related<super::organisation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Provider.def()
    }
}

impl Related<super::course_run::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CourseRun.def()
    }
}

impl Related<super::course_profession::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CourseProfession.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
