//! Signing keys of the built-in issuer: ES256 (P-256) keys, generated on first start and
//! persisted in a JSON file (mode 0600). Rotation adds a new active key and retires the
//! old one, which stays in the JWKS until every token it signed has expired.

use crate::error::{AppError, AppResult};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, EllipticCurve, EllipticCurveKeyParameters,
    EllipticCurveKeyType, Jwk, JwkSet, KeyAlgorithm, PublicKeyUse,
};
use jsonwebtoken::{DecodingKey, EncodingKey};
use p256::ecdsa::SigningKey;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::time::{Instant, SystemTime};

/// A key as stored on disk.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredKey {
    kid: String,
    created_at: DateTime<Utc>,
    retired_at: Option<DateTime<Utc>>,
    private_pem: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct KeyFile {
    keys: Vec<StoredKey>,
}

/// A key ready for use.
struct LoadedKey {
    kid: String,
    retired_at: Option<DateTime<Utc>>,
    encoding: EncodingKey,
    decoding: DecodingKey,
    jwk: Jwk,
}

struct Loaded {
    keys: Vec<LoadedKey>,
    modified: Option<SystemTime>,
    checked: Instant,
}

/// The issuer's key set, backed by a file.
pub struct KeyStore {
    path: PathBuf,
    loaded: RwLock<Loaded>,
}

fn key_error(what: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("signing keys: {what}"))
}

fn generate() -> AppResult<StoredKey> {
    use rand::RngCore;
    let signing = loop {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        // Almost every 32-byte string is a valid scalar; retry the rare one that is not.
        if let Ok(k) = SigningKey::from_bytes(&bytes.into()) {
            break k;
        }
    };
    let pem = signing.to_pkcs8_pem(LineEnding::LF).map_err(key_error)?;
    let (x, y) = coordinates(&signing);
    Ok(StoredKey {
        kid: thumbprint(&x, &y),
        created_at: Utc::now(),
        retired_at: None,
        private_pem: pem.to_string(),
    })
}

/// Base64url x and y coordinates of the public key.
fn coordinates(signing: &SigningKey) -> (String, String) {
    let point = signing.verifying_key().to_encoded_point(false);
    let x = point
        .x()
        .map(|x| URL_SAFE_NO_PAD.encode(x))
        .unwrap_or_default();
    let y = point
        .y()
        .map(|y| URL_SAFE_NO_PAD.encode(y))
        .unwrap_or_default();
    (x, y)
}

/// RFC 7638 JWK thumbprint, used as `kid`.
fn thumbprint(x: &str, y: &str) -> String {
    let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

fn load_key(stored: &StoredKey) -> AppResult<LoadedKey> {
    let signing = SigningKey::from_pkcs8_pem(&stored.private_pem).map_err(key_error)?;
    let (x, y) = coordinates(&signing);
    let encoding = EncodingKey::from_ec_pem(stored.private_pem.as_bytes()).map_err(key_error)?;
    let decoding = DecodingKey::from_ec_components(&x, &y).map_err(key_error)?;
    let jwk = Jwk {
        common: CommonParameters {
            public_key_use: Some(PublicKeyUse::Signature),
            key_algorithm: Some(KeyAlgorithm::ES256),
            key_id: Some(stored.kid.clone()),
            ..Default::default()
        },
        algorithm: AlgorithmParameters::EllipticCurve(EllipticCurveKeyParameters {
            key_type: EllipticCurveKeyType::EC,
            curve: EllipticCurve::P256,
            x,
            y,
        }),
    };
    Ok(LoadedKey {
        kid: stored.kid.clone(),
        retired_at: stored.retired_at,
        encoding,
        decoding,
        jwk,
    })
}

fn read_file(path: &Path) -> AppResult<(KeyFile, Option<SystemTime>)> {
    let text =
        std::fs::read_to_string(path).map_err(|e| key_error(format!("{}: {e}", path.display())))?;
    let file: KeyFile =
        serde_json::from_str(&text).map_err(|e| key_error(format!("{}: {e}", path.display())))?;
    let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
    Ok((file, modified))
}

fn write_file(path: &Path, file: &KeyFile) -> AppResult<()> {
    use std::io::Write;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(key_error)?;
    }
    let tmp = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut out = options.open(&tmp).map_err(key_error)?;
    out.write_all(
        serde_json::to_string_pretty(file)
            .map_err(key_error)?
            .as_bytes(),
    )
    .and_then(|_| out.sync_all())
    .map_err(key_error)?;
    // Rename is atomic: a reader sees the old or the new key set, never half of one.
    std::fs::rename(&tmp, path).map_err(key_error)
}

/// Creates the key file unless it exists; false when another process created it first.
/// Two hubs started at the same moment must end up with the same key file, not each
/// overwrite the other's: the file is written under a name of its own and then linked
/// into place, which fails if the name is already taken.
fn create_file(path: &Path, file: &KeyFile) -> AppResult<bool> {
    let mut own = path.as_os_str().to_owned();
    own.push(format!(".{}.new", std::process::id()));
    let own = PathBuf::from(own);
    write_file(&own, file)?;
    let linked = std::fs::hard_link(&own, path);
    let _ = std::fs::remove_file(&own);
    match linked {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(key_error(format!("{}: {e}", path.display()))),
    }
}

impl KeyStore {
    /// Opens the key file at `path`, creating it with a fresh key if it does not exist.
    pub fn open(path: impl Into<PathBuf>) -> AppResult<KeyStore> {
        let path = path.into();
        if !path.exists()
            && create_file(
                &path,
                &KeyFile {
                    keys: vec![generate()?],
                },
            )?
        {
            tracing::info!(path = %path.display(), "generated a signing key for the built-in issuer");
        }
        let store = KeyStore {
            path,
            loaded: RwLock::new(Loaded {
                keys: Vec::new(),
                modified: None,
                checked: Instant::now(),
            }),
        };
        store.reload()?;
        Ok(store)
    }

    fn reload(&self) -> AppResult<()> {
        let (file, modified) = read_file(&self.path)?;
        let keys = file
            .keys
            .iter()
            .map(load_key)
            .collect::<AppResult<Vec<_>>>()?;
        if !keys.iter().any(|k| k.retired_at.is_none()) {
            return Err(key_error("the key file has no active key"));
        }
        let mut loaded = self
            .loaded
            .write()
            .map_err(|_| key_error("lock poisoned"))?;
        *loaded = Loaded {
            keys,
            modified,
            checked: Instant::now(),
        };
        Ok(())
    }

    /// Picks up a rotation done by another process (`knotenpunkt keys rotate`); the file
    /// is looked at no more than once a second.
    fn refresh(&self) {
        let stale = self
            .loaded
            .read()
            .map(|l| l.checked.elapsed().as_secs() >= 1)
            .unwrap_or(false);
        if !stale {
            return;
        }
        let on_disk = std::fs::metadata(&self.path)
            .and_then(|m| m.modified())
            .ok();
        let known = self.loaded.read().ok().and_then(|l| l.modified);
        if on_disk != known
            && let Err(err) = self.reload()
        {
            tracing::error!(error = ?err, "could not reload signing keys; keeping the current ones");
        }
        if let Ok(mut l) = self.loaded.write() {
            l.checked = Instant::now();
        }
    }

    /// The active key: its id and signing key.
    pub fn signing_key(&self) -> AppResult<(String, EncodingKey)> {
        self.refresh();
        let loaded = self.loaded.read().map_err(|_| key_error("lock poisoned"))?;
        loaded
            .keys
            .iter()
            .find(|k| k.retired_at.is_none())
            .map(|k| (k.kid.clone(), k.encoding.clone()))
            .ok_or_else(|| key_error("no active key"))
    }

    /// Keys whose tokens may still be valid: the active one and those retired less
    /// than `retention` ago.
    fn live(&self, retention: Duration) -> Vec<(String, DecodingKey, Jwk)> {
        self.refresh();
        let cutoff = Utc::now() - retention;
        self.loaded
            .read()
            .map(|l| {
                l.keys
                    .iter()
                    .filter(|k| k.retired_at.is_none_or(|r| r > cutoff))
                    .map(|k| (k.kid.clone(), k.decoding.clone(), k.jwk.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The public JWKS.
    pub fn jwks(&self, retention: Duration) -> JwkSet {
        JwkSet {
            keys: self
                .live(retention)
                .into_iter()
                .map(|(_, _, jwk)| jwk)
                .collect(),
        }
    }

    /// The verification key with id `kid`, if it is live.
    pub fn decoding_key(&self, kid: &str, retention: Duration) -> Option<DecodingKey> {
        self.live(retention)
            .into_iter()
            .find(|(k, _, _)| k == kid)
            .map(|(_, d, _)| d)
    }

    /// Adds a new active key and retires the current one; returns the new key id.
    pub fn rotate(&self) -> AppResult<String> {
        let (mut file, _) = read_file(&self.path)?;
        let now = Utc::now();
        for key in file.keys.iter_mut().filter(|k| k.retired_at.is_none()) {
            key.retired_at = Some(now);
        }
        // Keys retired long ago are of no use to anyone; keep the file small.
        file.keys
            .retain(|k| k.retired_at.is_none_or(|r| now - r < Duration::days(7)));
        let fresh = generate()?;
        let kid = fresh.kid.clone();
        file.keys.push(fresh);
        write_file(&self.path, &file)?;
        self.reload()?;
        Ok(kid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_created_persisted_and_rotated() {
        let dir = std::env::temp_dir().join(format!("kp-keys-{}", std::process::id()));
        let path = dir.join("keys.json");
        let _ = std::fs::remove_file(&path);
        let store = KeyStore::open(&path).unwrap();
        let (kid, _) = store.signing_key().unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        // Reopening finds the same key.
        assert_eq!(KeyStore::open(&path).unwrap().signing_key().unwrap().0, kid);
        let new_kid = store.rotate().unwrap();
        assert_ne!(new_kid, kid);
        assert_eq!(store.signing_key().unwrap().0, new_kid);
        let window = Duration::minutes(16);
        let jwks = store.jwks(window);
        assert_eq!(
            jwks.keys.len(),
            2,
            "the retired key stays published while its tokens live"
        );
        assert!(store.decoding_key(&kid, window).is_some());
        assert_eq!(
            store.jwks(Duration::zero()).keys.len(),
            1,
            "and leaves once they have expired"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
