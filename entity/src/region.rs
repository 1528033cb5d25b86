//! `region`: countries, German Länder and Swedish län (ISO 3166-2), and German districts
//! (AGS Kreisschlüssel). Reference data, loaded by a migration.

use crate::enums::RegionLevel;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "region")]
pub struct Model {
    /// `DE`, `DE-SN`, `SE-AB` or a five-digit AGS such as `14713`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub level: RegionLevel,
    pub parent_code: Option<String>,
    pub name_de: String,
    pub name_en: String,
    pub name_sv: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "Entity",
        from = "Column::ParentCode",
        to = "Column::Code"
    )]
    Parent,
}

impl ActiveModelBehavior for ActiveModel {}
