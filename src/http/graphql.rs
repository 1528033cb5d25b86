//! `POST /graphql` and `GET /graphql`, following GraphQL over HTTP.
//!
//! Status codes: a body that is not a GraphQL request is 400. With `Accept:
//! application/graphql-response+json` a document that fails to parse or validate is 400
//! and everything else 200; with `application/json` (the legacy default) every GraphQL
//! response is 200. Errors always carry `extensions.code`.

use crate::auth::Principal;
use crate::graphql::RequestData;
use crate::graphql::extensions::{PARSE_FAILED, VALIDATION_FAILED};
use crate::graphql::loader::Loaders;
use crate::graphql::loader::batch::{Batched, Scheduler};
use crate::http::refusal;
use crate::service::audit::{self, AuditCollector};
use crate::state::AppState;
use async_graphql::parser::types::OperationType;
use async_graphql::{BatchRequest, BatchResponse, Request};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

/// A request-level error (the body never reached GraphQL execution).
fn request_error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    refusal::error_response(status, code, message)
}

/// The caller of a request: anonymous without `Authorization`, a client with a valid
/// bearer token, and a 401 with `WWW-Authenticate: Bearer error="invalid_token"` (and a
/// GraphQL `UNAUTHENTICATED` error as body) for a token that cannot be verified.
async fn caller(state: &AppState, headers: &HeaderMap) -> Result<Principal, Response> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    state
        .auth
        .principal(&state.db, authorization)
        .await
        .map_err(|err| {
            let description = err.0.replace(['"', '\\'], "'");
            let mut response = request_error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", &err.0);
            if let Ok(value) = HeaderValue::from_str(&format!(
                r#"Bearer error="invalid_token", error_description="{description}""#
            )) {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, value);
            }
            response
        })
}

/// Whether the client asked for the GraphQL response media type.
fn wants_graphql_response(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains(GRAPHQL_RESPONSE))
}

/// Attaches the caller, fresh loaders and an audit collector to a request.
fn prepare(
    state: &AppState,
    principal: &Principal,
    scheduler: &Arc<Scheduler>,
    audits: &mut Vec<Arc<AuditCollector>>,
    request: Request,
) -> Request {
    let loaders = Loaders::new(
        state.db.clone(),
        state.reference.clone(),
        principal.clone(),
        scheduler,
    );
    let audit = Arc::new(AuditCollector::default());
    audits.push(audit.clone());
    request.data(RequestData {
        principal: principal.clone(),
        loaders: Arc::new(loaders),
        audit,
        budget: None,
        usage: Arc::default(),
    })
}

/// Authenticates, executes a request or batch, writes the audit log of the personal
/// data it returns, and answers. If the audit entries cannot be written, the response
/// is withheld: personal data never leaves the hub unrecorded.
async fn execute(state: &AppState, headers: &HeaderMap, batch: BatchRequest) -> Response {
    let principal = match caller(state, headers).await {
        Ok(p) => p,
        Err(response) => return response,
    };
    let scheduler = Arc::new(Scheduler::default());
    let mut audits = Vec::new();
    let batch = match batch {
        BatchRequest::Single(r) => {
            BatchRequest::Single(prepare(state, &principal, &scheduler, &mut audits, r))
        }
        BatchRequest::Batch(rs) => BatchRequest::Batch(
            rs.into_iter()
                .map(|r| prepare(state, &principal, &scheduler, &mut audits, r))
                .collect(),
        ),
    };
    let response = Batched::new(state.schema.execute_batch(batch), scheduler).await;
    if let Err(err) = audit::flush_all(&audits, &state.db, &principal).await {
        tracing::error!(error = ?err, "audit log write failed; response withheld");
        return request_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_SERVER_ERROR",
            "the access could not be recorded in the audit log, so no data is returned; retry later",
        );
    }
    respond(headers, response)
}

/// The body of a request that failed before execution.
#[derive(serde::Serialize)]
struct ErrorsOnly<'a> {
    errors: &'a [async_graphql::ServerError],
}

/// Serialises the response with the status and media type the client negotiated.
fn respond(headers: &HeaderMap, response: BatchResponse) -> Response {
    let modern = wants_graphql_response(headers);
    let request_failed = match &response {
        BatchResponse::Single(r) => r.errors.iter().any(|e| {
            let code = e.extensions.as_ref().and_then(|x| x.get("code"));
            matches!(code, Some(async_graphql::Value::String(c)) if c == PARSE_FAILED || c == VALIDATION_FAILED)
        }),
        BatchResponse::Batch(_) => false,
    };
    let status = if modern && request_failed {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let content_type = if modern { GRAPHQL_RESPONSE } else { JSON };
    // Serialised straight from the response, never through `serde_json::Value`, whose
    // maps would sort the keys: a response keeps the order of the selection set.
    let body = match (&response, request_failed) {
        // A request that failed before execution has no `data` entry at all (GraphQL
        // spec, "Response Format").
        (BatchResponse::Single(r), true) => {
            serde_json::to_string(&ErrorsOnly { errors: &r.errors })
        }
        _ => serde_json::to_string(&response),
    };
    match body {
        Ok(body) => (
            status,
            [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
            body,
        )
            .into_response(),
        Err(err) => {
            tracing::error!(error = %err, "could not serialise a GraphQL response");
            request_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_SERVER_ERROR",
                "internal error",
            )
        }
    }
}

/// `POST /graphql`: a single request or a batch (a JSON array) of at most `max_batch`.
pub async fn post(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let status = rejection.status();
            return if status == StatusCode::PAYLOAD_TOO_LARGE {
                request_error(
                    status,
                    refusal::PAYLOAD_TOO_LARGE,
                    format!(
                        "the request body is larger than {} bytes",
                        state.limits.max_body_bytes
                    ),
                )
            } else {
                request_error(status, refusal::BAD_REQUEST, rejection.body_text())
            };
        }
    };
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(JSON) || v.starts_with(GRAPHQL_RESPONSE));
    if !is_json {
        return request_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            refusal::UNSUPPORTED_MEDIA_TYPE,
            "send GraphQL requests as `Content-Type: application/json`",
        );
    }
    let batch: BatchRequest = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(err) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                format!("the body is not a GraphQL request: {err}"),
            );
        }
    };
    let empty = match &batch {
        BatchRequest::Single(r) => r.query.trim().is_empty(),
        BatchRequest::Batch(rs) => rs.iter().any(|r| r.query.trim().is_empty()),
    };
    if empty {
        return request_error(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "the request has no `query`",
        );
    }
    if let BatchRequest::Batch(rs) = &batch
        && rs.len() > state.limits.max_batch
    {
        return request_error(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            format!(
                "a batch may hold at most {} operations, got {}",
                state.limits.max_batch,
                rs.len()
            ),
        );
    }
    execute(&state, &headers, batch).await
}

/// Query string of `GET /graphql`.
#[derive(Debug, Deserialize)]
pub struct GetParams {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<String>,
}

/// `GET /graphql`: GraphiQL in a browser, or a read-only query from `?query=`.
pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<GetParams>,
) -> Response {
    let Some(query) = params.query else {
        return super::graphiql::page();
    };
    // GET must not change anything: refuse documents that hold a mutation.
    if let Ok(doc) = async_graphql::parser::parse_query(&query) {
        let mutation = doc
            .operations
            .iter()
            .any(|(_, op)| op.node.ty != OperationType::Query);
        if mutation {
            let mut response = request_error(
                StatusCode::METHOD_NOT_ALLOWED,
                refusal::METHOD_NOT_ALLOWED,
                "only queries may be sent with GET; use POST for mutations",
            );
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
            return response;
        }
    }
    let variables = match params
        .variables
        .as_deref()
        .map(serde_json::from_str::<HashMap<String, serde_json::Value>>)
    {
        None => async_graphql::Variables::default(),
        Some(Ok(v)) => {
            async_graphql::Variables::from_json(serde_json::Value::Object(v.into_iter().collect()))
        }
        Some(Err(_)) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "`variables` must be a JSON object",
            );
        }
    };
    let mut request = Request::new(query).variables(variables);
    if let Some(name) = params.operation_name {
        request = request.operation_name(name);
    }
    execute(&state, &headers, BatchRequest::Single(request)).await
}
