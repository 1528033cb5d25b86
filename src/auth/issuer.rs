//! The built-in token issuer: RFC 9068 JWT access tokens for partner clients.

use super::keys::KeyStore;
use super::scopes::ScopeSet;
use crate::error::{AppError, AppResult};
use crate::id::{self, NodeType};
use jsonwebtoken::{Algorithm, Header};
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// A freshly issued access token.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub access_token: String,
    pub expires_in: u64,
    pub scope: ScopeSet,
}

/// Signs access tokens with the store's active key.
pub struct Issuer {
    pub keys: Arc<KeyStore>,
    pub issuer: String,
    pub audience: String,
    pub ttl_secs: u64,
    pub organisation_claim: String,
}

/// Header of every token: ES256 with the key id, `typ: at+jwt` (RFC 9068 §2.1).
pub fn at_jwt_header(alg: Algorithm, kid: &str) -> Header {
    let mut header = Header::new(alg);
    header.typ = Some("at+jwt".to_owned());
    header.kid = Some(kid.to_owned());
    header
}

impl Issuer {
    /// A token for `client_id`, acting for `organisation` (if any), with `scope`.
    pub fn issue(
        &self,
        client_id: &str,
        organisation: Option<i64>,
        scope: ScopeSet,
    ) -> AppResult<IssuedToken> {
        use rand::Rng;
        let (kid, key) = self.keys.signing_key()?;
        let now = chrono::Utc::now().timestamp();
        let jti: u128 = rand::rng().random();
        let mut claims = Map::new();
        claims.insert("iss".into(), json!(self.issuer));
        claims.insert("sub".into(), json!(client_id));
        claims.insert("aud".into(), json!(self.audience));
        claims.insert("client_id".into(), json!(client_id));
        claims.insert("scope".into(), json!(scope.to_string()));
        claims.insert("iat".into(), json!(now));
        claims.insert("exp".into(), json!(now + self.ttl_secs as i64));
        claims.insert("jti".into(), json!(format!("{jti:032x}")));
        if let Some(org) = organisation {
            claims.insert(
                self.organisation_claim.clone(),
                json!(id::encode(NodeType::Organisation, org)),
            );
        }
        let token = jsonwebtoken::encode(
            &at_jwt_header(Algorithm::ES256, &kid),
            &Value::Object(claims),
            &key,
        )
        .map_err(|e| AppError::Internal(format!("signing a token: {e}")))?;
        Ok(IssuedToken {
            access_token: token,
            expires_in: self.ttl_secs,
            scope,
        })
    }
}
