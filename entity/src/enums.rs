//! Enumerations shared by several tables and by the GraphQL schema.
//!
//! Each enum is stored as its upper-case name and exposed under the same name in
//! GraphQL; the `///` docs become the descriptions partners read in the SDL.

use async_graphql::Enum;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Level of a region in the hierarchy country → state/county → district.
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
pub enum RegionLevel {
    /// A country (ISO 3166-1 alpha-2 code, e.g. `DE`, `SE`).
    #[sea_orm(string_value = "COUNTRY")]
    Country,
    /// A German Land or a Swedish län (ISO 3166-2 code, e.g. `DE-SN`, `SE-AB`).
    #[sea_orm(string_value = "STATE")]
    State,
    /// A German Landkreis or kreisfreie Stadt (five-digit AGS Kreisschlüssel, e.g. `14713`).
    #[sea_orm(string_value = "DISTRICT")]
    District,
}

/// Language of a label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Enum, Serialize, Deserialize, Default)]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum Lang {
    /// German.
    De,
    /// English.
    #[default]
    En,
    /// Swedish.
    Sv,
}

/// Language level on the Common European Framework of Reference (CEFR).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    EnumIter,
    DeriveActiveEnum,
    Enum,
    Serialize,
    Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(2))")]
pub enum LanguageLevel {
    /// Breakthrough.
    #[sea_orm(string_value = "A1")]
    A1,
    /// Waystage.
    #[sea_orm(string_value = "A2")]
    A2,
    /// Threshold.
    #[sea_orm(string_value = "B1")]
    B1,
    /// Vantage: the general level required for most health professions in Germany.
    #[sea_orm(string_value = "B2")]
    B2,
    /// Effective operational proficiency: the specialist-language level (Fachsprachprüfung) for physicians, dentists, pharmacists; the Swedish level for licensing.
    #[sea_orm(string_value = "C1")]
    C1,
    /// Mastery.
    #[sea_orm(string_value = "C2")]
    C2,
}

/// The legal route to the right to practise a profession.
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
pub enum ProfessionRoute {
    /// Germany: Approbation, the full licence of the academic health professions (physicians, dentists, pharmacists).
    #[sea_orm(string_value = "APPROBATION")]
    Approbation,
    /// Germany: Erlaubnis zum Führen der Berufsbezeichnung, permission to use a protected professional title.
    #[sea_orm(string_value = "ERLAUBNIS")]
    Erlaubnis,
    /// Sweden: legitimation, the licence issued by Socialstyrelsen.
    #[sea_orm(string_value = "LEGITIMATION")]
    Legitimation,
}
