//! The `knotenpunkt` command: serve the hub, migrate, print the schema, load demo data.

use clap::Parser;
use knotenpunkt::config::{Cli, Command, DatabaseArgs, LogFormat, MigrateAction, ServeArgs};
use knotenpunkt::demo::{self, DemoOutcome};
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
            "demo network loaded"
        ),
        DemoOutcome::AlreadyPresent(what) => {
            tracing::info!(%what, "demo network already present; nothing loaded")
        }
    }
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

async fn serve(args: ServeArgs) -> Result<(), BoxError> {
    let started = Instant::now();
    let conn = db::connect(&args.db).await?;
    if !args.no_migrate {
        db::migrate(&conn).await?;
    }
    if args.demo {
        report_demo(demo::load(&conn, &args.demo_args).await?);
    }
    let state = AppState::new(conn, args.limits.clone()).await?;
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    let addr = listener.local_addr()?;
    tracing::info!(
        %addr,
        startup_ms = started.elapsed().as_millis() as u64,
        "Knotenpunkt is listening; GraphiQL at http://{addr}/graphql"
    );
    axum::serve(listener, knotenpunkt::app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("stopped");
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
