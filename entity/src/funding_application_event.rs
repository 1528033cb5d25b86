//! `funding_application_event`: the timeline of an application — every change of
//! status, the amounts granted and paid, who made the change, when.

use super::funding_application::ApplicationStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "funding_application_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub application_id: i64,
    pub at: DateTimeUtc,
    /// `None` when the application was created.
    pub from_status: Option<ApplicationStatus>,
    pub to_status: ApplicationStatus,
    /// The amount granted or paid by this change.
    pub amount_minor: Option<i64>,
    pub organisation_id: Option<i64>,
    pub client_id: Option<String>,
    pub note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
