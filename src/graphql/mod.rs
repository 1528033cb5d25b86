//! The GraphQL schema: types, inputs, loaders, query and mutation roots.
//!
//! `schema_builder` attaches no data, so `knotenpunkt schema` can print the contract
//! without a database; `AppState::new` adds the pool and reference data.

pub mod compiled;
pub mod completion;
pub mod cost;
pub mod direct;
pub mod errors;
pub mod extensions;
pub mod guard;
pub mod id;
pub mod input;
pub mod input_guard;
pub mod loader;
pub mod mutation;
pub(crate) mod plan;
pub mod query;
pub mod subscription;
pub mod types;

use crate::auth::Principal;
use crate::config::Limits;
use crate::error::{AppError, AppResult};
use crate::service::Reference;
use async_graphql::{Context, Schema, SchemaBuilder};
use loader::Loaders;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// The hub's schema.
pub type AppSchema =
    Schema<query::QueryRoot, mutation::MutationRoot, subscription::SubscriptionRoot>;

/// What the HTTP layer attaches to each request.
pub struct RequestData {
    pub principal: Principal,
    pub loaders: Arc<Loaders>,
    /// Personal-data reads of this request, written to the audit log before it answers.
    pub audit: Arc<crate::service::audit::AuditCollector>,
    /// The caller's budget of cost points, charged before each operation runs (none:
    /// not rate limited, as in tests that drive the schema directly).
    pub budget: Option<Arc<dyn CostBudget>>,
    /// What the request's operations cost, for response headers and metrics.
    pub usage: Arc<Usage>,
    /// The operation the request names (`operationName`), to price the one that runs.
    pub operation_name: Option<String>,
}

/// Request data marking an operation sent over WebSocket (`/graphql/ws`), the one
/// transport that runs subscriptions.
pub struct OverWebSocket;

/// A caller's budget of cost points (the rate limit): charged with an operation's
/// calculated cost before the operation runs.
pub trait CostBudget: Send + Sync {
    /// Takes `cost` points, or refuses with `AppError::RateLimited`.
    fn charge(&self, cost: u64) -> AppResult<()>;
}

/// What the operations of one request cost.
#[derive(Debug, Default)]
pub struct Usage {
    /// Sum of the calculated costs of the operations that were admitted.
    pub cost: std::sync::atomic::AtomicU64,
    /// The name of the operation that ran: the requested one, or the document's only
    /// named operation.
    pub operation: std::sync::OnceLock<String>,
}

type Builder =
    SchemaBuilder<query::QueryRoot, mutation::MutationRoot, subscription::SubscriptionRoot>;

/// The schema's types, without extensions or data. The hub is an Apollo Federation v2
/// subgraph: `_service` and `_entities` answer gateways (`query::entities`).
fn types() -> Builder {
    Schema::build(
        query::QueryRoot::default(),
        mutation::MutationRoot::default(),
        subscription::SubscriptionRoot,
    )
    .enable_federation()
}

/// The schema with its limits and extensions, without data.
pub fn schema_builder(limits: &Limits) -> Builder {
    guarded(types(), extensions::RequestShape::new(limits))
}

fn guarded(builder: Builder, shape: extensions::RequestShape) -> Builder {
    // The input guard first: `RequestShape` parses the document itself and ends the
    // parsing chain, so every extension that wants the document must come before it.
    builder.extension(input_guard::InputGuard).extension(shape)
}

/// What runs the requests of a hub on `db`: the guarded schema, and the same schema
/// without extensions for operations that provably need no guards (`direct`).
pub fn executor(
    limits: &Limits,
    db: &DatabaseConnection,
    reference: &Arc<Reference>,
) -> direct::Executor {
    let shape = extensions::RequestShape::new(limits);
    let shared = shape.shape().clone();
    let policy = crate::service::disclosure::Policy::with_threshold(limits.stats_threshold)
        .unwrap_or_default();
    // The changes subscriptions listen to: one feed per hub (and so one listening
    // connection per replica on PostgreSQL).
    let feed = Arc::new(crate::service::live::Feed::new(db));
    let reads = Arc::new(crate::service::live::Shared::default());
    let guarded = guarded(types(), shape)
        .data(db.clone())
        .data(reference.clone())
        .data(policy)
        .data(feed.clone())
        .data(reads.clone())
        .finish();
    let unguarded = types()
        .data(db.clone())
        .data(reference.clone())
        .data(policy)
        .data(feed)
        .data(reads)
        .finish();
    // Compiled reads build JSON with PostgreSQL's functions; SQLite resolves every field.
    let compiled_reads = (limits.compiled_reads
        && db.get_database_backend() == sea_orm::DbBackend::Postgres)
        .then(|| db.clone());
    direct::Executor::new(
        guarded,
        unguarded,
        shared,
        reference.clone(),
        compiled_reads,
    )
}

/// The published SDL: fields, arguments and enum values sorted, so diffs are stable.
pub fn sdl() -> String {
    use async_graphql::SDLExportOptions;
    schema_builder(&Limits::default())
        .finish()
        .sdl_with_options(
            SDLExportOptions::new()
                .sorted_fields()
                .sorted_arguments()
                .sorted_enum_items()
                .include_specified_by(),
        )
        // The schema's own description, as `__schema { description }` answers it.
        .replacen(
            "\nschema {",
            &format!(
                "\n\"\"\"\n{}\n\"\"\"\nschema {{",
                completion::SCHEMA_DESCRIPTION
            ),
            1,
        )
}

/// The subgraph SDL a federation gateway composes (`_service { sdl }` answers the same):
/// the schema with `@link` to Federation v2 and `@key` on the entity types.
pub fn federation_sdl() -> String {
    use async_graphql::SDLExportOptions;
    schema_builder(&Limits::default())
        .finish()
        .sdl_with_options(
            SDLExportOptions::new()
                .federation()
                .sorted_fields()
                .sorted_arguments()
                .sorted_enum_items(),
        )
}

fn missing(what: &str) -> AppError {
    AppError::Internal(format!("{what} missing from the GraphQL context"))
}

/// The per-request data.
pub(crate) fn request<'a>(ctx: &Context<'a>) -> AppResult<&'a RequestData> {
    ctx.data::<RequestData>()
        .map_err(|_| missing("request data"))
}

/// Reference data.
pub(crate) fn reference<'a>(ctx: &Context<'a>) -> AppResult<&'a Arc<Reference>> {
    ctx.data::<Arc<Reference>>()
        .map_err(|_| missing("reference data"))
}

/// The connection pool.
pub(crate) fn db<'a>(ctx: &Context<'a>) -> AppResult<&'a DatabaseConnection> {
    ctx.data::<DatabaseConnection>()
        .map_err(|_| missing("database"))
}
