//! Scope guards declared on GraphQL fields: the one place that checks scopes.
//!
//! `#[graphql(guard = "RequireScopes::one(Scope::CoursesWrite)")]`; a field may ask for
//! all of several scopes (`all`) or any one of them (`any`), the two shapes of
//! Apollo's `@requiresScopes`.

use crate::auth::Scope;
use crate::error::AppError;
use crate::graphql::request;
use async_graphql::{Context, Guard, Result};

/// Passes when the caller's token grants the scopes: `UNAUTHENTICATED` without a token,
/// `FORBIDDEN` with a token that lacks them.
pub enum RequireScopes {
    /// Every one of these.
    All(&'static [Scope]),
    /// At least one of these.
    Any(&'static [Scope]),
}

impl RequireScopes {
    /// One scope.
    pub const fn one(scope: &'static Scope) -> Self {
        RequireScopes::All(std::slice::from_ref(scope))
    }

    /// Every scope of `scopes`.
    pub const fn all(scopes: &'static [Scope]) -> Self {
        RequireScopes::All(scopes)
    }

    /// At least one scope of `scopes`.
    pub const fn any(scopes: &'static [Scope]) -> Self {
        RequireScopes::Any(scopes)
    }
}

fn quoted(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(" or ")
}

impl Guard for RequireScopes {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        let principal = &request(ctx)?.principal;
        if principal.client().is_none() {
            return Err(
                AppError::Unauthenticated("this operation needs a bearer token".into()).into(),
            );
        }
        let missing = match self {
            RequireScopes::All(scopes) => scopes
                .iter()
                .find(|s| !principal.has_scope(**s))
                .map(|s| format!("the scope `{s}`")),
            RequireScopes::Any(scopes) => (!scopes.iter().any(|s| principal.has_scope(*s)))
                .then(|| format!("one of the scopes {}", quoted(scopes))),
        };
        match missing {
            Some(what) => Err(AppError::Forbidden(format!("this operation needs {what}")).into()),
            None => Ok(()),
        }
    }
}
