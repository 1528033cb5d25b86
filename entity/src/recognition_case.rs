//! `recognition_case`: a procedure for the recognition of a foreign qualification at a
//! competent authority, from the application to the licence.

use async_graphql::Enum;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Where the qualification was obtained, which decides the compensatory measures on offer.
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
pub enum CaseOrigin {
    /// Trained in the EU, the EEA or Switzerland (Directive 2005/36/EC): adaptation course or aptitude test.
    #[sea_orm(string_value = "EU_EEA_CH")]
    EuEeaCh,
    /// Trained in a third country: knowledge test or adaptation course (physicians: knowledge test only).
    #[sea_orm(string_value = "THIRD_COUNTRY")]
    ThirdCountry,
}

/// Where a recognition procedure stands.
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
pub enum CaseStatus {
    /// The application is at the competent authority.
    #[sea_orm(string_value = "SUBMITTED")]
    Submitted,
    /// Documents are missing; the decision period has not started.
    #[sea_orm(string_value = "INCOMPLETE")]
    Incomplete,
    /// The equivalence check is under way.
    #[sea_orm(string_value = "IN_ASSESSMENT")]
    InAssessment,
    /// The authority has decided (full recognition, deficits, partial access).
    #[sea_orm(string_value = "DECIDED")]
    Decided,
    /// The person is taking a compensatory measure (Kenntnisprüfung, Anpassungslehrgang, aptitude test).
    #[sea_orm(string_value = "IN_COMPENSATION")]
    InCompensation,
    /// Only the language certificate (B2, or the Fachsprachprüfung at C1) is missing.
    #[sea_orm(string_value = "LANGUAGE_PENDING")]
    LanguagePending,
    /// The licence is granted (Erlaubnis, Approbation, legitimation).
    #[sea_orm(string_value = "LICENSED")]
    Licensed,
    /// Recognition was refused.
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
    /// The applicant withdrew.
    #[sea_orm(string_value = "WITHDRAWN")]
    Withdrawn,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "recognition_case")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub candidate_id: i64,
    /// The reference profession the application is for.
    pub profession_key: String,
    /// The competent authority (an organisation of kind AUTHORITY or CHAMBER).
    pub authority_id: i64,
    /// Legal basis of the procedure, e.g. `PflBG §40`, `BÄO §3`, `BQFG §4`.
    pub legal_basis: String,
    pub origin: CaseOrigin,
    /// Accelerated procedure for skilled workers (§81a AufenthG): two months instead of three.
    pub fast_track: bool,
    pub status: CaseStatus,
    pub submitted_on: Date,
    /// The day the file became complete; the decision period runs from here.
    pub complete_on: Option<Date>,
    /// The legal due date of the decision (3 months after `complete_on`, 2 in the fast track).
    pub due_on: Option<Date>,
    pub decided_on: Option<Date>,
    /// JSON array of the documents still missing.
    pub missing_documents: Json,
    /// A fixed random key in `0..65536`, drawn when the case is opened: disclosure
    /// control perturbs a count by the sum of its cases' keys (the cell key method).
    pub record_key: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
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
