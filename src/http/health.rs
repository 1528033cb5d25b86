//! Liveness and readiness probes for orchestrators and load balancers.

use crate::db;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

/// `GET /healthz`: the process is up and serving.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// `GET /readyz`: the database answers and holds every migration this build needs; 503
/// otherwise, so a load balancer stops routing here (for example after `migrate down`
/// on a running hub).
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let unavailable = |reason: String| {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "reason": reason })),
        )
    };
    if let Err(err) = state.db.ping().await {
        tracing::warn!(error = %err, "readiness check failed");
        return unavailable("database unreachable".into());
    }
    match db::pending_migrations(&state.db).await {
        Ok(pending) if pending.is_empty() => (StatusCode::OK, Json(json!({ "status": "ready" }))),
        Ok(pending) => {
            tracing::warn!(pending = ?pending, "readiness check failed: migrations pending");
            unavailable(format!(
                "database schema incomplete: {} migration(s) pending",
                pending.len()
            ))
        }
        Err(err) => {
            tracing::warn!(error = %err, "readiness check failed");
            unavailable("database unreachable".into())
        }
    }
}
