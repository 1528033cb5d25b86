//! `advisory_request_event`: the timeline of an advisory request — every change of
//! status, who made it (organisation and client), when, with which note.

use super::advisory_request::AdvisoryRequestStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "advisory_request_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub request_id: i64,
    pub at: DateTimeUtc,
    /// `None` when the request was submitted.
    pub from_status: Option<AdvisoryRequestStatus>,
    pub to_status: AdvisoryRequestStatus,
    pub organisation_id: Option<i64>,
    pub client_id: Option<String>,
    pub note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
