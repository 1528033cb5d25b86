//! `professions`, `profession`.

use crate::error::AppError;
use crate::graphql::reference;
use crate::graphql::types::Profession;
use async_graphql::{Context, Object, Result};

#[derive(Default)]
pub struct ProfessionQuery;

#[Object]
impl ProfessionQuery {
    /// All regulated health professions the hub knows.
    async fn professions(&self, ctx: &Context<'_>) -> Result<Vec<Profession>> {
        Ok(reference(ctx)?
            .professions
            .all()
            .iter()
            .map(|p| Profession(p.clone()))
            .collect())
    }

    /// The profession with this key (`nurse`, `physician`…); `null` with a `NOT_FOUND` error when there is none.
    async fn profession(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Profession key.")] key: String,
    ) -> Result<Option<Profession>> {
        reference(ctx)?
            .professions
            .get(key.trim())
            .map(|p| Profession(p.clone()))
            .map(Some)
            .ok_or_else(|| AppError::NotFound(format!("profession `{key}`")).into())
    }
}
