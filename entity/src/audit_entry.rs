//! `audit_entry`: who read, exported or erased a candidate's personal data, when, and
//! through which operation. Written before the data leaves the hub.

use async_graphql::Enum;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// What was done with personal data.
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
pub enum AuditAction {
    /// Personal data was returned by a query or mutation.
    #[sea_orm(string_value = "READ")]
    Read,
    /// Everything about the person was exported (GDPR Art. 15, 20).
    #[sea_orm(string_value = "EXPORT")]
    Export,
    /// The personal data was erased (GDPR Art. 17).
    #[sea_orm(string_value = "ERASE")]
    Erase,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_entry")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    pub action: AuditAction,
    pub candidate_id: i64,
    pub organisation_id: Option<i64>,
    pub client_id: String,
    /// Comma-separated names of the fields read.
    pub fields: String,
    /// The GraphQL operation name (or `anonymous operation`).
    pub operation: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
