//! `profession`: the regulated health professions the hub knows, with their German
//! (KldB 2010) and Swedish (SSYK 2012) occupation codes. Reference data.

use crate::enums::{LanguageLevel, ProfessionRoute};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "profession")]
pub struct Model {
    /// Stable key such as `nurse` or `physician`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    pub title_de: String,
    pub title_en: String,
    pub title_sv: String,
    pub kldb_code: String,
    pub ssyk_code: Option<String>,
    pub route_de: ProfessionRoute,
    pub route_se: Option<ProfessionRoute>,
    pub language_level: LanguageLevel,
    pub specialist_language_exam: bool,
    pub sort_order: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
