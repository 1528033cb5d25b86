//! Refusals as GraphQL errors: whichever layer refuses a request — the body limit, the
//! timeout, the router (unknown path, wrong method), an extractor — the client gets
//! `{"errors":[{"message":…,"extensions":{"code":…}}]}` as `application/json`, never
//! plain text or an empty body.

use crate::http::state::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// The body was larger than `--max-body-bytes` (HTTP 413).
pub const PAYLOAD_TOO_LARGE: &str = "PAYLOAD_TOO_LARGE";
/// The request ran longer than `--request-timeout-secs` and was stopped (HTTP 503).
pub const TIMEOUT: &str = "TIMEOUT";
/// The body's media type is not one the endpoint reads (HTTP 415).
pub const UNSUPPORTED_MEDIA_TYPE: &str = "UNSUPPORTED_MEDIA_TYPE";
/// The method is not allowed on this path (HTTP 405); `Allow` names the ones that are.
pub const METHOD_NOT_ALLOWED: &str = "METHOD_NOT_ALLOWED";
/// The caller's budget is spent (HTTP 429); `Retry-After` says when to try again.
pub const RATE_LIMITED: &str = "RATE_LIMITED";
/// The request is malformed (HTTP 400).
pub const BAD_REQUEST: &str = "BAD_REQUEST";

/// A GraphQL-shaped error response of a request that never reached execution.
pub fn error_response(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    let body = json!({ "errors": [{ "message": message.into(), "extensions": { "code": code } }] });
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body.to_string(),
    )
        .into_response()
}

/// A 429 with `Retry-After` and `extensions.retryAfter`.
pub fn rate_limited(retry_after_secs: u64, message: impl Into<String>) -> Response {
    let body = json!({ "errors": [{
        "message": message.into(),
        "extensions": { "code": RATE_LIMITED, "retryAfter": retry_after_secs },
    }] });
    (
        StatusCode::TOO_MANY_REQUESTS,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::RETRY_AFTER, HeaderValue::from(retry_after_secs)),
        ],
        body.to_string(),
    )
        .into_response()
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            let essence = v.split(';').next().unwrap_or_default().trim();
            essence == "application/json" || essence.ends_with("+json")
        })
}

/// Middleware: rewrites every error response that is not JSON already into a GraphQL
/// error with a code, keeping its status and headers (`Allow`, `Retry-After`…).
pub async fn as_graphql_errors(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let status = response.status();
    let json = is_json(response.headers());
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => crate::metrics::refused("body_size"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => crate::metrics::refused("media_type"),
        StatusCode::TOO_MANY_REQUESTS if path.starts_with("/oauth") => {
            crate::metrics::rate_limited("token")
        }
        StatusCode::TOO_MANY_REQUESTS => crate::metrics::rate_limited("graphql"),
        // The timeout layer answers with an empty body (`/readyz` answers 503 in JSON).
        StatusCode::SERVICE_UNAVAILABLE if !json => crate::metrics::refused("timeout"),
        _ => {}
    }
    if !(status.is_client_error() || status.is_server_error()) || json {
        return response;
    }
    let limits = &state.limits;
    let (code, message) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => (
            PAYLOAD_TOO_LARGE,
            format!(
                "the request body is larger than {} bytes",
                limits.max_body_bytes
            ),
        ),
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::REQUEST_TIMEOUT => (
            TIMEOUT,
            format!(
                "the request took longer than {} s and was stopped; ask for less, or retry later",
                limits.request_timeout_secs
            ),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            UNSUPPORTED_MEDIA_TYPE,
            "the request body has a media type this endpoint does not read".to_owned(),
        ),
        StatusCode::METHOD_NOT_ALLOWED => {
            let allowed = response
                .headers()
                .get(header::ALLOW)
                .and_then(|v| v.to_str().ok())
                .filter(|v| !v.is_empty())
                .map(|v| format!("; use {v}"))
                .unwrap_or_default();
            (
                METHOD_NOT_ALLOWED,
                format!("{method} is not allowed on {path}{allowed}"),
            )
        }
        StatusCode::NOT_FOUND => ("NOT_FOUND", format!("there is nothing at {path}")),
        StatusCode::TOO_MANY_REQUESTS => (RATE_LIMITED, "too many requests".to_owned()),
        s if s.is_client_error() => (
            BAD_REQUEST,
            s.canonical_reason()
                .unwrap_or("bad request")
                .to_ascii_lowercase(),
        ),
        _ => ("INTERNAL_SERVER_ERROR", "internal error".to_owned()),
    };
    let (mut parts, _) = response.into_parts();
    let mut rewritten = error_response(status, code, message);
    parts.headers.remove(header::CONTENT_LENGTH);
    for (name, value) in rewritten.headers_mut().drain() {
        if let Some(name) = name {
            parts.headers.insert(name, value);
        }
    }
    Response::from_parts(parts, rewritten.into_body())
}
