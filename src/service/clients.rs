//! Partner clients: registration (secret shown once, stored as an argon2id hash),
//! authentication at the token endpoint, listing and revocation.

use crate::auth::scopes::{Scope, ScopeSet};
use crate::error::{AppError, AppResult};
use argon2::password_hash::{Output, PasswordHash, PasswordHasher, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use entity::{organisation, partner_client};
use rand::RngCore;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

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

/// Whether `secret` matches the PHC string `hash`, computed in `memory` (grown to what
/// the hash's parameters need, and kept for the next verification). What
/// `PasswordVerifier::verify_password` does, except that it allocates 19 MiB anew every
/// time, which a flood of requests turns into memory the allocator keeps.
fn verify_secret(secret: &str, hash: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(expected), Some(salt)) = (parsed.hash, parsed.salt) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
    ) else {
        return false;
    };
    let Ok(version) = parsed
        .version
        .map_or(Ok(Version::default()), Version::try_from)
    else {
        return false;
    };
    let mut salt_bytes = [0u8; Salt::MAX_LENGTH];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    if memory.len() < params.block_count() {
        memory.resize(params.block_count(), Block::default());
    }
    let mut out = [0u8; Output::MAX_LENGTH];
    let out = &mut out[..expected.len()];
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(secret.as_bytes(), salt, out, memory.as_mut_slice())
        .is_ok()
        // `Output` compares in constant time.
        && Output::new(out).is_ok_and(|actual| actual == expected)
}

/// Verifies client secrets at the token endpoint without letting a flood of them take
/// the machine: argon2id needs 19 MiB and tens of milliseconds of CPU per verification,
/// so at most one runs per core (the others wait for a permit, holding no memory), each
/// on a blocking thread, never on the async workers that serve everything else, and in
/// working memory allocated once per permit: the memory a flood can take is
/// `cores × 19 MiB`, however long it lasts.
pub struct SecretVerifier {
    permits: Semaphore,
    /// Argon2 working memory, one buffer per permit (empty until first used).
    memory: Mutex<Vec<Vec<Block>>>,
    /// A hash that matches no secret, verified when the client is unknown so that an
    /// unknown client id takes as long to refuse as a wrong secret. Computed once, at
    /// start, so the first unknown client id does not pay for it.
    decoy: Arc<str>,
}

impl SecretVerifier {
    /// One permit per core; computes the decoy hash (off the async workers).
    pub async fn new() -> AppResult<SecretVerifier> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let decoy = tokio::task::spawn_blocking(|| hash_secret(&random_token(32)))
            .await
            .map_err(|e| AppError::Internal(format!("hashing task: {e}")))??;
        Ok(SecretVerifier {
            permits: Semaphore::new(cores),
            memory: Mutex::new(vec![Vec::new(); cores]),
            decoy: Arc::from(decoy),
        })
    }

    fn buffers(&self) -> std::sync::MutexGuard<'_, Vec<Vec<Block>>> {
        // The buffers stay valid whatever panicked while the lock was held.
        self.memory.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether `secret` matches `hash` (the decoy when `None`, which never matches).
    async fn verify(&self, secret: &str, hash: Option<String>) -> AppResult<bool> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| AppError::Internal(format!("verification permits: {e}")))?;
        let known = hash.is_some();
        let hash = hash.map_or_else(|| self.decoy.clone(), Arc::from);
        let secret = secret.to_owned();
        // A permit guarantees a buffer; the lock is never held across an await.
        let mut memory = self.buffers().pop().unwrap_or_default();
        let (ok, memory) = tokio::task::spawn_blocking(move || {
            let ok = verify_secret(&secret, &hash, &mut memory);
            (ok, memory)
        })
        .await
        .map_err(|e| AppError::Internal(format!("verification task: {e}")))?;
        self.buffers().push(memory);
        Ok(ok && known)
    }
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
    verifier: &SecretVerifier,
    client_id: &str,
    secret: &str,
) -> AppResult<Option<partner_client::Model>> {
    let client = partner_client::Entity::find()
        .filter(partner_client::Column::ClientId.eq(client_id))
        .filter(partner_client::Column::RevokedAt.is_null())
        .one(db)
        .await?;
    let hash = client.as_ref().and_then(|c| c.secret_hash.clone());
    let ok = verifier.verify(secret, hash).await?;
    Ok(client.filter(|_| ok))
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

    #[tokio::test]
    async fn secrets_verify_only_against_their_hash() {
        let hash = hash_secret("s3cret").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        let mut memory = Vec::new();
        assert!(verify_secret("s3cret", &hash, &mut memory));
        assert!(!verify_secret("s3cret!", &hash, &mut memory));
        assert!(
            verify_secret("s3cret", &hash, &mut memory),
            "memory is reused"
        );
        assert!(!verify_secret("s3cret", "not a hash", &mut memory));
        let verifier = SecretVerifier::new().await.unwrap();
        assert!(!verify_secret("s3cret", &verifier.decoy, &mut memory));
        assert!(verifier.verify("s3cret", Some(hash)).await.unwrap());
        assert!(!verifier.verify("s3cret", None).await.unwrap());
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
