//! The caller of a request, attached by the HTTP layer and read by guards and row
//! rules. Anonymous callers read the public catalogue only.

use super::scopes::{Scope, ScopeSet};
use entity::organisation::OrganisationKind;
use std::sync::Arc;

/// The organisation a client acts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrgRef {
    pub id: i64,
    pub kind: OrganisationKind,
}

/// A verified client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    /// OAuth2 `client_id`.
    pub client_id: String,
    /// Token subject (`sub`).
    pub subject: String,
    /// The partner organisation, if the client acts for one.
    pub organisation: Option<OrgRef>,
    /// Scopes granted to this token.
    pub scopes: ScopeSet,
    /// When the token expires (unix seconds), if it says: a live subscription ends then.
    pub expires_at: Option<i64>,
}

/// The caller of one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Principal {
    /// No token: the public catalogue (regions, professions, organisations' public
    /// profiles, courses and runs).
    #[default]
    Anonymous,
    /// A partner client with a verified token.
    Client(Arc<Client>),
}

impl Principal {
    /// The verified client, if any.
    pub fn client(&self) -> Option<&Client> {
        match self {
            Principal::Anonymous => None,
            Principal::Client(c) => Some(c),
        }
    }

    /// Whether the token grants `scope`.
    pub fn has_scope(&self, scope: Scope) -> bool {
        self.client().is_some_and(|c| c.scopes.contains(scope))
    }

    /// The organisation the caller acts for.
    pub fn organisation(&self) -> Option<OrgRef> {
        self.client().and_then(|c| c.organisation)
    }
}
