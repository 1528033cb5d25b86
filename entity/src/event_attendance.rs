//! `event_attendance`: whether a registered participant attended an event, or a module
//! of the series they registered for, as the organiser records it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "event_attendance")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub registration_id: i64,
    /// The event, or the module of the series.
    #[sea_orm(primary_key, auto_increment = false)]
    pub event_id: i64,
    pub attended: bool,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
