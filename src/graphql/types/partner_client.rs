//! `PartnerClient`.

use super::Organisation;
use crate::graphql::request;
use async_graphql::{Context, Object, Result};
use chrono::{DateTime, Utc};
use entity::partner_client;

/// GraphQL view of a `partner_client` row.
pub struct PartnerClient(pub partner_client::Model);

/// An OAuth2 client of a partner (operators only).
#[Object]
impl PartnerClient {
    /// The OAuth2 `client_id`.
    async fn client_id(&self) -> &str {
        &self.0.client_id
    }

    /// What the client is, in the operator's words.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The organisation the client acts for.
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let Some(id) = self.0.organisation_id else {
            return Ok(None);
        };
        Ok(request(ctx)?
            .loaders
            .organisation
            .load_one(id)
            .await?
            .map(Organisation))
    }

    /// Scopes the client may request.
    async fn scopes(&self) -> Vec<&str> {
        self.0.scopes.split_whitespace().collect()
    }

    /// When the client was registered.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the client was revoked, if it was.
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
}
