//! Command line and environment configuration, parsed once into typed structs.
//!
//! Every flag can also be set through the environment variable shown in `--help`
//! (`KNOTENPUNKT_…`), which is how operators configure containers.
//!
//! Flags shared by a command's subcommands (`--database-url` of `migrate` and `client`,
//! `--signing-key-path` of `keys`) are `global`: they may stand on either side of the
//! subcommand, `migrate --database-url … status` as well as `migrate status --database-url …`.

use clap::builder::BoolishValueParser;
use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;
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

// Parsed once per process: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
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
    Schema {
        /// Print the Apollo Federation v2 subgraph SDL instead (what `_service { sdl }`
        /// answers a gateway), for composing a supergraph.
        #[arg(long)]
        federation: bool,
    },
    /// Load the demo network into the configured database (once; re-running is a no-op).
    DemoData {
        #[command(flatten)]
        db: DatabaseArgs,
        #[command(flatten)]
        demo: DemoArgs,
    },
    /// Register, list and revoke partner clients.
    Client {
        #[command(flatten)]
        db: DatabaseArgs,
        #[command(subcommand)]
        action: ClientAction,
    },
    /// Get an access token with the client credentials grant (any OAuth2 server).
    Token(TokenArgs),
    /// Manage the built-in issuer's signing keys.
    Keys {
        /// File holding the signing keys.
        #[arg(
            long,
            env = "KNOTENPUNKT_SIGNING_KEY_PATH",
            default_value = "knotenpunkt-keys.json",
            global = true
        )]
        signing_key_path: PathBuf,
        #[command(subcommand)]
        action: KeysAction,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum ClientAction {
    /// Register a client; prints its id and (for the built-in issuer) its secret, once.
    Add {
        /// The organisation the client acts for: its ID (as in GraphQL) or number. Omit for an operator client with scope `admin`.
        #[arg(long)]
        organisation: Option<String>,
        /// Space-separated scopes, e.g. "courses:write".
        #[arg(long)]
        scopes: String,
        /// A name that tells what the client is, e.g. "BFS Leipzig".
        #[arg(long)]
        name: String,
        /// Register the `client_id` of a client at an external IdP (no secret here) to map it to the organisation.
        #[arg(long)]
        external_client_id: Option<String>,
    },
    /// List all clients.
    List,
    /// Revoke a client: no new tokens, and current tokens stop working.
    Revoke {
        /// The client's `client_id`.
        client_id: String,
    },
}

#[derive(Debug, Clone, Copy, Subcommand)]
pub enum KeysAction {
    /// Start signing with a new key; the old one stays in the JWKS until its tokens expire.
    Rotate,
    /// Show the published keys.
    List,
}

/// `token` options.
#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    /// The client's id.
    #[arg(long, env = "KNOTENPUNKT_CLIENT_ID")]
    pub client_id: String,
    /// The client's secret.
    #[arg(long, env = "KNOTENPUNKT_CLIENT_SECRET", hide_env_values = true)]
    pub client_secret: String,
    /// Space-separated scopes to ask for (default: all the client may have).
    #[arg(long)]
    pub scope: Option<String>,
    /// The token endpoint.
    #[arg(
        long,
        env = "KNOTENPUNKT_TOKEN_URL",
        default_value = "http://127.0.0.1:8080/oauth/token"
    )]
    pub token_url: String,
}

#[derive(Debug, Clone, Copy, Subcommand)]
pub enum MigrateAction {
    /// Apply all pending migrations.
    Up,
    /// Roll back the last `n` migrations. Lists the tables and rows that would be dropped
    /// and, when any hold data, drops nothing without `--yes`.
    Down {
        /// How many migrations to roll back.
        #[arg(short, long, default_value_t = 1)]
        n: u32,
        /// Drop the listed data.
        #[arg(long)]
        yes: bool,
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
        default_value = "sqlite://knotenpunkt.db?mode=rwc",
        global = true
    )]
    pub database_url: String,
    /// Maximum number of pooled database connections.
    #[arg(
        long,
        env = "KNOTENPUNKT_DATABASE_MAX_CONNECTIONS",
        default_value_t = 16,
        global = true
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
    #[arg(long, env = "KNOTENPUNKT_DEMO", value_name = "BOOL", action = ArgAction::Set,
        num_args = 0..=1, require_equals = true, default_value = "false",
        default_missing_value = "true", value_parser = BoolishValueParser::new())]
    pub demo: bool,
    #[command(flatten)]
    pub demo_args: DemoArgs,
    /// Do not apply pending migrations on start; refuse to start while any are pending.
    #[arg(long, env = "KNOTENPUNKT_NO_MIGRATE", value_name = "BOOL", action = ArgAction::Set,
        num_args = 0..=1, require_equals = true, default_value = "false",
        default_missing_value = "true", value_parser = BoolishValueParser::new())]
    pub no_migrate: bool,
    #[command(flatten)]
    pub limits: Limits,
    #[command(flatten)]
    pub auth: AuthArgs,
    /// A `stats:read` token written into the dashboard page (`/dashboard`), so viewers need none: anyone who can load the page then sees the aggregates this token may read.
    #[arg(long, env = "KNOTENPUNKT_DASHBOARD_TOKEN", hide_env_values = true)]
    pub dashboard_token: Option<String>,
}

/// Where tokens come from and what they must say.
#[derive(Debug, Clone, Args)]
pub struct AuthArgs {
    /// Public base URL of this hub: the built-in issuer's `iss` and the default audience (default: `http://` and the listen address).
    #[arg(long, env = "KNOTENPUNKT_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// File holding the built-in issuer's signing keys (created on first start, mode 0600).
    #[arg(
        long,
        env = "KNOTENPUNKT_SIGNING_KEY_PATH",
        default_value = "knotenpunkt-keys.json"
    )]
    pub signing_key_path: PathBuf,
    /// Lifetime of access tokens issued by the built-in issuer, in seconds.
    #[arg(long, env = "KNOTENPUNKT_TOKEN_TTL_SECS", default_value_t = 900)]
    pub token_ttl_secs: u64,
    /// Issuer URL of an external IdP (production). Tokens must come from it; the built-in issuer is off.
    #[arg(long, env = "KNOTENPUNKT_OAUTH_ISSUER")]
    pub oauth_issuer: Option<String>,
    /// Audience an access token must carry (default: the public URL).
    #[arg(long, env = "KNOTENPUNKT_OAUTH_AUDIENCE")]
    pub oauth_audience: Option<String>,
    /// Token claim that names the partner organisation (its ID); without it the client's registration decides.
    #[arg(
        long,
        env = "KNOTENPUNKT_ORGANISATION_CLAIM",
        default_value = "organisation"
    )]
    pub organisation_claim: String,
    /// Minimum seconds between two attempts to reach the external IdP (discovery or JWKS), e.g. for tokens with an unknown key id.
    #[arg(
        long,
        env = "KNOTENPUNKT_JWKS_REFETCH_COOLDOWN_SECS",
        default_value_t = 30
    )]
    pub jwks_refetch_cooldown_secs: u64,
    /// Seconds the external IdP's JWKS is used before it is fetched again, unless its response says otherwise (`Cache-Control: max-age`).
    #[arg(long, env = "KNOTENPUNKT_JWKS_MAX_AGE_SECS", default_value_t = 600)]
    pub jwks_max_age_secs: u64,
    /// The hub's own client id at the external IdP, to introspect opaque tokens (RFC 7662).
    #[arg(
        long,
        env = "KNOTENPUNKT_OAUTH_CLIENT_ID",
        requires = "oauth_client_secret"
    )]
    pub oauth_client_id: Option<String>,
    /// The hub's client secret at the external IdP.
    #[arg(long, env = "KNOTENPUNKT_OAUTH_CLIENT_SECRET", hide_env_values = true)]
    pub oauth_client_secret: Option<String>,
}

impl AuthArgs {
    /// The audience tokens must carry.
    pub fn audience(&self) -> String {
        self.oauth_audience
            .clone()
            .unwrap_or_else(|| self.builtin_issuer())
    }

    /// The built-in issuer's identifier: the public URL without a trailing slash.
    pub fn builtin_issuer(&self) -> String {
        self.public_url
            .as_deref()
            .unwrap_or("http://127.0.0.1:8080")
            .trim_end_matches('/')
            .to_owned()
    }
}

/// Limits that protect the hub from expensive or abusive requests.
#[derive(Debug, Clone, Args)]
pub struct Limits {
    /// Maximum depth of the data selections of an operation (introspection is bounded by the depth of the standard introspection query, 15).
    #[arg(long, env = "KNOTENPUNKT_MAX_DEPTH", default_value_t = 12)]
    pub max_depth: usize,
    /// Maximum calculated cost of an operation: the field values it can produce, lists multiplied by their size (README, "Cost").
    #[arg(long, env = "KNOTENPUNKT_MAX_COST", default_value_t = 25_000)]
    pub max_cost: u64,
    /// Maximum number of field values one operation may produce while it runs.
    #[arg(long, env = "KNOTENPUNKT_MAX_RESULT_VALUES", default_value_t = 100_000)]
    pub max_result_values: u64,
    /// Maximum size of a response body in bytes.
    #[arg(long, env = "KNOTENPUNKT_MAX_RESPONSE_BYTES", default_value_t = 10 * 1024 * 1024)]
    pub max_response_bytes: usize,
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
    /// Largest file `POST /import/courses` reads, in bytes (README, "Bulk import").
    #[arg(long, env = "KNOTENPUNKT_IMPORT_MAX_BYTES", default_value_t = 32 * 1024 * 1024)]
    pub import_max_bytes: u64,
    /// Time after which an import is stopped and rolled back, in seconds (it replaces `--request-timeout-secs` for `POST /import/courses`).
    #[arg(long, env = "KNOTENPUNKT_IMPORT_TIMEOUT_SECS", default_value_t = 120)]
    pub import_timeout_secs: u64,
    /// On PostgreSQL, answer reads of the public catalogue with one statement that builds the response in the database (README, "How reads run"); `false` resolves every field.
    #[arg(long, env = "KNOTENPUNKT_COMPILED_READS", value_name = "BOOL", action = ArgAction::Set,
        num_args = 0..=1, require_equals = true, default_value = "true",
        default_missing_value = "true", value_parser = BoolishValueParser::new())]
    pub compiled_reads: bool,
    /// Disclosure control of statistics: counts below this are suppressed, the others rounded to multiples of it (3 to 10; README, "Disclosure control").
    #[arg(long, env = "KNOTENPUNKT_STATS_THRESHOLD", default_value_t = 5,
        value_parser = clap::value_parser!(u32).range(3..=10))]
    pub stats_threshold: u32,
    #[command(flatten)]
    pub rate: RateLimits,
    #[command(flatten)]
    pub live: LiveLimits,
}

/// Limits of live subscriptions (`/graphql/ws`).
#[derive(Debug, Clone, Args)]
pub struct LiveLimits {
    /// Subscriptions one connection may run at once.
    #[arg(
        long,
        env = "KNOTENPUNKT_SUBSCRIPTIONS_PER_CONNECTION",
        default_value_t = 20
    )]
    pub subscriptions_per_connection: usize,
    /// Subscriptions one client (token `client_id`; anonymous callers: per address) may run at once over all its connections to this replica.
    #[arg(
        long,
        env = "KNOTENPUNKT_SUBSCRIPTIONS_PER_CLIENT",
        default_value_t = 200
    )]
    pub subscriptions_per_client: usize,
    /// Seconds between the pings the hub sends on a quiet connection.
    #[arg(long, env = "KNOTENPUNKT_WS_PING_SECS", default_value_t = 15)]
    pub ws_ping_secs: u64,
    /// Seconds without any message from the client (a pong included) after which the hub closes the connection.
    #[arg(long, env = "KNOTENPUNKT_WS_IDLE_SECS", default_value_t = 45)]
    pub ws_idle_secs: u64,
    /// Seconds a new connection may take to send `connection_init`.
    #[arg(long, env = "KNOTENPUNKT_WS_INIT_SECS", default_value_t = 10)]
    pub ws_init_secs: u64,
}

/// Rate limits: budgets per minute, kept in this process's memory (per replica).
/// `0` turns a limit off.
#[derive(Debug, Clone, Args)]
pub struct RateLimits {
    /// Cost points a client (token `client_id`) may spend per minute on GraphQL operations.
    #[arg(
        long,
        env = "KNOTENPUNKT_RATE_LIMIT_POINTS_PER_MINUTE",
        default_value_t = 100_000
    )]
    pub rate_limit_points_per_minute: u32,
    /// Cost points an anonymous caller (per address) may spend per minute.
    #[arg(
        long,
        env = "KNOTENPUNKT_RATE_LIMIT_ANONYMOUS_POINTS_PER_MINUTE",
        default_value_t = 20_000
    )]
    pub rate_limit_anonymous_points_per_minute: u32,
    /// Requests per minute to the token endpoint for one `client_id`.
    #[arg(
        long,
        env = "KNOTENPUNKT_TOKEN_REQUESTS_PER_MINUTE",
        default_value_t = 20
    )]
    pub token_requests_per_minute: u32,
    /// Requests per minute to the token endpoint from one address.
    #[arg(
        long,
        env = "KNOTENPUNKT_TOKEN_REQUESTS_PER_MINUTE_PER_ADDRESS",
        default_value_t = 60
    )]
    pub token_requests_per_minute_per_address: u32,
    /// Proxies or gateways (IP addresses or CIDR ranges, comma-separated) whose
    /// `Forwarded` / `X-Forwarded-For` header names the caller's address.
    #[arg(
        long,
        env = "KNOTENPUNKT_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_parser = parse_proxy
    )]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The header the trusted proxies write the caller's address into (any other is ignored).
    #[arg(long, env = "KNOTENPUNKT_FORWARDED_HEADER", value_enum, default_value_t = ForwardedHeader::XForwardedFor)]
    pub forwarded_header: ForwardedHeader,
}

/// Where a trusted proxy puts the address it received a request from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, …`
    XForwardedFor,
    /// `Forwarded: for=client, for=proxy1, …` (RFC 7239).
    Forwarded,
}

/// An IP address (one host) or a CIDR range.
fn parse_proxy(value: &str) -> Result<ipnet::IpNet, String> {
    let value = value.trim();
    value
        .parse::<ipnet::IpNet>()
        .or_else(|_| value.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("`{value}` is neither an IP address nor a CIDR range"))
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

impl Default for RateLimits {
    fn default() -> Self {
        defaults()
    }
}

impl Default for LiveLimits {
    fn default() -> Self {
        defaults()
    }
}

impl Default for AuthArgs {
    fn default() -> Self {
        defaults()
    }
}

impl Default for DemoArgs {
    fn default() -> Self {
        defaults()
    }
}

#[cfg(test)]
mod tests {
    use super::Limits;
    use clap::Parser;

    #[derive(Parser)]
    struct Only {
        #[command(flatten)]
        limits: Limits,
    }

    fn compiled_reads(args: &[&str]) -> Result<bool, clap::Error> {
        let args = std::iter::once("knotenpunkt").chain(args.iter().copied());
        Only::try_parse_from(args).map(|o| o.limits.compiled_reads)
    }

    #[test]
    fn compiled_reads_is_a_switch_like_the_others() {
        assert!(compiled_reads(&[]).unwrap());
        assert!(compiled_reads(&["--compiled-reads"]).unwrap());
        assert!(!compiled_reads(&["--compiled-reads=off"]).unwrap());
        assert!(!compiled_reads(&["--compiled-reads=0"]).unwrap());
        assert!(compiled_reads(&["--compiled-reads=YES"]).unwrap());
        let err = compiled_reads(&["--compiled-reads=maybe"]).unwrap_err();
        assert!(err.to_string().contains("--compiled-reads"), "{err}");
    }
}
