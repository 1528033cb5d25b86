//! Shared application state: the connection pool, reference data, configuration and
//! the schema; what every HTTP handler gets. Built where the hub starts.
//! Cloned into every request; holds nothing a second replica would need to share (the
//! rate limit budgets are per replica by design).

use crate::auth::Auth;
use crate::config::Limits;
use crate::error::AppResult;
use crate::graphql::{self, direct::Executor};
use crate::http::rate_limit::Limiters;
pub use crate::service::Reference;
use crate::service::clients::SecretVerifier;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// Everything a request handler needs.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub reference: Arc<Reference>,
    pub limits: Arc<Limits>,
    pub auth: Arc<Auth>,
    /// Runs GraphQL requests.
    pub graphql: Executor,
    /// Rate limit budgets (this replica's).
    pub limiters: Arc<Limiters>,
    /// Client secret verification at the token endpoint.
    pub secrets: Arc<SecretVerifier>,
    /// The token the dashboard page carries for its viewers (`--dashboard-token`).
    pub dashboard_token: Option<Arc<str>>,
    /// The subscriptions each client runs on this replica (`/graphql/ws`).
    pub live_clients: Arc<crate::http::live::LiveClients>,
}

impl AppState {
    /// Builds the state for a migrated database: loads reference data and the schema.
    pub async fn new(db: DatabaseConnection, limits: Limits, auth: Auth) -> AppResult<AppState> {
        let reference = Arc::new(Reference::load(&db).await?);
        let graphql = graphql::executor(&limits, &db, &reference);
        Ok(AppState {
            db,
            reference,
            limiters: Arc::new(Limiters::new(&limits.rate)),
            limits: Arc::new(limits),
            auth: Arc::new(auth),
            graphql,
            secrets: Arc::new(SecretVerifier::new().await?),
            dashboard_token: None,
            live_clients: Arc::default(),
        })
    }
}
