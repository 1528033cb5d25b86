//! `funding_programme`: money a funder (a region, a ministry) sets aside for a year —
//! Region Stockholm's 6.3 MSEK for praktisk tjänstgöring, for example — with what it
//! pays for, for whom, and when one can apply. Amounts are integers in minor units.

use async_graphql::Enum;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// What a programme may pay for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, Enum, Serialize, Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum CostType {
    /// The trainee's salary during the placement.
    TraineeSalary,
    /// The fee for the supervisor (handledare).
    SupervisorFee,
    /// Course fees (e.g. an Anpassungslehrgang or a language course).
    CourseFee,
    /// Exam fees (Kenntnisprüfung, kunskapsprov).
    ExamFee,
    /// Travel to the placement, course or exam.
    Travel,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "funding_programme")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub funder_id: i64,
    pub name: String,
    pub year: i32,
    pub currency: String,
    /// The total budget.
    pub budget_minor: i64,
    /// The sum of the grants not yet paid and of the payments: a payment below its
    /// grant gives the rest back to the budget.
    pub committed_minor: i64,
    /// The sum of the payments.
    pub paid_minor: i64,
    /// The eligible cost types, a JSON list of `CostType` names.
    pub cost_types: Json,
    /// The origin of training a candidate needs; `None`: any.
    pub origin: Option<super::recognition_case::CaseOrigin>,
    /// The region the placement must lie in; `None`: anywhere.
    pub region_code: Option<String>,
    /// The application window.
    pub opens_on: Date,
    pub closes_on: Date,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
