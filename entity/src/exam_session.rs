//! `exam_session`: a dated sitting of an exam that a chamber, exam office or competent
//! authority runs (Kenntnisprüfung, Fachsprachprüfung, Eignungsprüfung, the Swedish
//! kunskapsprov and praktiska provet, the test of the course in Swedish regulations),
//! with its seats, place, registration deadline and fee.

use super::course_run::{CourseFormat, RunStatus};
use async_graphql::Enum;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// The exams of the recognition procedure.
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
pub enum ExamType {
    /// Kenntnisprüfung: knowledge test on the content of the German state examination, the compensatory measure for third-country training (oral-practical; for physicians three attempts).
    #[sea_orm(string_value = "KENNTNISPRUEFUNG")]
    Kenntnispruefung,
    /// Fachsprachprüfung: specialist language exam at C1, held by the chambers (Landesärztekammer and others).
    #[sea_orm(string_value = "FACHSPRACHPRUEFUNG")]
    Fachsprachpruefung,
    /// Eignungsprüfung: aptitude test on the substantial differences, the compensatory measure for training in the EU/EEA/CH.
    #[sea_orm(string_value = "EIGNUNGSPRUEFUNG")]
    Eignungspruefung,
    /// Sweden: kunskapsprov, the theoretical part of Socialstyrelsen's knowledge test.
    #[sea_orm(string_value = "SE_KUNSKAPSPROV")]
    SeKunskapsprov,
    /// Sweden: praktiska provet, the practical part of the knowledge test.
    #[sea_orm(string_value = "SE_PRAKTISKT_PROV")]
    SePraktisktProv,
    /// Sweden: the test of the course in Swedish regulations (författningskunskap).
    #[sea_orm(string_value = "SE_REGULATIONS_TEST")]
    SeRegulationsTest,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "exam_session")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The exam office, chamber or authority that runs the exam.
    pub organisation_id: i64,
    pub exam_type: ExamType,
    pub date: Date,
    /// PRESENCE (at `city`) or ONLINE for written parts.
    pub format: CourseFormat,
    pub region_code: String,
    pub city: String,
    pub seats_max: i32,
    /// Seats held by confirmed enrolments (and by candidates with a result).
    pub seats_taken: i32,
    /// Enrolments waiting for a seat.
    pub waitlist_length: i32,
    pub registration_deadline: Option<Date>,
    /// Fee in minor units of `currency`.
    pub fee_minor: i64,
    pub currency: String,
    pub status: RunStatus,
    pub cancellation_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organisation::Entity",
        from = "Column::OrganisationId",
        to = "super::organisation::Column::Id"
    )]
    Organisation,
}

impl ActiveModelBehavior for ActiveModel {}
