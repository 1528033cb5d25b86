//! Who is calling: OAuth2 bearer tokens from the built-in issuer or an external IdP,
//! verified by one `Verifier`, turned into the per-request `Principal`. The GraphQL
//! scope guards that read it are `graphql::guard`.

pub mod issuer;
pub mod jwks;
pub mod keys;
pub mod principal;
pub mod scopes;
pub mod verifier;

pub use principal::{Client, OrgRef, Principal};
pub use scopes::{Scope, ScopeRequirement, ScopeSet};

use crate::config::AuthArgs;
use crate::error::AppResult;
use crate::id::{self, NodeType};
use entity::{organisation, partner_client};
use issuer::Issuer;
use jwks::RemoteJwks;
use keys::KeyStore;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::sync::Arc;
use verifier::{Introspection, KeySource, TokenError, VerifiedToken, Verifier};

/// Seconds a retired signing key stays published: a token's lifetime plus clock leeway.
fn retention(args: &AuthArgs) -> chrono::Duration {
    chrono::Duration::seconds((args.token_ttl_secs + verifier::LEEWAY_SECS) as i64)
}

/// An HTTP client for the IdP: short timeouts, no redirects (RFC 6749 §10.6 spirit).
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default()
}

/// Token verification, and the built-in issuer when the hub is its own IdP.
pub struct Auth {
    pub verifier: Verifier,
    /// `None` in external IdP mode: the hub then issues no tokens.
    pub issuer: Option<Issuer>,
}

impl Auth {
    /// Builds the verifier (and issuer) the configuration asks for.
    pub fn from_args(args: &AuthArgs) -> AppResult<Auth> {
        let audience = args.audience();
        match &args.oauth_issuer {
            Some(issuer) => {
                let http = http_client();
                let remote = Arc::new(RemoteJwks::new(
                    http.clone(),
                    issuer.clone(),
                    std::time::Duration::from_secs(args.jwks_refetch_cooldown_secs),
                    std::time::Duration::from_secs(args.jwks_max_age_secs),
                ));
                let introspection = match (&args.oauth_client_id, &args.oauth_client_secret) {
                    (Some(id), Some(secret)) => Some(Introspection {
                        client_id: id.clone(),
                        client_secret: secret.clone(),
                        http,
                    }),
                    _ => None,
                };
                Ok(Auth {
                    verifier: Verifier {
                        issuer: issuer.clone(),
                        audience,
                        organisation_claim: args.organisation_claim.clone(),
                        keys: KeySource::Remote(remote),
                        introspection,
                        cache: Default::default(),
                    },
                    issuer: None,
                })
            }
            None => {
                let store = Arc::new(KeyStore::open(&args.signing_key_path)?);
                let issuer = args.builtin_issuer();
                Ok(Auth {
                    verifier: Verifier {
                        issuer: issuer.clone(),
                        audience: audience.clone(),
                        organisation_claim: args.organisation_claim.clone(),
                        keys: KeySource::Local {
                            store: store.clone(),
                            retention: retention(args),
                        },
                        introspection: None,
                        cache: Default::default(),
                    },
                    issuer: Some(Issuer {
                        keys: store,
                        issuer,
                        audience,
                        ttl_secs: args.token_ttl_secs,
                        organisation_claim: args.organisation_claim.clone(),
                    }),
                })
            }
        }
    }

    /// The JWKS refetch counter in external IdP mode.
    pub fn remote_jwks(&self) -> Option<&RemoteJwks> {
        match &self.verifier.keys {
            KeySource::Remote(r) => Some(r),
            KeySource::Local { .. } => None,
        }
    }

    /// Published keys of the built-in issuer (active and recently retired).
    pub fn jwks(&self) -> Option<jsonwebtoken::jwk::JwkSet> {
        match &self.verifier.keys {
            KeySource::Local { store, retention } => Some(store.jwks(*retention)),
            KeySource::Remote(_) => None,
        }
    }

    /// The principal for an `Authorization` header value (`None`: anonymous).
    pub async fn principal(
        &self,
        db: &DatabaseConnection,
        authorization: Option<&str>,
    ) -> Result<Principal, TokenError> {
        let Some(value) = authorization else {
            return Ok(Principal::Anonymous);
        };
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| TokenError("use `Authorization: Bearer <access token>`".into()))?;
        let verified = self.verifier.verify(token).await?;
        resolve(db, verified).await
    }
}

/// Looks up the client and organisation a verified token names. A revoked client's
/// tokens stop working at once; an organisation claim must name an existing
/// organisation; without the claim, the client's registration names it.
async fn resolve(db: &DatabaseConnection, token: VerifiedToken) -> Result<Principal, TokenError> {
    let internal = |e: sea_orm::DbErr| {
        tracing::error!(error = %e, "looking up a token's client");
        TokenError("the token could not be checked".into())
    };
    let registered = partner_client::Entity::find()
        .filter(partner_client::Column::ClientId.eq(token.client_id.as_str()))
        .find_also_related(organisation::Entity)
        .one(db)
        .await
        .map_err(internal)?;
    if registered
        .as_ref()
        .is_some_and(|(c, _)| c.revoked_at.is_some())
    {
        return Err(TokenError("the client has been revoked".into()));
    }
    let organisation = match &token.organisation {
        Some(claim) => {
            let org_id = claim
                .parse::<i64>()
                .ok()
                .or_else(|| id::decode_as(claim, NodeType::Organisation, "organisation").ok())
                .ok_or_else(|| {
                    TokenError("the organisation claim is not an organisation id".into())
                })?;
            match registered
                .as_ref()
                .and_then(|(_, o)| o.clone())
                .filter(|o| o.id == org_id)
            {
                Some(org) => Some(org),
                None => Some(
                    organisation::Entity::find_by_id(org_id)
                        .one(db)
                        .await
                        .map_err(internal)?
                        .ok_or_else(|| {
                            TokenError("the organisation claim names no known organisation".into())
                        })?,
                ),
            }
        }
        None => registered.and_then(|(_, o)| o),
    };
    Ok(Principal::Client(Arc::new(Client {
        client_id: token.client_id,
        subject: token.subject,
        organisation: organisation.map(|o| OrgRef {
            id: o.id,
            kind: o.kind,
        }),
        scopes: token.scopes,
        expires_at: token.expires_at,
    })))
}
