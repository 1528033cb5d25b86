//! Scope guards declared on GraphQL fields: `#[graphql(guard = "RequireScope(Scope::CoursesWrite)")]`.

use super::scopes::Scope;
use crate::error::AppError;
use crate::graphql::request;
use async_graphql::{Context, Guard, Result};

/// Passes when the caller's token grants the scope: `UNAUTHENTICATED` without a token,
/// `FORBIDDEN` with a token that lacks it.
pub struct RequireScope(pub Scope);

impl Guard for RequireScope {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        let principal = &request(ctx)?.principal;
        if principal.client().is_none() {
            return Err(
                AppError::Unauthenticated("this operation needs a bearer token".into()).into(),
            );
        }
        if !principal.has_scope(self.0) {
            return Err(AppError::Forbidden(format!(
                "this operation needs the scope `{}`",
                self.0
            ))
            .into());
        }
        Ok(())
    }
}
