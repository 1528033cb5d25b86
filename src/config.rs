//! Command line and environment configuration, parsed once into typed structs.
//!
//! Every flag can also be set through the environment variable shown in `--help`
//! (`KNOTENPUNKT_…`), which is how operators configure containers.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::time::Duration;

/// Knotenpunkt: one shared GraphQL graph for the regional networks that bring health
/// professionals trained abroad into work.
#[derive(Debug, Parser)]
#[command(name = "knotenpunkt", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Log format on standard error (filter with `RUST_LOG`, e.g. `RUST_LOG=knotenpunkt=debug`).
    #[arg(long, env = "KNOTENPUNKT_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the hub: migrate the database, optionally load demo data, serve GraphQL.
    Serve(ServeArgs),
    /// Apply, roll back or list database migrations.
    Migrate {
        #[command(flatten)]
        db: DatabaseArgs,
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Print the GraphQL schema (SDL, fields sorted) to standard output.
    Schema,
    /// Load the demo network into the configured database (once; re-running is a no-op).
    DemoData {
        #[command(flatten)]
        db: DatabaseArgs,
        #[command(flatten)]
        demo: DemoArgs,
    },
}

#[derive(Debug, Clone, Copy, Subcommand)]
pub enum MigrateAction {
    /// Apply all pending migrations.
    Up,
    /// Roll back the last `n` migrations.
    Down {
        /// How many migrations to roll back.
        #[arg(short, long, default_value_t = 1)]
        n: u32,
    },
    /// Show which migrations are applied.
    Status,
}

/// Where the data lives.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Database URL: `sqlite://FILE?mode=rwc` (embedded default) or `postgres://USER@HOST/DB`.
    #[arg(
        long,
        env = "KNOTENPUNKT_DATABASE_URL",
        default_value = "sqlite://knotenpunkt.db?mode=rwc"
    )]
    pub database_url: String,
    /// Maximum number of pooled database connections.
    #[arg(
        long,
        env = "KNOTENPUNKT_DATABASE_MAX_CONNECTIONS",
        default_value_t = 16
    )]
    pub database_max_connections: u32,
}

/// Shape of the generated demo network.
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Seed of the demo data generator; the same seed gives the same network.
    #[arg(
        long = "demo-seed",
        env = "KNOTENPUNKT_DEMO_SEED",
        default_value_t = 42
    )]
    pub seed: u64,
    /// Multiplies the generated organisations, courses and runs (for benchmarks).
    #[arg(long = "scale", env = "KNOTENPUNKT_DEMO_SCALE", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub scale: u32,
    /// Date the demo calendar starts from (YYYY-MM-DD); defaults to today.
    #[arg(long = "demo-anchor-date", env = "KNOTENPUNKT_DEMO_ANCHOR_DATE")]
    pub anchor_date: Option<chrono::NaiveDate>,
}

/// `serve` options.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// Address to listen on.
    #[arg(long, env = "KNOTENPUNKT_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Load the demo network on start (once).
    #[arg(long, env = "KNOTENPUNKT_DEMO")]
    pub demo: bool,
    #[command(flatten)]
    pub demo_args: DemoArgs,
    /// Do not apply pending migrations on start.
    #[arg(long, env = "KNOTENPUNKT_NO_MIGRATE")]
    pub no_migrate: bool,
    #[command(flatten)]
    pub limits: Limits,
}

/// Limits that protect the hub from expensive or abusive requests.
#[derive(Debug, Clone, Args)]
pub struct Limits {
    /// Maximum depth of a GraphQL selection.
    #[arg(long, env = "KNOTENPUNKT_MAX_DEPTH", default_value_t = 12)]
    pub max_depth: usize,
    /// Maximum complexity of a query; a connection costs `first × (cost of its node)`.
    #[arg(long, env = "KNOTENPUNKT_MAX_COMPLEXITY", default_value_t = 5000)]
    pub max_complexity: usize,
    /// Maximum number of aliases in one document.
    #[arg(long, env = "KNOTENPUNKT_MAX_ALIASES", default_value_t = 30)]
    pub max_aliases: usize,
    /// Maximum number of root fields in one operation.
    #[arg(long, env = "KNOTENPUNKT_MAX_ROOT_FIELDS", default_value_t = 20)]
    pub max_root_fields: usize,
    /// Maximum number of operations in one batched request.
    #[arg(long, env = "KNOTENPUNKT_MAX_BATCH", default_value_t = 10)]
    pub max_batch: usize,
    /// Maximum request body size in bytes.
    #[arg(long, env = "KNOTENPUNKT_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Time after which a request is aborted, in seconds.
    #[arg(long, env = "KNOTENPUNKT_REQUEST_TIMEOUT_SECS", default_value_t = 10)]
    pub request_timeout_secs: u64,
}

impl Limits {
    /// The request timeout as a `Duration`.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }
}

/// Defaults of a flattened argument group, read from its clap attributes so that the
/// numbers live in one place.
fn defaults<T: Args>() -> T {
    #[derive(Parser)]
    struct Only<T: Args> {
        #[command(flatten)]
        inner: T,
    }
    Only::<T>::try_parse_from(["knotenpunkt"])
        .map(|o| o.inner)
        .unwrap_or_else(|e| panic!("argument defaults do not parse: {e}"))
}

impl Default for Limits {
    fn default() -> Self {
        defaults()
    }
}

impl Default for DemoArgs {
    fn default() -> Self {
        defaults()
    }
}
