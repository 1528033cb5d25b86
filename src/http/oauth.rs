//! The built-in issuer's endpoints: `POST /oauth/token` (client credentials, RFC 6749
//! §4.4), `GET /.well-known/oauth-authorization-server` (RFC 8414, also served as
//! `/.well-known/openid-configuration`) and `GET /.well-known/jwks.json`. They answer
//! 404 in external IdP mode.

use crate::auth::scopes::{Scope, ScopeSet};
use crate::http::client_addr::ClientAddr;
use crate::http::rate_limit::{Key, Limiters, retry_after_secs};
use crate::http::state::AppState;
use crate::service::clients;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;
use std::collections::HashMap;

/// An RFC 6749 §5.2 error response.
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut response = (
        status,
        Json(json!({ "error": error, "error_description": description })),
    )
        .into_response();
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

fn invalid_client(used_basic: bool) -> Response {
    let mut response = oauth_error(
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "client authentication failed",
    );
    if used_basic {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(r#"Basic realm="knotenpunkt""#),
        );
    }
    response
}

/// Client credentials from `Authorization: Basic` (RFC 6749 §2.3.1: both parts are
/// form-urlencoded before base64). Credentials holding a NUL character cannot be
/// decoded: they would reach the database.
fn basic_credentials(headers: &HeaderMap) -> Option<Result<(String, String), ()>> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let decode = || -> Option<(String, String)> {
        let raw = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
        let (id, secret) = raw.split_once(':')?;
        let unescape = |s: &str| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
        };
        let (id, secret) = (unescape(id)?, unescape(secret)?);
        let nul = crate::service::validation::has_nul;
        (!nul(&id) && !nul(&secret)).then_some((id, secret))
    };
    Some(decode().ok_or(()))
}

/// A 429 for too many token requests, with `Retry-After`.
fn too_many_requests(wait: std::time::Duration) -> Response {
    let secs = retry_after_secs(wait);
    let mut response = oauth_error(
        StatusCode::TOO_MANY_REQUESTS,
        "temporarily_unavailable",
        &format!("too many token requests; retry after {secs} s"),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    response
}

/// `POST /oauth/token`. Limited per address (before anything is read) and per
/// `client_id` (before its secret is verified), so that guessing secrets is slow and
/// a flood of them is refused cheaply.
pub async fn token(
    State(state): State<AppState>,
    Extension(addr): Extension<ClientAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(issuer) = &state.auth.issuer else {
        return oauth_error(
            StatusCode::NOT_FOUND,
            "invalid_request",
            "this hub uses an external IdP",
        );
    };
    let limiters = &state.limiters;
    if let Err(wait) =
        Limiters::token_request(limiters.token_addresses.as_ref(), &Key::address(addr.0))
    {
        return too_many_requests(wait);
    }
    let form_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form_type {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "send the parameters as application/x-www-form-urlencoded",
        );
    }
    let mut params: HashMap<String, String> = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(&body) {
        // No value may reach the database with a NUL character (PostgreSQL refuses it).
        if crate::service::validation::has_nul(&v) {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &format!("parameter `{k}` contains a NUL character"),
            );
        }
        // RFC 6749 §3.2: parameters must not be repeated.
        if params
            .insert(k.clone().into_owned(), v.into_owned())
            .is_some()
        {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &format!("parameter `{k}` is repeated"),
            );
        }
    }
    let basic = basic_credentials(&headers);
    let used_basic = basic.is_some();
    let (client_id, secret) = match (basic, params.get("client_id"), params.get("client_secret")) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "use one client authentication method, not two",
            );
        }
        (Some(Ok(creds)), None, None) => creds,
        (Some(Err(())), _, _) => return invalid_client(true),
        (None, Some(id), Some(secret)) => (id.clone(), secret.clone()),
        (None, _, _) => return invalid_client(false),
    };
    match params.get("grant_type").map(String::as_str) {
        None => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "`grant_type` is missing",
            );
        }
        Some("client_credentials") => {}
        Some(_) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "only `client_credentials` is supported",
            );
        }
    }
    if let Err(wait) =
        Limiters::token_request(limiters.token_clients.as_ref(), &Key::client(&client_id))
    {
        return too_many_requests(wait);
    }
    let client = match clients::authenticate(&state.db, &state.secrets, &client_id, &secret).await {
        Ok(Some(c)) => c,
        Ok(None) => return invalid_client(used_basic),
        Err(err) => {
            tracing::error!(error = ?err, "client authentication failed internally");
            return oauth_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "internal error",
            );
        }
    };
    let granted = ScopeSet::parse_lenient(&client.scopes);
    let scope = match params
        .get("scope")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        None => granted,
        Some(requested) => match ScopeSet::parse_strict(requested) {
            Ok(asked) if asked.is_subset(&granted) => asked,
            Ok(_) => {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_scope",
                    "the client may not request these scopes",
                );
            }
            Err(unknown) => {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_scope",
                    &format!("unknown scopes: {}", unknown.join(" ")),
                );
            }
        },
    };
    match issuer.issue(&client.client_id, client.organisation_id, scope) {
        Ok(token) => {
            let mut response = Json(json!({
                "access_token": token.access_token,
                "token_type": "Bearer",
                "expires_in": token.expires_in,
                "scope": token.scope.to_string(),
            }))
            .into_response();
            let h = response.headers_mut();
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
            response
        }
        Err(err) => {
            tracing::error!(error = ?err, "issuing a token failed");
            oauth_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "internal error",
            )
        }
    }
}

/// `GET /.well-known/oauth-authorization-server` (RFC 8414) and
/// `GET /.well-known/openid-configuration`: the same document, because OpenID Connect
/// Discovery clients look only at the second path.
pub async fn metadata(State(state): State<AppState>) -> Response {
    let Some(issuer) = &state.auth.issuer else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let base = &issuer.issuer;
    Json(json!({
        "issuer": base,
        "token_endpoint": format!("{base}/oauth/token"),
        "jwks_uri": format!("{base}/.well-known/jwks.json"),
        "grant_types_supported": ["client_credentials"],
        "response_types_supported": [],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": Scope::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "access_token_signing_alg_values_supported": ["ES256"],
    }))
    .into_response()
}

/// `GET /.well-known/jwks.json`.
pub async fn jwks(State(state): State<AppState>) -> Response {
    match state.auth.jwks() {
        Some(set) => {
            let mut response = Json(set).into_response();
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=60"),
            );
            response
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
