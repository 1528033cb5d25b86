//! `case_event`: the timeline of a recognition case — every change, who made it, when.

use super::recognition_case::CaseStatus;
use async_graphql::Enum;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// What happened to a case.
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
pub enum CaseEventKind {
    /// The case was opened.
    #[sea_orm(string_value = "OPENED")]
    Opened,
    /// The status changed.
    #[sea_orm(string_value = "STATUS_CHANGED")]
    StatusChanged,
    /// The list of missing documents changed.
    #[sea_orm(string_value = "DOCUMENTS_UPDATED")]
    DocumentsUpdated,
    /// The file was recorded as complete; the decision period started.
    #[sea_orm(string_value = "FILE_COMPLETE")]
    FileComplete,
    /// The authority recorded its decision.
    #[sea_orm(string_value = "DECISION_RECORDED")]
    DecisionRecorded,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_id: i64,
    pub at: DateTimeUtc,
    pub kind: CaseEventKind,
    /// The organisation that made the change.
    pub organisation_id: Option<i64>,
    pub client_id: Option<String>,
    pub from_status: Option<CaseStatus>,
    pub to_status: Option<CaseStatus>,
    pub note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
