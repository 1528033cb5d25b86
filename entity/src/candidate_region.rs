//! `candidate_region`: regions beyond their own that a candidate would move or commute
//! to for a job or placement.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "candidate_region")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub candidate_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub region_code: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
