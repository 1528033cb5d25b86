//! Metrics for operators, in Prometheus' text format at `GET /metrics`
//! (`metrics` + `metrics-exporter-prometheus`).
//!
//! Families (all prefixed `knotenpunkt_`):
//!
//! | family | type | labels |
//! |---|---|---|
//! | `graphql_operations_total` | counter | `operation`, `outcome` (`ok`, `error`), `code` (first error's code) |
//! | `graphql_request_duration_seconds` | histogram | `operation` |
//! | `graphql_operation_cost` | histogram | — |
//! | `graphql_requests_in_flight` | gauge | — |
//! | `refusals_total` | counter | `limit` (`cost`, `introspection_cost`, `depth`, `aliases`, `root_fields`, `result_values`, `result_bytes`, `rate_limit`, `body_size`, `timeout`, `media_type`) |
//! | `rate_limited_total` | counter | `endpoint` (`graphql`, `token`) |
//! | `db_pool_connections` | gauge | `state` (`in_use`, `idle`, `max`) |
//! | `audit_entries_written_total` | counter | `action` (`read`, `export`, `erase`) |
//! | `db_statements_total` | counter | — (statements sent to the database) |
//!
//! Operation names come from clients, so only the first `MAX_OPERATION_NAMES` distinct
//! well-formed names get their own label value; the rest count as `other`.

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

/// Distinct operation names that get a label value of their own.
pub const MAX_OPERATION_NAMES: usize = 200;

/// The label of requests without an operation name.
pub const ANONYMOUS: &str = "anonymous";

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
static NAMES: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();

/// Installs the process's recorder on first use (once per process, whatever number of
/// hubs a test builds in it) and returns the handle that renders it.
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let latency = [
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ];
            let cost = [
                1.0, 10.0, 50.0, 100.0, 500.0, 1_000.0, 5_000.0, 10_000.0, 25_000.0, 50_000.0,
                100_000.0,
            ];
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    metrics_exporter_prometheus::Matcher::Full(
                        "knotenpunkt_graphql_request_duration_seconds".into(),
                    ),
                    &latency,
                )
                .and_then(|b| {
                    b.set_buckets_for_metric(
                        metrics_exporter_prometheus::Matcher::Full(
                            "knotenpunkt_graphql_operation_cost".into(),
                        ),
                        &cost,
                    )
                });
            match builder.and_then(|b| b.install_recorder()) {
                Ok(handle) => Some(handle),
                Err(err) => {
                    tracing::error!(error = %err, "metrics recorder not installed; /metrics stays empty");
                    None
                }
            }
        })
        .as_ref()
}

/// The label value of an operation name: the name itself while there is room, `other`
/// for names beyond `MAX_OPERATION_NAMES` or not of GraphQL's name form.
pub fn operation_label(name: Option<&str>) -> String {
    let Some(name) = name else {
        return ANONYMOUS.to_owned();
    };
    let well_formed = !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !well_formed {
        return "other".to_owned();
    }
    let names = NAMES.get_or_init(|| Mutex::new(HashSet::new()));
    let Ok(mut names) = names.lock() else {
        return "other".to_owned();
    };
    if names.contains(name) || names.len() < MAX_OPERATION_NAMES {
        names.insert(name.to_owned());
        name.to_owned()
    } else {
        "other".to_owned()
    }
}

/// Counts a request refused by `limit`.
pub fn refused(limit: &'static str) {
    metrics::counter!("knotenpunkt_refusals_total", "limit" => limit).increment(1);
}

/// Counts a request refused by a rate limit at `endpoint`.
pub fn rate_limited(endpoint: &'static str) {
    metrics::counter!("knotenpunkt_rate_limited_total", "endpoint" => endpoint).increment(1);
    refused("rate_limit");
}

/// Counts audit entries written.
pub fn audit_written(action: &'static str, n: usize) {
    metrics::counter!("knotenpunkt_audit_entries_written_total", "action" => action)
        .increment(n as u64);
}

/// Records the connection pool's state (read when `/metrics` is scraped).
pub fn pool(db: &sea_orm::DatabaseConnection) {
    let (size, idle, max) = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (
                pool.size(),
                pool.num_idle() as u32,
                pool.options().get_max_connections(),
            )
        }
        sea_orm::DbBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (
                pool.size(),
                pool.num_idle() as u32,
                pool.options().get_max_connections(),
            )
        }
        _ => return,
    };
    let in_use = size.saturating_sub(idle);
    metrics::gauge!("knotenpunkt_db_pool_connections", "state" => "in_use").set(in_use as f64);
    metrics::gauge!("knotenpunkt_db_pool_connections", "state" => "idle").set(idle as f64);
    metrics::gauge!("knotenpunkt_db_pool_connections", "state" => "max").set(max as f64);
}
