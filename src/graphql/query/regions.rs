//! `regions`, `region`.

use crate::error::AppError;
use crate::graphql::reference;
use crate::graphql::types::Region;
use async_graphql::{Context, Object, Result};
use entity::enums::RegionLevel;

#[derive(Default)]
pub struct RegionQuery;

#[Object]
impl RegionQuery {
    /// Regions by code, optionally only of one level and/or directly below one parent.
    async fn regions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only regions of this level.")] level: Option<RegionLevel>,
        #[graphql(desc = "Only regions directly below the region with this code.")] parent: Option<
            String,
        >,
    ) -> Result<Vec<Region>> {
        let reference = reference(ctx)?;
        if let Some(p) = &parent {
            reference.regions.require(p, "parent")?;
        }
        Ok(reference
            .regions
            .list(level, parent.as_deref())
            .into_iter()
            .map(|r| Region(r.clone()))
            .collect())
    }

    /// The region with this code (`DE-SN`, `SE-AB`, `14713`…); `null` with a `NOT_FOUND` error when there is none.
    async fn region(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Region code.")] code: String,
    ) -> Result<Option<Region>> {
        reference(ctx)?
            .regions
            .get(code.trim())
            .map(|r| Region(r.clone()))
            .map(Some)
            .ok_or_else(|| AppError::NotFound(format!("region `{code}`")).into())
    }
}
