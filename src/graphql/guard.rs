//! Scope guards declared on GraphQL fields:
//! `#[graphql(guard = "RequireScopes::one(&Scope::CoursesWrite)")]`, or `all`/`any` of
//! several. The rule itself is `auth::ScopeRequirement`; services check roles and rows,
//! never scopes of an operation.

use crate::auth::{Scope, ScopeRequirement};
use crate::graphql::request;
use async_graphql::{Context, Guard, Result};

/// Passes when the caller's token grants the scopes: `UNAUTHENTICATED` without a token,
/// `FORBIDDEN` with a token that lacks them.
pub struct RequireScopes(pub ScopeRequirement);

impl RequireScopes {
    /// One scope.
    pub const fn one(scope: &'static Scope) -> Self {
        RequireScopes(ScopeRequirement::All(std::slice::from_ref(scope)))
    }

    /// Every scope of `scopes`.
    pub const fn all(scopes: &'static [Scope]) -> Self {
        RequireScopes(ScopeRequirement::All(scopes))
    }

    /// At least one scope of `scopes`.
    pub const fn any(scopes: &'static [Scope]) -> Self {
        RequireScopes(ScopeRequirement::Any(scopes))
    }
}

impl Guard for RequireScopes {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        Ok(self.0.check(&request(ctx)?.principal)?)
    }
}
