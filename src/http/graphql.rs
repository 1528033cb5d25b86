//! `POST /graphql` and `GET /graphql`, following GraphQL over HTTP.
//!
//! Status codes: a body that is not a GraphQL request is 400. With `Accept:
//! application/graphql-response+json` a document that fails to parse or validate is 400
//! and everything else 200; with `application/json` (the legacy default) every GraphQL
//! response is 200. Errors always carry `extensions.code`.

use crate::auth::Principal;
use crate::graphql::direct::Answer;
use crate::graphql::extensions::{MAX_COST_EXCEEDED, PARSE_FAILED, VALIDATION_FAILED};
use crate::graphql::loader::Loaders;
use crate::graphql::loader::batch::{Batched, Scheduler};
use crate::graphql::{CostBudget, RequestData, Usage};
use crate::http::client_addr::ClientAddr;
use crate::http::rate_limit::{RequestBudget, Verdict, retry_after_secs};
use crate::http::refusal;
use crate::http::state::AppState;
use crate::service::audit::{self, AuditCollector};
use async_graphql::parser::types::OperationType;
use async_graphql::{BatchRequest, Request};
use axum::Extension;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use futures::stream::FuturesOrdered;
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

/// What the handler keeps of each operation of a request: its audit collector, what it
/// cost and its name, for the audit log and the metrics.
#[derive(Default)]
struct Ledger {
    audits: Vec<Arc<AuditCollector>>,
    usages: Vec<Arc<Usage>>,
}

/// The caller, its budget, fresh loaders and an audit collector for a request.
fn prepare(
    state: &AppState,
    principal: &Principal,
    budget: Option<&Arc<RequestBudget>>,
    scheduler: &Arc<Scheduler>,
    ledger: &mut Ledger,
    request: Request,
) -> (Request, RequestData) {
    let loaders = Loaders::new(
        state.db.clone(),
        state.reference.clone(),
        principal.clone(),
        scheduler,
    );
    let audit = Arc::new(AuditCollector::default());
    ledger.audits.push(audit.clone());
    let operation_name = request.operation_name.clone();
    let usage = Arc::new(Usage::default());
    if let Some(name) = &operation_name {
        let _ = usage.operation.set(name.clone());
    }
    ledger.usages.push(usage.clone());
    let data = RequestData {
        principal: principal.clone(),
        loaders: Arc::new(loaders),
        audit,
        budget: budget.map(|b| b.clone() as Arc<dyn CostBudget>),
        usage,
        operation_name,
    };
    (request, data)
}

/// Who is calling and what they may spend: the principal and its rate limit budget.
pub(crate) struct Caller {
    pub(crate) principal: Principal,
    pub(crate) budget: Option<Arc<RequestBudget>>,
}

/// Authenticates the caller. A token that cannot be verified is refused (401), and the
/// refusal is charged to the budget of the caller's address.
pub(crate) async fn identify(
    state: &AppState,
    headers: &HeaderMap,
    addr: ClientAddr,
) -> Result<Caller, Response> {
    match caller(state, headers).await {
        Ok(principal) => Ok(Caller {
            budget: state.limiters.graphql_budget(&principal, addr.0),
            principal,
        }),
        Err(response) => {
            let budget = state.limiters.graphql_budget(&Principal::Anonymous, addr.0);
            Err(settle(budget.as_ref(), response))
        }
    }
}

/// Settles a request with its budget and adds the `x-ratelimit-*` headers: an answer
/// refused before any operation ran, or whose every operation was refused, becomes a
/// 429 (the latter already is one, see `respond`).
pub(crate) fn settle(budget: Option<&Arc<RequestBudget>>, mut response: Response) -> Response {
    let Some(budget) = budget else {
        return response;
    };
    if let Verdict::Refused(wait) = budget.settle()
        && response.status() != StatusCode::TOO_MANY_REQUESTS
    {
        let secs = retry_after_secs(wait);
        response = refusal::rate_limited(
            secs,
            format!("the rate limit is spent; retry after {secs} s"),
        );
    }
    budget.write_headers(response.headers_mut());
    response
}

/// Executes a request or batch, writes the audit log of the personal data it returns,
/// and answers. If the audit entries cannot be written, the response is withheld:
/// personal data never leaves the hub unrecorded.
async fn execute(
    state: &AppState,
    headers: &HeaderMap,
    caller: &Caller,
    batch: BatchRequest,
) -> Response {
    let Caller { principal, budget } = caller;
    let budget = budget.as_ref();
    let scheduler = Arc::new(Scheduler::default());
    let mut ledger = Ledger::default();
    let mut prepared: Vec<(Request, RequestData)> = Vec::new();
    let (single, requests) = match batch {
        BatchRequest::Single(r) => (true, vec![r]),
        BatchRequest::Batch(rs) => (false, rs),
    };
    for r in requests {
        prepared.push(prepare(
            state,
            principal,
            budget,
            &scheduler,
            &mut ledger,
            r,
        ));
    }
    let started = std::time::Instant::now();
    let in_flight = metrics::gauge!("knotenpunkt_graphql_requests_in_flight");
    in_flight.increment(1.0);
    // The operations of a batch run concurrently, answered in order.
    let run = prepared
        .into_iter()
        .map(|(request, data)| state.graphql.execute(request, data))
        .collect::<FuturesOrdered<_>>()
        .collect::<Vec<_>>();
    let mut responses = Batched::new(run, scheduler).await;
    let response = match (single, responses.pop()) {
        (true, Some(r)) => Answers::Single(Box::new(r)),
        (_, last) => {
            responses.extend(last);
            Answers::Batch(responses)
        }
    };
    in_flight.decrement(1.0);
    record(&ledger, &response, started.elapsed());
    if let Err(err) = audit::flush_all(&ledger.audits, &state.db, principal).await {
        tracing::error!(error = ?err, "audit log write failed; response withheld");
        return request_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_SERVER_ERROR",
            "the access could not be recorded in the audit log, so no data is returned; retry later",
        );
    }
    // Every operation refused by the rate limit: nothing ran, so the answer is a 429.
    let refused = matches!(budget.map(|b| b.verdict()), Some(Verdict::Refused(_)));
    respond(headers, response, refused)
}

/// Counts each operation of a response by name, outcome and first error code, with its
/// latency and cost.
fn record(ledger: &Ledger, response: &Answers, took: std::time::Duration) {
    let responses: Vec<&async_graphql::Response> = match response {
        Answers::Single(r) => vec![&r.response],
        Answers::Batch(rs) => rs.iter().map(|r| &r.response).collect(),
    };
    for (usage, r) in ledger.usages.iter().zip(responses) {
        let operation = crate::metrics::operation_label(usage.operation.get().map(String::as_str));
        let code = r
            .errors
            .first()
            .and_then(|e| e.extensions.as_ref())
            .and_then(|x| x.get("code"))
            .and_then(|c| match c {
                async_graphql::Value::String(c) => Some(c.clone()),
                _ => None,
            })
            .unwrap_or_default();
        let outcome = if r.errors.is_empty() { "ok" } else { "error" };
        metrics::counter!(
            "knotenpunkt_graphql_operations_total",
            "operation" => operation.clone(),
            "outcome" => outcome,
            "code" => code
        )
        .increment(1);
        metrics::histogram!(
            "knotenpunkt_graphql_request_duration_seconds",
            "operation" => operation.clone()
        )
        .record(took.as_secs_f64());
        let cost = usage.cost.load(std::sync::atomic::Ordering::Relaxed);
        if cost > 0 {
            metrics::histogram!("knotenpunkt_graphql_operation_cost").record(cost as f64);
        }
    }
}

/// The answer to a single request or to a batch, serialised as one answer or an array.
#[derive(serde::Serialize)]
#[serde(untagged)]
enum Answers {
    Single(Box<Answer>),
    Batch(Vec<Answer>),
}

/// The body of a request that failed before execution.
#[derive(serde::Serialize)]
struct ErrorsOnly<'a> {
    errors: &'a [async_graphql::ServerError],
}

/// Serialises the response with the status and media type the client negotiated;
/// `rate_limited`: no operation ran because the caller's budget is spent (429).
fn respond(headers: &HeaderMap, response: Answers, rate_limited: bool) -> Response {
    let modern = wants_graphql_response(headers);
    let request_failed = rate_limited
        || match &response {
            Answers::Single(r) => r.response.errors.iter().any(|e| {
                let code = e.extensions.as_ref().and_then(|x| x.get("code"));
                matches!(code, Some(async_graphql::Value::String(c)) if [PARSE_FAILED, VALIDATION_FAILED, MAX_COST_EXCEEDED].contains(&c.as_str()))
            }),
            Answers::Batch(_) => false,
        };
    let status = if rate_limited {
        StatusCode::TOO_MANY_REQUESTS
    } else if modern && request_failed {
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
        (Answers::Single(r), true) => serde_json::to_string(&ErrorsOnly {
            errors: &r.response.errors,
        }),
        (Answers::Batch(rs), true) => serde_json::to_string(
            &rs.iter()
                .map(|r| ErrorsOnly {
                    errors: &r.response.errors,
                })
                .collect::<Vec<_>>(),
        ),
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
    Extension(addr): Extension<ClientAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let caller = match identify(&state, &headers, addr).await {
        Ok(c) => c,
        Err(response) => return response,
    };
    let response = post_as(&state, &headers, &caller, body).await;
    settle(caller.budget.as_ref(), response)
}

async fn post_as(
    state: &AppState,
    headers: &HeaderMap,
    caller: &Caller,
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
    execute(state, headers, caller, batch).await
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
    Extension(addr): Extension<ClientAddr>,
    headers: HeaderMap,
    Query(mut params): Query<GetParams>,
) -> Response {
    let Some(query) = params.query.take() else {
        return super::graphiql::page();
    };
    let caller = match identify(&state, &headers, addr).await {
        Ok(c) => c,
        Err(response) => return response,
    };
    let response = get_as(&state, &headers, &caller, query, params).await;
    settle(caller.budget.as_ref(), response)
}

async fn get_as(
    state: &AppState,
    headers: &HeaderMap,
    caller: &Caller,
    query: String,
    params: GetParams,
) -> Response {
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
    execute(state, headers, caller, BatchRequest::Single(request)).await
}
