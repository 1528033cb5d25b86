//! Partner clients: registration (secret shown once, stored as an argon2id hash),
//! authentication at the token endpoint, listing and revocation.

use crate::auth::scopes::{Scope, ScopeSet};
use crate::error::{AppError, AppResult};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use entity::{organisation, partner_client};
use rand::RngCore;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::sync::OnceLock;

/// What registering a client returns: the stored row and the secret, which is never
/// shown again.
#[derive(Debug, Clone)]
pub struct Registered {
    pub client: partner_client::Model,
    pub secret: Option<String>,
}

/// A new client: for the built-in issuer (`external_client_id: None`, a secret is
/// generated) or a mapping for a client of an external IdP.
#[derive(Debug, Clone)]
pub struct NewClient {
    pub name: String,
    pub organisation_id: Option<i64>,
    pub scopes: String,
    pub external_client_id: Option<String>,
}

fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// Argon2id with the crate's recommended parameters (19 MiB, 2 passes).
pub fn hash_secret(secret: &str) -> AppResult<String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt =
        SaltString::encode_b64(&salt).map_err(|e| AppError::Internal(format!("salt: {e}")))?;
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("hashing a secret: {e}")))
}

fn verify_secret(secret: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(secret.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash that matches no secret, verified when the client is unknown so that an
/// unknown client id takes as long to refuse as a wrong secret.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_secret(&random_token(32)).unwrap_or_default())
}

/// Checks the scopes a client may hold: known names, at least one, and scopes other
/// than `admin` only for a client acting for an organisation.
pub fn check_scopes(scopes: &str, has_organisation: bool) -> AppResult<ScopeSet> {
    let set = ScopeSet::parse_strict(scopes).map_err(|unknown| {
        AppError::bad_input("scopes", format!("unknown scopes: {}", unknown.join(", ")))
    })?;
    if set.is_empty() {
        return Err(AppError::bad_input(
            "scopes",
            "a client needs at least one scope",
        ));
    }
    if !has_organisation && set.iter().any(|s| s != Scope::Admin) {
        return Err(AppError::bad_input(
            "organisation",
            "only an `admin` client may act without an organisation",
        ));
    }
    Ok(set)
}

/// Registers a client. Secrets are 256 random bits; the hash is computed off the async
/// runtime.
pub async fn register(db: &impl ConnectionTrait, new: NewClient) -> AppResult<Registered> {
    let name = new.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::bad_input(
            "name",
            "a client needs a name of 1 to 200 characters",
        ));
    }
    let scopes = check_scopes(&new.scopes, new.organisation_id.is_some())?;
    if let Some(org) = new.organisation_id
        && organisation::Entity::find_by_id(org)
            .one(db)
            .await?
            .is_none()
    {
        return Err(AppError::bad_input(
            "organisation",
            format!("no organisation with id {org}"),
        ));
    }
    let (client_id, secret) = match new.external_client_id {
        Some(id) => {
            let id = id.trim().to_owned();
            if id.is_empty() || id.len() > 128 {
                return Err(AppError::bad_input(
                    "clientId",
                    "an external client id has 1 to 128 characters",
                ));
            }
            (id, None)
        }
        None => (format!("kp_{}", random_token(12)), Some(random_token(32))),
    };
    if partner_client::Entity::find()
        .filter(partner_client::Column::ClientId.eq(client_id.as_str()))
        .one(db)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict(format!(
            "a client `{client_id}` is already registered"
        )));
    }
    let secret_hash = match &secret {
        Some(s) => {
            let s = s.clone();
            Some(
                tokio::task::spawn_blocking(move || hash_secret(&s))
                    .await
                    .map_err(|e| AppError::Internal(format!("hashing task: {e}")))??,
            )
        }
        None => None,
    };
    let client = partner_client::Entity::insert(partner_client::ActiveModel {
        client_id: Set(client_id),
        name: Set(name),
        organisation_id: Set(new.organisation_id),
        scopes: Set(scopes.to_string()),
        secret_hash: Set(secret_hash),
        created_at: Set(Utc::now()),
        revoked_at: Set(None),
        ..Default::default()
    })
    .exec_with_returning(db)
    .await?;
    Ok(Registered { client, secret })
}

/// The client with this id and secret, if it exists, has a secret and is not revoked.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    client_id: &str,
    secret: &str,
) -> AppResult<Option<partner_client::Model>> {
    let client = partner_client::Entity::find()
        .filter(partner_client::Column::ClientId.eq(client_id))
        .filter(partner_client::Column::RevokedAt.is_null())
        .one(db)
        .await?;
    let hash = client
        .as_ref()
        .and_then(|c| c.secret_hash.clone())
        .unwrap_or_else(|| decoy_hash().to_owned());
    let secret = secret.to_owned();
    let ok = tokio::task::spawn_blocking(move || verify_secret(&secret, &hash))
        .await
        .map_err(|e| AppError::Internal(format!("verification task: {e}")))?;
    Ok(client.filter(|c| ok && c.secret_hash.is_some()))
}

/// All clients, newest last.
pub async fn list(db: &impl ConnectionTrait) -> AppResult<Vec<partner_client::Model>> {
    Ok(partner_client::Entity::find()
        .order_by_asc(partner_client::Column::Id)
        .all(db)
        .await?)
}

/// The client with this `client_id`.
pub async fn find(
    db: &impl ConnectionTrait,
    client_id: &str,
) -> AppResult<Option<partner_client::Model>> {
    Ok(partner_client::Entity::find()
        .filter(partner_client::Column::ClientId.eq(client_id))
        .one(db)
        .await?)
}

/// Revokes a client: it gets no new tokens, and its current tokens stop working on the
/// next request. Revoking twice is harmless.
pub async fn revoke(
    db: &impl ConnectionTrait,
    client_id: &str,
) -> AppResult<partner_client::Model> {
    let client = find(db, client_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("client `{client_id}`")))?;
    if client.revoked_at.is_some() {
        return Ok(client);
    }
    let mut active: partner_client::ActiveModel = client.into();
    active.revoked_at = Set(Some(Utc::now()));
    Ok(sea_orm::ActiveModelTrait::update(active, db).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_verify_only_against_their_hash() {
        let hash = hash_secret("s3cret").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_secret("s3cret", &hash));
        assert!(!verify_secret("s3cret!", &hash));
        assert!(!verify_secret("s3cret", decoy_hash()));
    }

    #[test]
    fn scopes_are_checked() {
        assert!(check_scopes("courses:write", true).is_ok());
        assert_eq!(
            check_scopes("courses:write root", true).unwrap_err().code(),
            "BAD_USER_INPUT"
        );
        assert!(check_scopes("", true).is_err());
        assert!(check_scopes("admin", false).is_ok());
        assert!(check_scopes("courses:write", false).is_err());
    }
}
