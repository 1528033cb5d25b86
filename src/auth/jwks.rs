//! Keys of an external IdP: discovered from its metadata, cached for the JWKS answer's
//! `max-age` (so a key the IdP withdrew stops verifying), and fetched again when a token
//! names a key the cache does not know. Discovery and JWKS fetches, failed or not, are
//! tried at most once per cooldown each, so a flood of forged `kid`s or an IdP that is
//! down cannot turn the hub into a load generator against the IdP.

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

/// The keys of the last JWKS answer and how long they may be used without asking again.
#[derive(Default)]
struct KeySet {
    keys: HashMap<String, KeyEntry>,
    /// After this the set is stale: the next verification fetches it again.
    fresh_until: Option<Instant>,
}

impl KeySet {
    fn is_fresh(&self) -> bool {
        self.fresh_until.is_some_and(|t| Instant::now() < t)
    }

    fn get(&self, kid: Option<&str>) -> Option<KeyEntry> {
        match kid {
            Some(kid) => self.keys.get(kid).cloned(),
            // A token without `kid` is acceptable only while the IdP has one key.
            None if self.keys.len() == 1 => self.keys.values().next().cloned(),
            None => None,
        }
    }
}

struct FetchState {
    metadata: Option<IdpMetadata>,
    /// When discovery was last tried, whether it worked or not.
    last_discovery: Option<Instant>,
    /// When the JWKS was last asked for (including tries that failed in discovery).
    last_jwks_fetch: Option<Instant>,
    /// Why the last discovery failed, until one succeeds.
    discovery_error: Option<String>,
}

/// The JWKS of an external issuer.
pub struct RemoteJwks {
    http: reqwest::Client,
    issuer: String,
    cooldown: Duration,
    /// How long a JWKS answer without `Cache-Control: max-age` stays fresh.
    default_max_age: Duration,
    keys: RwLock<KeySet>,
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

/// The longest time a JWKS answer is used without asking again.
const MAX_AGE_LIMIT: Duration = Duration::from_secs(24 * 60 * 60);

/// What went wrong with a request to the IdP: reqwest's own message names only the URL,
/// the cause (refused, timed out, unknown host) is at the end of its source chain.
fn transport_error(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "timed out".to_owned();
    }
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// How long a JWKS answer may be used: its `Cache-Control: max-age`, else `default`.
/// `no-cache` and `no-store` alone do not shorten it: some IdPs send them on every
/// answer, and keys are kept by every verifier anyway.
fn max_age(headers: &reqwest::header::HeaderMap, default: Duration) -> Duration {
    use headers::{CacheControl, HeaderMapExt};
    headers
        .typed_get::<CacheControl>()
        .and_then(|cc| cc.max_age())
        .unwrap_or(default)
}

impl RemoteJwks {
    /// Keys of `issuer`, asked for at most once per `cooldown`, and kept for the JWKS
    /// answer's `max-age` (else `default_max_age`).
    pub fn new(
        http: reqwest::Client,
        issuer: String,
        cooldown: Duration,
        default_max_age: Duration,
    ) -> RemoteJwks {
        RemoteJwks {
            http,
            issuer,
            cooldown,
            default_max_age,
            keys: RwLock::new(KeySet::default()),
            fetch: tokio::sync::Mutex::new(FetchState {
                metadata: None,
                last_discovery: None,
                last_jwks_fetch: None,
                discovery_error: None,
            }),
            fetches: AtomicU64::new(0),
        }
    }

    /// The issuer URL the hub trusts.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// How many times the JWKS has been fetched (for operators and tests).
    pub fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::SeqCst)
    }

    /// How long the keys in hand stay fresh; a verification result must not be kept
    /// longer, or a key the IdP withdrew would go on verifying.
    pub fn fresh_for(&self) -> Duration {
        self.keys
            .read()
            .ok()
            .and_then(|k| k.fresh_until)
            .map(|t| t.saturating_duration_since(Instant::now()))
            .unwrap_or_default()
    }

    /// The key for `kid` from the set in hand, fresh or not.
    fn cached(&self, kid: Option<&str>) -> Option<KeyEntry> {
        self.keys.read().ok()?.get(kid)
    }

    /// The key for `kid` if the set in hand is fresh and has it.
    fn fresh(&self, kid: Option<&str>) -> Option<KeyEntry> {
        let keys = self.keys.read().ok()?;
        keys.is_fresh().then(|| keys.get(kid)).flatten()
    }

    /// Whether the last try (`last`) was less than a cooldown ago; if not, this call
    /// counts as the next try.
    fn cooling_down(&self, last: &mut Option<Instant>) -> bool {
        if last.is_some_and(|t| t.elapsed() < self.cooldown) {
            return true;
        }
        *last = Some(Instant::now());
        false
    }

    /// The issuer's metadata: discovered once, then kept. While discovery fails it is
    /// tried again at most once per cooldown; in between, the last failure is returned.
    pub async fn metadata(&self) -> Result<IdpMetadata, String> {
        let mut state = self.fetch.lock().await;
        self.discover(&mut state).await
    }

    async fn discover(&self, state: &mut FetchState) -> Result<IdpMetadata, String> {
        if let Some(m) = &state.metadata {
            return Ok(m.clone());
        }
        if self.cooling_down(&mut state.last_discovery) {
            return Err(state
                .discovery_error
                .clone()
                .unwrap_or_else(|| format!("{} is being discovered", self.issuer)));
        }
        match self.read_metadata().await {
            Ok(metadata) => {
                tracing::info!(issuer = %self.issuer, jwks_uri = %metadata.jwks_uri, "discovered the external IdP");
                state.discovery_error = None;
                state.metadata = Some(metadata.clone());
                Ok(metadata)
            }
            Err(e) => {
                tracing::warn!(issuer = %self.issuer, error = %e, "cannot discover the external IdP");
                state.discovery_error = Some(e.clone());
                Err(e)
            }
        }
    }

    async fn read_metadata(&self) -> Result<IdpMetadata, String> {
        let base = self.issuer.trim_end_matches('/');
        let mut failures = Vec::new();
        for path in [
            "/.well-known/openid-configuration",
            "/.well-known/oauth-authorization-server",
        ] {
            let url = format!("{base}{path}");
            match self.http.get(&url).send().await {
                Ok(resp) if resp.status().is_success() => {
                    let metadata: IdpMetadata = resp
                        .json()
                        .await
                        .map_err(|e| format!("{} not usable: {url}: {e}", self.issuer))?;
                    // RFC 8414 §3.3: the metadata must name exactly the configured issuer.
                    if metadata.issuer != self.issuer {
                        return Err(format!(
                            "{} not usable: {url} names issuer `{}`",
                            self.issuer, metadata.issuer
                        ));
                    }
                    return Ok(metadata);
                }
                Ok(resp) => failures.push(format!("{url} answered HTTP {}", resp.status())),
                // Both paths are on the same host: when one cannot be reached, neither can.
                Err(e) => {
                    return Err(format!(
                        "{} unreachable: {}",
                        self.issuer,
                        transport_error(&e)
                    ));
                }
            }
        }
        Err(format!(
            "{} not usable: {}",
            self.issuer,
            failures.join("; ")
        ))
    }

    /// The key for `kid`. The set in hand answers while it is fresh and knows the key;
    /// otherwise (stale set, unknown `kid`) the JWKS is fetched again, at most once per
    /// cooldown. If the IdP cannot be reached, a stale set still answers: keys are only
    /// withdrawn by an IdP that says so.
    pub async fn key(&self, kid: Option<&str>) -> Result<Option<KeyEntry>, String> {
        if let Some(entry) = self.fresh(kid) {
            return Ok(Some(entry));
        }
        let mut state = self.fetch.lock().await;
        // Another request may have fetched while this one waited for the lock.
        if let Some(entry) = self.fresh(kid) {
            return Ok(Some(entry));
        }
        if self.cooling_down(&mut state.last_jwks_fetch) {
            return Ok(self.cached(kid));
        }
        match self.refresh(&mut state).await {
            Ok(()) => Ok(self.cached(kid)),
            Err(e) => match self.cached(kid) {
                Some(stale) => {
                    tracing::warn!(error = %e, "cannot refresh the IdP's JWKS; using the keys fetched before");
                    Ok(Some(stale))
                }
                None => Err(e),
            },
        }
    }

    /// Fetches the JWKS (discovering the IdP first if needed) and replaces the set.
    async fn refresh(&self, state: &mut FetchState) -> Result<(), String> {
        let metadata = self.discover(state).await?;
        self.fetches.fetch_add(1, Ordering::SeqCst);
        let uri = &metadata.jwks_uri;
        let resp = self
            .http
            .get(uri)
            .send()
            .await
            .map_err(|e| format!("{uri}: {}", transport_error(&e)))?;
        if !resp.status().is_success() {
            return Err(format!("{uri}: HTTP {}", resp.status()));
        }
        // Stale no sooner than the cooldown allows asking again, and no later than a day:
        // a withdrawn key must not verify for as long as any header may claim.
        let fresh_for = max_age(resp.headers(), self.default_max_age)
            .max(self.cooldown)
            .min(MAX_AGE_LIMIT);
        let set: JwkSet = resp.json().await.map_err(|e| format!("{uri}: {e}"))?;
        let parsed = parse_set(&set);
        tracing::info!(
            keys = parsed.len(),
            fresh_for_secs = fresh_for.as_secs(),
            "fetched the IdP's JWKS"
        );
        if let Ok(mut keys) = self.keys.write() {
            *keys = KeySet {
                keys: parsed,
                fresh_until: Some(Instant::now() + fresh_for),
            };
        }
        Ok(())
    }
}
