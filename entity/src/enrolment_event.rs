//! `enrolment_event`: the history of an enrolment — every change of status or place in
//! line, who made it, when; part of the candidate's timeline.

use super::enrolment::EnrolmentStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "enrolment_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub enrolment_id: i64,
    pub candidate_id: i64,
    pub at: DateTimeUtc,
    /// `None` when the enrolment was created.
    pub from_status: Option<EnrolmentStatus>,
    pub to_status: EnrolmentStatus,
    pub waitlist_position: Option<i32>,
    /// The organisation that made the change; `None` for the hub's own promotions.
    pub organisation_id: Option<i64>,
    pub client_id: Option<String>,
    pub note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
