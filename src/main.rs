//! The `knotenpunkt` command: serve the hub, migrate, print the schema, load demo data.

use clap::Parser;
use knotenpunkt::auth::Auth;
use knotenpunkt::auth::keys::KeyStore;
use knotenpunkt::config::{
    Cli, ClientAction, Command, DatabaseArgs, KeysAction, LogFormat, MigrateAction, ServeArgs,
    TokenArgs,
};
use knotenpunkt::demo::{self, DemoOutcome};
use knotenpunkt::graphql::id::{self, NodeType};
use knotenpunkt::service::clients;
use knotenpunkt::{AppState, db, graphql};
use migration::{Migrator, MigratorTrait};
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
        Command::Schema => {
            print!("{}", graphql::sdl());
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
            let conn = db::connect(&args).await?;
            db::migrate(&conn).await?;
            report_demo(demo::load(&conn, &demo).await?);
            Ok(())
        }
    }
}

fn report_demo(outcome: DemoOutcome) {
    match outcome {
        DemoOutcome::Loaded(s) => tracing::info!(
            organisations = s.organisations,
            courses = s.courses,
            course_runs = s.course_runs,
            candidates = s.candidates,
            cases = s.cases,
            "demo network loaded"
        ),
        DemoOutcome::AlreadyPresent(what) => {
            tracing::info!(%what, "demo network already present; nothing loaded")
        }
    }
}

async fn client(args: &DatabaseArgs, action: ClientAction) -> Result<(), BoxError> {
    let conn = db::connect(args).await?;
    db::migrate(&conn).await?;
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
                    .map(|o| id::encode(NodeType::Organisation, o).0)
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
    let conn = db::connect(args).await?;
    match action {
        MigrateAction::Up => Migrator::up(&conn, None).await?,
        MigrateAction::Down { n } => Migrator::down(&conn, Some(n)).await?,
        MigrateAction::Status => {
            for m in Migrator::get_migration_with_status(&conn).await? {
                println!("{:<8} {}", format!("{:?}", m.status()), m.name());
            }
        }
    }
    Ok(())
}

async fn serve(mut args: ServeArgs) -> Result<(), BoxError> {
    let started = Instant::now();
    if args.auth.public_url.is_none() {
        args.auth.public_url = Some(format!("http://{}", args.listen));
    }
    let conn = db::connect(&args.db).await?;
    if !args.no_migrate {
        db::migrate(&conn).await?;
    }
    if args.demo {
        report_demo(demo::load(&conn, &args.demo_args).await?);
    }
    let auth = Auth::from_args(&args.auth)?;
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
    let state = AppState::new(conn, args.limits.clone(), auth).await?;
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    let addr = listener.local_addr()?;
    tracing::info!(
        %addr,
        startup_ms = started.elapsed().as_millis() as u64,
        "Knotenpunkt is listening; GraphiQL at http://{addr}/graphql"
    );
    if args.demo && builtin {
        print_demo_clients(&args);
    }
    axum::serve(listener, knotenpunkt::app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("stopped");
    Ok(())
}

fn print_demo_clients(args: &ServeArgs) {
    let token_url = format!("{}/oauth/token", args.auth.builtin_issuer());
    println!("\nDemo clients of the built-in issuer (demo data only):\n");
    println!("  {:<22} {:<34} scopes", "client_id", "client_secret");
    for c in demo::demo_clients(args.demo_args.seed) {
        println!("  {:<22} {:<34} {}", c.client_id, c.secret, c.scopes);
    }
    if let Some(school) = demo::demo_clients(args.demo_args.seed).first() {
        println!(
            "\nGet a token:\n  curl -u {}:{} -d grant_type=client_credentials {token_url}\n",
            school.client_id, school.secret
        );
    }
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
