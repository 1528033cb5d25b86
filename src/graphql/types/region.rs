//! `Region`.

use crate::graphql::id::{self, NodeType};
use crate::graphql::reference;
use async_graphql::{Context, ID, Object, Result};
use entity::enums::{Lang, RegionLevel};
use entity::region;

/// GraphQL view of a `region` row; see the `#[Object]` impl for the published description.
pub struct Region(pub region::Model);

/// A country, a German Land or Swedish län (ISO 3166-2), or a German district (Landkreis or kreisfreie Stadt, AGS Kreisschlüssel).
#[Object]
impl Region {
    /// Global ID.
    pub async fn id(&self) -> ID {
        id::encode(NodeType::Region, &self.0.code)
    }

    /// `DE`, `SE`, an ISO 3166-2 code such as `DE-SN` or `SE-AB`, or a five-digit AGS such as `14713`; use it in filters.
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// Level in the hierarchy.
    async fn level(&self) -> RegionLevel {
        self.0.level
    }

    /// Name in the given language.
    async fn label(
        &self,
        #[graphql(default, desc = "Language of the label (default English).")] lang: Lang,
    ) -> &str {
        match lang {
            Lang::De => &self.0.name_de,
            Lang::En => &self.0.name_en,
            Lang::Sv => &self.0.name_sv,
        }
    }

    /// The region this one belongs to (none for a country).
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        let reference = reference(ctx)?;
        Ok(self
            .0
            .parent_code
            .as_deref()
            .and_then(|c| reference.regions.get(c))
            .map(|r| Region(r.clone())))
    }

    /// The regions directly below this one, by code.
    async fn children(&self, ctx: &Context<'_>) -> Result<Vec<Region>> {
        Ok(reference(ctx)?
            .regions
            .children(&self.0.code)
            .into_iter()
            .map(|r| Region(r.clone()))
            .collect())
    }
}
