//! Keys of an external IdP: discovered from its metadata, cached, and fetched again when
//! a token names a key the cache does not know — at most once per cooldown, so a flood
//! of forged `kid`s cannot turn the hub into a load generator against the IdP.

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A verification key and the algorithms it may verify.
#[derive(Clone)]
pub struct KeyEntry {
    pub key: DecodingKey,
    pub algorithms: Vec<Algorithm>,
}

/// What the hub reads from the IdP's metadata (RFC 8414 / OpenID Connect Discovery).
#[derive(Debug, Clone, Deserialize)]
pub struct IdpMetadata {
    pub issuer: String,
    pub jwks_uri: String,
    #[serde(default)]
    pub introspection_endpoint: Option<String>,
    #[serde(default)]
    pub token_endpoint: Option<String>,
}

struct FetchState {
    metadata: Option<IdpMetadata>,
    last_fetch: Option<Instant>,
}

/// The JWKS of an external issuer.
pub struct RemoteJwks {
    http: reqwest::Client,
    issuer: String,
    cooldown: Duration,
    keys: RwLock<HashMap<String, KeyEntry>>,
    fetch: tokio::sync::Mutex<FetchState>,
    fetches: AtomicU64,
}

/// Algorithms a JWK may verify: the one it names, or those of its key type. Symmetric
/// keys are never accepted from a JWKS.
pub fn algorithms_for(params: &AlgorithmParameters, named: Option<KeyAlgorithm>) -> Vec<Algorithm> {
    let by_type: Vec<Algorithm> = match params {
        AlgorithmParameters::EllipticCurve(ec) => match ec.curve {
            EllipticCurve::P256 => vec![Algorithm::ES256],
            EllipticCurve::P384 => vec![Algorithm::ES384],
            _ => vec![],
        },
        AlgorithmParameters::RSA(_) => vec![
            Algorithm::RS256,
            Algorithm::RS384,
            Algorithm::RS512,
            Algorithm::PS256,
            Algorithm::PS384,
            Algorithm::PS512,
        ],
        AlgorithmParameters::OctetKeyPair(_) => vec![Algorithm::EdDSA],
        // Symmetric keys (and kinds this version does not know) verify nothing here.
        _ => vec![],
    };
    match named.and_then(|n| n.to_string().parse::<Algorithm>().ok()) {
        Some(alg) if by_type.contains(&alg) => vec![alg],
        Some(_) => vec![],
        None => by_type,
    }
}

fn parse_set(set: &JwkSet) -> HashMap<String, KeyEntry> {
    set.keys
        .iter()
        .filter(|jwk| {
            // Keys marked for encryption are not for verifying signatures.
            !matches!(
                jwk.common.public_key_use,
                Some(jsonwebtoken::jwk::PublicKeyUse::Encryption)
            )
        })
        .filter_map(|jwk| {
            let algorithms = algorithms_for(&jwk.algorithm, jwk.common.key_algorithm);
            let key = DecodingKey::from_jwk(jwk).ok()?;
            let kid = jwk.common.key_id.clone().unwrap_or_default();
            (!algorithms.is_empty()).then_some((kid, KeyEntry { key, algorithms }))
        })
        .collect()
}

impl RemoteJwks {
    pub fn new(http: reqwest::Client, issuer: String, cooldown: Duration) -> RemoteJwks {
        RemoteJwks {
            http,
            issuer,
            cooldown,
            keys: RwLock::new(HashMap::new()),
            fetch: tokio::sync::Mutex::new(FetchState {
                metadata: None,
                last_fetch: None,
            }),
            fetches: AtomicU64::new(0),
        }
    }

    /// How many times the JWKS has been fetched (for operators and tests).
    pub fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::SeqCst)
    }

    fn cached(&self, kid: Option<&str>) -> Option<KeyEntry> {
        let keys = self.keys.read().ok()?;
        match kid {
            Some(kid) => keys.get(kid).cloned(),
            // A token without `kid` is acceptable only while the IdP has one key.
            None if keys.len() == 1 => keys.values().next().cloned(),
            None => None,
        }
    }

    /// The issuer's metadata (discovered once, then kept).
    pub async fn metadata(&self) -> Result<IdpMetadata, String> {
        let mut state = self.fetch.lock().await;
        self.discover(&mut state).await
    }

    async fn discover(&self, state: &mut FetchState) -> Result<IdpMetadata, String> {
        if let Some(m) = &state.metadata {
            return Ok(m.clone());
        }
        let base = self.issuer.trim_end_matches('/');
        let mut last_error = String::new();
        for path in [
            "/.well-known/openid-configuration",
            "/.well-known/oauth-authorization-server",
        ] {
            let url = format!("{base}{path}");
            match self.http.get(&url).send().await {
                Ok(resp) if resp.status().is_success() => {
                    let metadata: IdpMetadata =
                        resp.json().await.map_err(|e| format!("{url}: {e}"))?;
                    // RFC 8414 §3.3: the metadata must name exactly the configured issuer.
                    if metadata.issuer != self.issuer {
                        return Err(format!(
                            "{url} names issuer `{}`, expected `{}`",
                            metadata.issuer, self.issuer
                        ));
                    }
                    state.metadata = Some(metadata.clone());
                    return Ok(metadata);
                }
                Ok(resp) => last_error = format!("{url}: HTTP {}", resp.status()),
                Err(e) => last_error = format!("{url}: {e}"),
            }
        }
        Err(format!("cannot discover the IdP: {last_error}"))
    }

    /// The key for `kid`, fetching the JWKS again if it is unknown and the cooldown has
    /// passed.
    pub async fn key(&self, kid: Option<&str>) -> Result<Option<KeyEntry>, String> {
        if let Some(entry) = self.cached(kid) {
            return Ok(Some(entry));
        }
        let mut state = self.fetch.lock().await;
        // Another request may have fetched while this one waited for the lock.
        if let Some(entry) = self.cached(kid) {
            return Ok(Some(entry));
        }
        if state
            .last_fetch
            .is_some_and(|t| t.elapsed() < self.cooldown)
        {
            return Ok(None);
        }
        let metadata = self.discover(&mut state).await?;
        state.last_fetch = Some(Instant::now());
        self.fetches.fetch_add(1, Ordering::SeqCst);
        let resp = self
            .http
            .get(&metadata.jwks_uri)
            .send()
            .await
            .map_err(|e| format!("{}: {e}", metadata.jwks_uri))?;
        if !resp.status().is_success() {
            return Err(format!("{}: HTTP {}", metadata.jwks_uri, resp.status()));
        }
        let set: JwkSet = resp
            .json()
            .await
            .map_err(|e| format!("{}: {e}", metadata.jwks_uri))?;
        let parsed = parse_set(&set);
        tracing::info!(keys = parsed.len(), "fetched the IdP's JWKS");
        if let Ok(mut keys) = self.keys.write() {
            *keys = parsed;
        }
        Ok(self.cached(kid))
    }
}
