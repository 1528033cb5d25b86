//! One verifier for both token sources (built-in issuer, external IdP): RFC 9068 checks
//! on JWT access tokens, and RFC 7662 introspection for opaque tokens where configured.

use super::jwks::{KeyEntry, RemoteJwks};
use super::keys::KeyStore;
use super::scopes::ScopeSet;
use jsonwebtoken::{Algorithm, Validation, decode, decode_header};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds.
pub const LEEWAY_SECS: u64 = 60;

/// Signature algorithms the hub accepts; never `none`, never a symmetric one.
const ALLOWED: [Algorithm; 9] = [
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::EdDSA,
];

/// Why a token was refused; the text goes into `error_description`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenError(pub String);

fn refuse(msg: impl Into<String>) -> TokenError {
    TokenError(msg.into())
}

/// What a valid token says about its bearer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    pub client_id: String,
    pub subject: String,
    pub scopes: ScopeSet,
    /// The organisation claim as sent (a global ID or a number), if present.
    pub organisation: Option<String>,
    /// When the token expires (unix seconds), if it says.
    pub expires_at: Option<i64>,
}

/// Where verification keys come from.
pub enum KeySource {
    /// The built-in issuer's own key store.
    Local {
        store: Arc<KeyStore>,
        retention: chrono::Duration,
    },
    /// An external IdP's JWKS.
    Remote(Arc<RemoteJwks>),
}

/// The hub's credentials at an external IdP, for RFC 7662 introspection.
pub struct Introspection {
    pub client_id: String,
    pub client_secret: String,
    pub http: reqwest::Client,
}

/// Tokens already verified, by SHA-256 of the token, until they expire. A client reuses
/// its token for many requests; checking the signature once saves the expensive part of
/// every later request (see `cargo bench`). Revocation is unaffected: the client's
/// registration is looked up on every request. A token verified with an external IdP's
/// keys is kept no longer than those keys are fresh, so a withdrawn key stops verifying.
#[derive(Default)]
pub struct TokenCache {
    entries: Mutex<HashMap<[u8; 32], (VerifiedToken, Instant)>>,
}

impl TokenCache {
    /// Most entries kept; the cache starts over when full.
    const CAPACITY: usize = 10_000;

    fn key(token: &str) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        Sha256::digest(token.as_bytes()).into()
    }

    fn get(&self, token: &str) -> Option<VerifiedToken> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(&Self::key(token))
            .filter(|(_, until)| Instant::now() < *until)
            .map(|(v, _)| v.clone())
    }

    fn put(&self, token: &str, verified: &VerifiedToken, ttl: Duration) {
        if ttl.is_zero() {
            return;
        }
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= Self::CAPACITY {
                entries.clear();
            }
            entries.insert(Self::key(token), (verified.clone(), Instant::now() + ttl));
        }
    }
}

/// Time from now until the unix time `exp` (zero if past).
fn until(exp: i64) -> Duration {
    Duration::from_secs((exp - chrono::Utc::now().timestamp()).max(0) as u64)
}

/// Verifies bearer tokens.
pub struct Verifier {
    pub issuer: String,
    pub audience: String,
    pub organisation_claim: String,
    pub keys: KeySource,
    pub introspection: Option<Introspection>,
    pub cache: TokenCache,
}

#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    exp: i64,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    iat: Option<i64>,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

/// Members of an introspection answer beyond RFC 7662's own.
#[derive(Debug, Default, Deserialize, serde::Serialize)]
struct OtherClaims {
    #[serde(flatten)]
    claims: Map<String, Value>,
}

impl oauth2::ExtraTokenFields for OtherClaims {}

/// An organisation claim as text (a global ID string, or a number).
fn claim_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl Verifier {
    /// Verifies `token`; a JWT is checked locally, anything else is introspected when
    /// introspection is configured.
    pub async fn verify(&self, token: &str) -> Result<VerifiedToken, TokenError> {
        if let Some(verified) = self.cache.get(token) {
            return Ok(verified);
        }
        let (verified, ttl) = if token.split('.').count() == 3 {
            self.verify_jwt(token).await?
        } else {
            match &self.introspection {
                Some(i) => self.introspect(i, token).await?,
                None => return Err(refuse("the token is not a JWT")),
            }
        };
        self.cache.put(token, &verified, ttl);
        Ok(verified)
    }

    /// Verifies a JWT without the cache (for benchmarks of the checks themselves).
    pub async fn verify_uncached(&self, token: &str) -> Result<VerifiedToken, TokenError> {
        self.verify_jwt(token).await.map(|(v, _)| v)
    }

    async fn key_for(&self, kid: Option<&str>) -> Result<Option<KeyEntry>, TokenError> {
        match &self.keys {
            KeySource::Local { store, retention } => Ok(kid
                .and_then(|k| store.decoding_key(k, *retention))
                .map(|key| KeyEntry {
                    key,
                    algorithms: vec![Algorithm::ES256],
                })),
            KeySource::Remote(remote) => remote.key(kid).await.map_err(|e| {
                tracing::warn!(error = %e, "cannot reach the IdP's keys");
                refuse("the token's signing key cannot be fetched")
            }),
        }
    }

    async fn verify_jwt(&self, token: &str) -> Result<(VerifiedToken, Duration), TokenError> {
        let header = decode_header(token).map_err(|_| refuse("malformed token header"))?;
        // RFC 9068 §2.1 / §4: an access token says so in `typ`.
        let typ = header
            .typ
            .as_deref()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if typ != "at+jwt" && typ != "application/at+jwt" {
            return Err(refuse(
                "the token is not a JWT access token (typ must be at+jwt)",
            ));
        }
        if !ALLOWED.contains(&header.alg) {
            return Err(refuse(format!(
                "algorithm {:?} is not accepted",
                header.alg
            )));
        }
        let entry = self
            .key_for(header.kid.as_deref())
            .await?
            .ok_or_else(|| refuse("the token is signed with an unknown key"))?;
        if !entry.algorithms.contains(&header.alg) {
            return Err(refuse(format!(
                "algorithm {:?} does not match the signing key",
                header.alg
            )));
        }
        let mut validation = Validation::new(header.alg);
        validation.algorithms = vec![header.alg];
        validation.leeway = LEEWAY_SECS;
        validation.validate_nbf = true;
        validation.set_issuer(&[self.issuer.as_str()]);
        validation.set_audience(&[self.audience.as_str()]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let data = decode::<Claims>(token, &entry.key, &validation).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind;
            refuse(match e.kind() {
                ErrorKind::ExpiredSignature => "the token has expired",
                ErrorKind::ImmatureSignature => "the token is not valid yet",
                ErrorKind::InvalidIssuer => "the token is from another issuer",
                ErrorKind::InvalidAudience => "the token is not meant for this hub",
                ErrorKind::InvalidSignature => "the token's signature is invalid",
                ErrorKind::MissingRequiredClaim(_) => "the token lacks a required claim",
                _ => "the token is invalid",
            })
        })?;
        let claims = data.claims;
        let now = chrono::Utc::now().timestamp();
        if claims.iat.is_some_and(|iat| iat > now + LEEWAY_SECS as i64) {
            return Err(refuse("the token is not valid yet"));
        }
        let mut ttl = until(claims.exp);
        if let KeySource::Remote(remote) = &self.keys {
            ttl = ttl.min(remote.fresh_for());
        }
        let verified = VerifiedToken {
            client_id: claims
                .client_id
                .clone()
                .unwrap_or_else(|| claims.sub.clone()),
            subject: claims.sub,
            scopes: ScopeSet::parse_lenient(claims.scope.as_deref().unwrap_or_default()),
            organisation: claims
                .rest
                .get(&self.organisation_claim)
                .and_then(claim_text),
            expires_at: Some(claims.exp),
        };
        Ok((verified, ttl))
    }

    async fn introspect(
        &self,
        i: &Introspection,
        token: &str,
    ) -> Result<(VerifiedToken, Duration), TokenError> {
        use oauth2::basic::{
            BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenResponse, BasicTokenType,
        };
        use oauth2::{
            AccessToken, ClientId, ClientSecret, EndpointNotSet, IntrospectionUrl,
            StandardRevocableToken, StandardTokenIntrospectionResponse, TokenIntrospectionResponse,
        };
        // `BasicClient`, but keeping the answer's non-standard members (the
        // organisation claim).
        type IntrospectingClient = oauth2::Client<
            BasicErrorResponse,
            BasicTokenResponse,
            StandardTokenIntrospectionResponse<OtherClaims, BasicTokenType>,
            StandardRevocableToken,
            BasicRevocationErrorResponse,
            EndpointNotSet,
        >;

        let KeySource::Remote(remote) = &self.keys else {
            return Err(refuse("introspection needs an external IdP"));
        };
        let metadata = remote.metadata().await.map_err(|e| {
            tracing::warn!(error = %e, "cannot introspect without the IdP's metadata");
            refuse("the token could not be introspected")
        })?;
        let endpoint = metadata
            .introspection_endpoint
            .ok_or_else(|| refuse("the IdP offers no introspection endpoint"))?;
        let client = IntrospectingClient::new(ClientId::new(i.client_id.clone()))
            .set_client_secret(ClientSecret::new(i.client_secret.clone()))
            .set_introspection_url(
                IntrospectionUrl::new(endpoint).map_err(|e| refuse(e.to_string()))?,
            );
        let response = client
            .introspect(&AccessToken::new(token.to_owned()))
            .request_async(&i.http)
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "introspection failed");
                refuse("the token could not be introspected")
            })?;
        if !response.active() {
            return Err(refuse("the token is not active"));
        }
        if response.iss().is_some_and(|iss| iss != self.issuer) {
            return Err(refuse("the token is from another issuer"));
        }
        if let Some(aud) = response.aud()
            && !aud.contains(&self.audience)
        {
            return Err(refuse("the token is not meant for this hub"));
        }
        let client_id = response
            .client_id()
            .map(|c| c.to_string())
            .ok_or_else(|| refuse("the introspected token names no client"))?;
        let scopes = response
            .scopes()
            .map(|s| {
                s.iter()
                    .map(|x| x.to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        let verified = VerifiedToken {
            subject: response.sub().unwrap_or(&client_id).to_owned(),
            client_id,
            scopes: ScopeSet::parse_lenient(&scopes),
            // Checked against the organisations by `resolve`, as a JWT's claim is.
            organisation: response
                .extra_fields()
                .claims
                .get(&self.organisation_claim)
                .and_then(claim_text),
            expires_at: response.exp().map(|exp| exp.timestamp()),
        };
        // An introspection answer is kept briefly (never beyond the token's expiry), so
        // a revocation at the IdP takes effect within 30 s.
        let ttl = response
            .exp()
            .map(|exp| until(exp.timestamp()))
            .unwrap_or(Duration::MAX)
            .min(Duration::from_secs(30));
        Ok((verified, ttl))
    }
}
