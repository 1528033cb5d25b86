//! Liveness and readiness probes for orchestrators and load balancers, and the metrics
//! for Prometheus.

use crate::db;
use crate::http::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};

/// `GET /healthz`: the process is up and serving.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The answer of `/readyz`.
#[derive(Debug, Serialize)]
pub struct Readiness {
    /// `ready` or `not ready`.
    status: &'static str,
    /// Why not, one line per failed check.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    reasons: Vec<String>,
}

/// `GET /readyz`: the database answers and holds every migration this build needs, and,
/// in external IdP mode, the IdP has been discovered (a probe retries a failed
/// discovery, at most once per JWKS cooldown); 503 otherwise, so a load balancer routes
/// no requests here that could not be served (for example after `migrate down` on a
/// running hub).
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let mut reasons = Vec::new();
    if let Err(err) = state.db.ping().await {
        tracing::warn!(error = %err, "readiness check failed");
        reasons.push("database unreachable".to_owned());
    } else {
        match db::pending_migrations(&state.db).await {
            Ok(pending) if pending.is_empty() => {}
            Ok(pending) => {
                tracing::warn!(pending = ?pending, "readiness check failed: migrations pending");
                reasons.push(format!(
                    "database schema incomplete: {} migration(s) pending",
                    pending.len()
                ));
            }
            Err(err) => {
                tracing::warn!(error = %err, "readiness check failed");
                reasons.push("database unreachable".to_owned());
            }
        }
    }
    if let Some(remote) = state.auth.remote_jwks()
        && let Err(err) = remote.metadata().await
    {
        reasons.push(format!("external IdP {err}"));
    }
    let status = if reasons.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let ready = if reasons.is_empty() {
        "ready"
    } else {
        "not ready"
    };
    (
        status,
        Json(Readiness {
            status: ready,
            reasons,
        }),
    )
}

/// `GET /metrics`: the hub's metrics in Prometheus' text format (see `crate::metrics`).
pub async fn metrics(State(state): State<AppState>) -> Response {
    crate::metrics::pool(&state.db);
    let body = crate::metrics::handle()
        .map(|h| h.render())
        .unwrap_or_default();
    (
        [(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}
