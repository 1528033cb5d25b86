//! `viewer`: who the caller is.

use crate::graphql::request;
use crate::graphql::types::Organisation;
use async_graphql::{Context, Object, Result};

/// The caller of this request.
pub struct Viewer;

/// Who is calling: the client, its organisation and the scopes of its token. Anonymous callers get `authenticated: false`.
#[Object]
impl Viewer {
    /// Whether the request carried a valid access token.
    async fn authenticated(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(request(ctx)?.principal.client().is_some())
    }

    /// The OAuth2 `client_id` of the token.
    async fn client(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(request(ctx)?
            .principal
            .client()
            .map(|c| c.client_id.clone()))
    }

    /// The organisation the client acts for.
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let req = request(ctx)?;
        let Some(org) = req.principal.organisation() else {
            return Ok(None);
        };
        Ok(req
            .loaders
            .organisation
            .load_one(org.id)
            .await?
            .map(Organisation))
    }

    /// Scopes granted to the token.
    async fn scopes(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        Ok(request(ctx)?
            .principal
            .client()
            .map(|c| c.scopes.iter().map(|s| s.as_str().to_owned()).collect())
            .unwrap_or_default())
    }
}

#[derive(Default)]
pub struct ViewerQuery;

#[Object]
impl ViewerQuery {
    /// Who the caller is.
    async fn viewer(&self) -> Viewer {
        Viewer
    }
}
