//! The HTTP surface: GraphQL, health probes, and the middleware every request passes.

pub mod client_addr;
pub mod dashboard;
pub mod graphiql;
pub mod graphql;
pub mod health;
pub mod import;
pub mod live;
pub mod oauth;
pub mod rate_limit;
pub mod refusal;
pub mod state;
pub mod stats_csv;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, StatusCode};
use axum::middleware;
use axum::routing::get;
use state::AppState;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// The hub's router; `main` serves it, tests drive it in-process.
pub fn router(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let limits = state.limits.clone();
    graphiql::prepare();
    dashboard::prepare();
    crate::metrics::handle();
    let routes = Router::new()
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/graphql/ws", get(live::upgrade))
        .route("/graphql/assets/{name}", get(graphiql::asset))
        .route("/dashboard", get(dashboard::page))
        .route("/dashboard/assets/{name}", get(dashboard::asset))
        .route("/stats.csv", get(stats_csv::get))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .route("/oauth/token", axum::routing::post(oauth::token))
        .route(
            "/.well-known/oauth-authorization-server",
            get(oauth::metadata),
        )
        // OpenID Connect Discovery clients (openid-client, authlib) look here first.
        .route("/.well-known/openid-configuration", get(oauth::metadata))
        .route("/.well-known/jwks.json", get(oauth::jwks))
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            limits.request_timeout(),
        ));
    // An import reads its body as a stream, within its own size limit, and ends itself
    // (rolled back) at `--import-timeout-secs`.
    let imports = Router::new().route("/import/courses", axum::routing::post(import::courses));
    Router::new()
        .merge(routes)
        .merge(imports)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            client_addr::attach,
        ))
        // Outside the timeout and the body limit, so that their refusals get a JSON body.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            refusal::as_graphql_errors,
        ))
        .with_state(state)
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http())
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}
