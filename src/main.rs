//! The `knotenpunkt` command: serve the hub, migrate, print the schema, load demo data.

use clap::Parser;
use knotenpunkt::auth::Auth;
use knotenpunkt::auth::keys::KeyStore;
use knotenpunkt::config::{
    Cli, ClientAction, Command, DatabaseArgs, DemoArgs, KeysAction, LogFormat, MigrateAction,
    ServeArgs, TokenArgs,
};
use knotenpunkt::demo::{self, DemoNetwork, DemoOutcome};
use knotenpunkt::error::AppError;
use knotenpunkt::id::{self, NodeType};
use knotenpunkt::service::clients;
use knotenpunkt::{AppState, db, graphql};
use migration::{Migrator, MigratorTrait, Removal};
use sea_orm::DatabaseConnection;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Instant;
use tracing_subscriber::EnvFilter;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.log_format);
    match run(cli.command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm_migration=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

async fn run(command: Command) -> Result<(), BoxError> {
    match command {
        Command::Serve(args) => serve(args).await,
        Command::Migrate { db: args, action } => migrate(&args, action).await,
        Command::Schema { federation } => {
            if federation {
                print!("{}", graphql::federation_sdl());
            } else {
                print!("{}", graphql::sdl());
            }
            Ok(())
        }
        Command::Client { db: args, action } => client(&args, action).await,
        Command::Token(args) => token(args).await,
        Command::Keys {
            signing_key_path,
            action,
        } => {
            let store = KeyStore::open(&signing_key_path)?;
            if let KeysAction::Rotate = action {
                let kid = store.rotate()?;
                println!(
                    "now signing with key {kid}; the previous key stays published until its tokens expire"
                );
            }
            let jwks = store.jwks(chrono::Duration::days(7));
            println!("{}", serde_json::to_string_pretty(&jwks)?);
            Ok(())
        }
        Command::DemoData { db: args, demo } => {
            let (conn, lock) = db::open(&args).await?;
            let outcome = setup(&conn, true, Some(&demo)).await;
            lock.release().await;
            if let Some(outcome) = outcome? {
                report_demo(&outcome, &demo);
            }
            Ok(())
        }
    }
}

/// Brings the database up to date (or checks that it is, with `--no-migrate`) and loads
/// the demo network if asked. Runs under the setup lock.
async fn setup(
    conn: &DatabaseConnection,
    migrate: bool,
    demo: Option<&DemoArgs>,
) -> Result<Option<DemoOutcome>, BoxError> {
    if migrate {
        db::migrate(conn)
            .await
            .map_err(|e| format!("migrating the database: {e}"))?;
    } else {
        require_migrated(conn).await?;
    }
    match demo {
        Some(args) => {
            Ok(Some(demo::load(conn, args).await.map_err(|e| {
                format!("loading the demo network: {}", detail(e))
            })?))
        }
        None => Ok(None),
    }
}

/// With `--no-migrate` the schema must already be complete: a hub on a partial schema
/// would report ready and then fail requests.
async fn require_migrated(conn: &DatabaseConnection) -> Result<(), BoxError> {
    let pending = db::pending_migrations(conn)
        .await
        .map_err(|e| format!("reading the applied migrations: {e}"))?;
    if pending.is_empty() {
        return Ok(());
    }
    if db::applied_migrations(conn)
        .await
        .map_err(|e| format!("reading the applied migrations: {e}"))?
        .is_empty()
    {
        let advice = "run `knotenpunkt migrate up` or start without --no-migrate";
        return Err(format!("the database is empty (not migrated); {advice}").into());
    }
    Err(format!(
        "the database lacks {} migration(s): {}; run `knotenpunkt migrate up` or start \
         without --no-migrate",
        pending.len(),
        pending.join(", ")
    )
    .into())
}

/// An error in words for the operator: internal causes are shown here, on the console
/// of the person who runs the command, while clients only ever see a code.
fn detail(err: AppError) -> String {
    match err {
        AppError::Internal(cause) => cause,
        other => other.to_string(),
    }
}

fn report_demo(outcome: &DemoOutcome, asked: &DemoArgs) {
    match outcome {
        DemoOutcome::Loaded { network, summary } => tracing::info!(
            %network,
            organisations = summary.organisations,
            clients = summary.clients,
            courses = summary.courses,
            course_runs = summary.course_runs,
            candidates = summary.candidates,
            cases = summary.cases,
            exam_sessions = summary.exam_sessions,
            enrolments = summary.enrolments,
            "demo network loaded"
        ),
        DemoOutcome::AlreadyPresent(network) => {
            tracing::info!(%network, "demo network already present; nothing loaded")
        }
    }
    if let Some(note) = other_network_note(&outcome.network(), asked) {
        tracing::warn!("{note}");
    }
}

/// Says so when the database holds a demo network other than the one asked for: the
/// options given now do not change it.
fn other_network_note(network: &DemoNetwork, asked: &DemoArgs) -> Option<String> {
    let mut asked_for = Vec::new();
    if asked.seed != network.seed {
        asked_for.push(format!("--demo-seed {}", asked.seed));
    }
    if asked.scale != network.scale {
        asked_for.push(format!("--scale {}", asked.scale));
    }
    if let Some(anchor) = asked.anchor_date.filter(|a| *a != network.anchor) {
        asked_for.push(format!("--demo-anchor-date {anchor}"));
    }
    (!asked_for.is_empty()).then(|| {
        format!(
            "the database already holds the demo network of {network}; {} applies only to \
             an empty database",
            asked_for.join(", ")
        )
    })
}

async fn client(args: &DatabaseArgs, action: ClientAction) -> Result<(), BoxError> {
    let (conn, lock) = db::open(args).await?;
    let migrated = setup(&conn, true, None).await;
    lock.release().await;
    migrated?;
    match action {
        ClientAction::Add {
            organisation,
            scopes,
            name,
            external_client_id,
        } => {
            let organisation_id = organisation
                .map(|o| {
                    o.parse::<i64>()
                        .or_else(|_| id::decode_as(&o, NodeType::Organisation, "organisation"))
                        .map_err(|e| format!("--organisation: {e}"))
                })
                .transpose()?;
            let registered = clients::register(
                &conn,
                clients::NewClient {
                    name,
                    organisation_id,
                    scopes,
                    external_client_id,
                },
            )
            .await?;
            println!("client_id:     {}", registered.client.client_id);
            if let Some(secret) = registered.secret {
                println!("client_secret: {secret}");
                println!("(the secret is shown only now; it is stored as a hash)");
            }
            println!("scopes:        {}", registered.client.scopes);
        }
        ClientAction::List => {
            println!(
                "{:<28} {:<14} {:<10} {:<40} name",
                "client_id", "organisation", "status", "scopes"
            );
            for c in clients::list(&conn).await? {
                let org = c
                    .organisation_id
                    .map(|o| id::encode(NodeType::Organisation, o))
                    .unwrap_or_else(|| "-".into());
                let status = if c.revoked_at.is_some() {
                    "revoked"
                } else if c.secret_hash.is_none() {
                    "external"
                } else {
                    "active"
                };
                println!(
                    "{:<28} {:<14} {:<10} {:<40} {}",
                    c.client_id, org, status, c.scopes, c.name
                );
            }
        }
        ClientAction::Revoke { client_id } => {
            let c = clients::revoke(&conn, &client_id).await?;
            println!(
                "revoked {} at {}",
                c.client_id,
                c.revoked_at.map(|t| t.to_rfc3339()).unwrap_or_default()
            );
        }
    }
    Ok(())
}

/// Gets a token with the client credentials grant through the `oauth2` crate, as any
/// partner's client would.
async fn token(args: TokenArgs) -> Result<(), BoxError> {
    use oauth2::basic::BasicClient;
    use oauth2::{ClientId, ClientSecret, Scope, TokenResponse, TokenUrl};
    let client = BasicClient::new(ClientId::new(args.client_id))
        .set_client_secret(ClientSecret::new(args.client_secret))
        .set_token_uri(TokenUrl::new(args.token_url)?);
    let mut request = client.exchange_client_credentials();
    for s in args.scope.as_deref().unwrap_or_default().split_whitespace() {
        request = request.add_scope(Scope::new(s.to_owned()));
    }
    let token = request
        .request_async(&knotenpunkt::auth::http_client())
        .await?;
    println!("{}", token.access_token().secret());
    Ok(())
}

async fn migrate(args: &DatabaseArgs, action: MigrateAction) -> Result<(), BoxError> {
    match action {
        MigrateAction::Status => {
            let conn = db::connect(args).await?;
            for m in Migrator::get_migration_with_status_read_only(&conn).await? {
                println!("{:<8} {}", format!("{:?}", m.status()), m.name());
            }
            Ok(())
        }
        MigrateAction::Up => {
            let (conn, lock) = db::open(args).await?;
            let result = setup(&conn, true, None).await;
            lock.release().await;
            result.map(|_| ())
        }
        MigrateAction::Down { n, yes } => {
            let (conn, lock) = db::open(args).await?;
            let result = roll_back(&conn, n, yes).await;
            lock.release().await;
            result
        }
    }
}

/// `migrate down`: lists what the rollback drops, and drops data only with `--yes`.
async fn roll_back(conn: &DatabaseConnection, n: u32, yes: bool) -> Result<(), BoxError> {
    let plan = db::rollback_plan(conn, n).await?;
    if plan.is_empty() {
        println!("no applied migrations to roll back");
        return Ok(());
    }
    println!("Rolling back, last first:");
    let mut rows = 0;
    for step in &plan {
        println!("  {}", step.migration);
        for (removal, count) in &step.removes {
            rows += count;
            let (what, unit) = match removal {
                Removal::Table(t) => (format!("drops table {t}"), "rows"),
                Removal::Rows(t) => (format!("deletes all rows of {t}"), "rows"),
                Removal::Column { table, column } => {
                    (format!("drops column {table}.{column}"), "values")
                }
            };
            println!("    {what:<48} {count:>8} {unit}");
        }
    }
    if rows > 0 && !yes {
        return Err(format!(
            "this would drop {rows} rows of data (listed above); nothing was changed. \
             Run `knotenpunkt migrate down -n {n} --yes` to drop them"
        )
        .into());
    }
    Migrator::down(conn, Some(n)).await?;
    println!("rolled back {} migration(s)", plan.len());
    Ok(())
}

async fn serve(mut args: ServeArgs) -> Result<(), BoxError> {
    let started = Instant::now();
    // Listen first: a port in use is reported before anything is migrated.
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AddrInUse => format!("address {} is already in use", args.listen),
            _ => format!("cannot listen on {}: {e}", args.listen),
        })?;
    let addr = listener.local_addr()?;
    if args.auth.public_url.is_none() {
        args.auth.public_url = Some(format!("http://{addr}"));
    }
    let (conn, lock) = db::open(&args.db).await?;
    let outcome = setup(
        &conn,
        !args.no_migrate,
        args.demo.then_some(&args.demo_args),
    )
    .await;
    lock.release().await;
    let outcome = outcome?;
    if let Some(outcome) = &outcome {
        report_demo(outcome, &args.demo_args);
    }
    let auth = Auth::from_args(&args.auth).map_err(|e| format!("auth: {}", detail(e)))?;
    if let Some(remote) = auth.remote_jwks()
        && let Err(err) = remote.metadata().await
    {
        // Not fatal: the IdP may come up after the hub. Until it is discovered, tokens
        // cannot be verified and `/readyz` says why.
        tracing::error!(
            issuer = remote.issuer(),
            "external IdP {err}; serving anyway, /readyz answers 503 until discovery succeeds (retried at most every {} s)",
            args.auth.jwks_refetch_cooldown_secs
        );
    }
    let builtin = auth.issuer.is_some();
    let mut state = AppState::new(conn.clone(), args.limits.clone(), auth)
        .await
        .map_err(|e| format!("loading reference data: {}", detail(e)))?;
    state.dashboard_token = args.dashboard_token.as_deref().map(Into::into);
    // What migrating and loading the demo network needed is not needed to serve.
    knotenpunkt::memory::release();
    knotenpunkt::memory::release_periodically();
    tracing::info!(
        %addr,
        startup_ms = started.elapsed().as_millis() as u64,
        "Knotenpunkt is listening; GraphiQL at http://{addr}/graphql"
    );
    if let (Some(outcome), true) = (&outcome, builtin) {
        print_demo_clients(&args, &conn, outcome).await?;
    }
    // The peer's address keys the rate limits of anonymous callers.
    let app = knotenpunkt::app(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("stopped");
    Ok(())
}

/// Prints the credentials of the demo clients that work against this database: those of
/// the network it holds (whatever `--demo-seed` says now), registered and not revoked.
async fn print_demo_clients(
    args: &ServeArgs,
    conn: &DatabaseConnection,
    outcome: &DemoOutcome,
) -> Result<(), BoxError> {
    let network = outcome.network();
    let clients = demo::active_clients(conn, network.seed)
        .await
        .map_err(|e| format!("reading the demo clients: {}", detail(e)))?;
    let token_url = format!("{}/oauth/token", args.auth.builtin_issuer());
    println!("\nDemo clients of the built-in issuer (demo data only):\n");
    if let Some(note) = other_network_note(&network, &args.demo_args) {
        println!("  Note: {note}; these are its credentials.\n");
    }
    println!("  {:<22} {:<34} scopes", "client_id", "client_secret");
    for c in &clients {
        println!("  {:<22} {:<34} {}", c.client_id, c.secret, c.scopes);
    }
    if let Some(first) = clients.first() {
        println!(
            "\nGet a token:\n  curl -u {}:{} -d grant_type=client_credentials {token_url}\n",
            first.client_id, first.secret
        );
    }
    Ok(())
}

/// Resolves on SIGINT or SIGTERM; in-flight requests are then drained before exit.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(err) => {
                tracing::warn!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down, draining in-flight requests");
}
