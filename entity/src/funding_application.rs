//! `funding_application`: an employer asks a programme to fund the placement of a
//! candidate it accepted; the funder assesses, grants or rejects; the employer reports
//! how it went and the funder records the payment.

use async_graphql::Enum;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Where an application stands.
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
pub enum ApplicationStatus {
    /// Being written by the employer; the funder does not see it yet.
    #[sea_orm(string_value = "DRAFT")]
    Draft,
    /// Waiting for the funder's assessment.
    #[sea_orm(string_value = "SUBMITTED")]
    Submitted,
    /// The funder asked for completion; the employer amends and submits again.
    #[sea_orm(string_value = "INCOMPLETE")]
    Incomplete,
    /// Granted as requested.
    #[sea_orm(string_value = "GRANTED")]
    Granted,
    /// Granted for less than requested.
    #[sea_orm(string_value = "PARTIALLY_GRANTED")]
    PartiallyGranted,
    /// Rejected, with a reason.
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
    /// The funder paid: the employer's follow-up report is due.
    #[sea_orm(string_value = "FOLLOW_UP_DUE")]
    FollowUpDue,
    /// Paid and followed up.
    #[sea_orm(string_value = "CLOSED")]
    Closed,
}

impl ApplicationStatus {
    /// The statuses of a grant not yet paid.
    pub const GRANTED: [ApplicationStatus; 2] = [
        ApplicationStatus::Granted,
        ApplicationStatus::PartiallyGranted,
    ];

    /// The statuses the funder assesses.
    pub const PENDING: [ApplicationStatus; 2] =
        [ApplicationStatus::Submitted, ApplicationStatus::Incomplete];
}

/// How a funded placement ended, as the employer reports it.
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
pub enum FollowUpOutcome {
    /// The placement was completed.
    #[sea_orm(string_value = "COMPLETED")]
    Completed,
    /// The placement ended early.
    #[sea_orm(string_value = "ABORTED")]
    Aborted,
    /// Completed, and the licence (Approbation, Erlaubnis, legitimation) was obtained.
    #[sea_orm(string_value = "LICENCE_OBTAINED")]
    LicenceObtained,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "funding_application")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub programme_id: i64,
    pub employer_id: i64,
    pub candidate_id: i64,
    /// The accepted referral of the placement to be funded.
    pub referral_id: i64,
    pub status: ApplicationStatus,
    pub months: i32,
    /// The programme's currency, in which every amount of the application is.
    pub currency: String,
    pub monthly_salary_minor: i64,
    pub monthly_supervisor_fee_minor: i64,
    /// Other costs: a JSON list of `{"costType": …, "amountMinor": …}`.
    pub other_costs: Json,
    pub requested_minor: i64,
    pub granted_minor: Option<i64>,
    pub paid_minor: i64,
    /// The last word of either side: what is missing, why it was rejected.
    pub note: Option<String>,
    pub submitted_on: Option<Date>,
    pub decided_on: Option<Date>,
    pub follow_up_due_on: Option<Date>,
    pub months_completed: Option<i32>,
    pub outcome: Option<FollowUpOutcome>,
    pub follow_up_on: Option<Date>,
    pub paid_on: Option<Date>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
