//! `event_registration`: a named participant (an employee of a partner organisation)
//! registered by that organisation for an event or a whole series. The name and e-mail
//! are personal data: seen by the organiser and the registering organisation only, and
//! erased on request (`erased_at`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "event_registration")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub event_id: i64,
    /// The registering organisation.
    pub organisation_id: i64,
    pub participant_name: Option<String>,
    pub participant_email: Option<String>,
    /// `CONFIRMED`, `WAITLISTED` or `WITHDRAWN` (an `EnrolmentStatus` name).
    pub status: crate::enrolment::EnrolmentStatus,
    pub waitlist_position: Option<i32>,
    pub erased_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
