//! Opening the database (SQLite or PostgreSQL, chosen by the URL), migrating it, and
//! the one lock that serialises setup (migrations, demo data) across processes.

pub mod changes;

use crate::config::DatabaseArgs;
use crate::error::AppResult;
use migration::{Migrator, MigratorTrait, Removal};
use sea_orm::sqlx;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, RuntimeErr, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};
use std::collections::HashSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How long opening a connection may take, including waiting for a database that
/// refuses connections while it starts.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A database that could not be opened, said in one line that names it: the SQLite
/// file, or the PostgreSQL host and port (never the URL, which may hold a password).
#[derive(Debug, thiserror::Error)]
#[error("could not {action} {target}: {reason}")]
pub struct OpenError {
    action: &'static str,
    target: String,
    reason: String,
}

/// What a database URL points at, in the words of an error message.
enum Target {
    Sqlite { path: Option<PathBuf> },
    Postgres { host: String, port: u16 },
    Other(String),
}

impl Target {
    fn of(url: &str) -> Target {
        if url.starts_with("sqlite:") {
            let in_memory = url.contains(":memory:") || url.contains("mode=memory");
            let path = (!in_memory)
                .then(|| url.parse::<sqlx::sqlite::SqliteConnectOptions>().ok())
                .flatten()
                .map(|o| o.get_filename().to_owned());
            return Target::Sqlite { path };
        }
        match url::Url::parse(url) {
            Ok(u) if matches!(u.scheme(), "postgres" | "postgresql") => Target::Postgres {
                host: u.host_str().unwrap_or("localhost").to_owned(),
                port: u.port().unwrap_or(5432),
            },
            Ok(u) => Target::Other(format!("a database of scheme `{}`", u.scheme())),
            Err(_) => Target::Other("the database".into()),
        }
    }

    fn error(&self, url: &str, reason: impl Into<String>) -> OpenError {
        let mut reason = reason.into();
        // Driver messages do not quote the URL today; make sure a password never reaches
        // a log line even if one does tomorrow.
        if let Some(password) = url::Url::parse(url)
            .ok()
            .and_then(|u| u.password().map(str::to_owned))
            .filter(|p| !p.is_empty())
        {
            reason = reason.replace(&password, "***");
        }
        let (action, target) = match self {
            Target::Sqlite { path: Some(p) } => {
                ("open", format!("SQLite database {}", p.display()))
            }
            Target::Sqlite { path: None } => ("open", "the in-memory SQLite database".into()),
            Target::Postgres { host, port } => {
                ("connect to", format!("PostgreSQL at {host}:{port}"))
            }
            Target::Other(what) => ("open", what.clone()),
        };
        OpenError {
            action,
            target,
            reason,
        }
    }
}

/// The reason of a failed connection attempt, without the driver's prefixes.
fn reason(err: &DbErr) -> String {
    match err {
        DbErr::Conn(RuntimeErr::SqlxError(e)) => sqlx_reason(e),
        other => other.to_string(),
    }
}

fn sqlx_reason(err: &sqlx::Error) -> String {
    match err {
        sqlx::Error::Io(io) => io_reason(io),
        sqlx::Error::Database(db) => db.message().to_owned(),
        sqlx::Error::PoolTimedOut => {
            format!("no connection within {} s", CONNECT_TIMEOUT.as_secs())
        }
        other => other.to_string(),
    }
}

fn io_reason(err: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match err.kind() {
        ErrorKind::ConnectionRefused => "connection refused".into(),
        ErrorKind::TimedOut => "connection timed out".into(),
        ErrorKind::NotFound => "no such file or directory".into(),
        ErrorKind::PermissionDenied => "permission denied".into(),
        _ => err.to_string(),
    }
}

/// Opens a connection pool for `args.database_url`.
///
/// SQLite gets WAL journaling and a busy timeout so that concurrent requests wait for
/// the single writer instead of failing; foreign keys are enforced on both databases.
/// Every SQLite connection also zeroes what it deletes (`secure_delete`): otherwise an
/// erased person's name stays readable in free space of the database file.
pub async fn connect(args: &DatabaseArgs) -> Result<DatabaseConnection, OpenError> {
    let mut opts = ConnectOptions::new(args.database_url.clone());
    opts.max_connections(args.database_max_connections)
        .min_connections(1)
        .connect_timeout(CONNECT_TIMEOUT)
        .acquire_timeout(CONNECT_TIMEOUT)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                .pragma("secure_delete", "ON")
        })
        .map_sqlx_sqlite_pool_opts(|pool| {
            pool.after_release(|conn, _| Box::pin(sqlite_connection_reusable(conn)))
        });
    let url = &args.database_url;
    let target = Target::of(url);
    if let Target::Postgres { .. } = target {
        // The pool retries a refused connection until its timeout and then reports only
        // the timeout; one connection of our own learns (and reports) the real reason.
        use sqlx::Connection;
        let probe = connect_postgres(url)
            .await
            .map_err(|e| target.error(url, sqlx_reason(&e)))?;
        let _ = probe.close().await;
    }
    let mut db = Database::connect(opts)
        .await
        .map_err(|e| target.error(url, reason(&e)))?;
    db.set_metric_callback(|_| metrics::counter!("knotenpunkt_db_statements_total").increment(1));
    Ok(db)
}

/// Whether an SQLite connection coming back to the pool may serve the next request; a
/// connection that still counts an open transaction is closed instead (the pool opens a
/// fresh one when it needs one).
///
/// That happens after a full disk (`SQLITE_FULL`; an I/O error can do the same): SQLite
/// then rolls the whole transaction back by itself, the `ROLLBACK` (or `COMMIT`) that
/// follows fails, and sqlx goes on counting the transaction as open. The connection's next `BEGIN
/// IMMEDIATE` would become a `SAVEPOINT` inside that phantom transaction: a deferred
/// transaction whose writes are reported as done but never committed, and which keeps
/// the write lock, so every other writer waits for the busy timeout, even after space is
/// back.
async fn sqlite_connection_reusable(
    conn: &mut sqlx::SqliteConnection,
) -> Result<bool, sqlx::Error> {
    use sqlx::Connection;
    // A transaction dropped without commit or rollback has queued its `ROLLBACK` on the
    // connection's worker; the ping runs after it, so the count below is settled.
    conn.ping().await?;
    let reusable = !conn.is_in_transaction();
    if !reusable {
        tracing::warn!("closing an SQLite connection whose transaction could not be ended");
    }
    Ok(reusable)
}

/// Takes the setup lock, then opens the pool: what every command that migrates or loads
/// data does first. Release the lock as soon as setup is done.
pub async fn open(args: &DatabaseArgs) -> Result<(DatabaseConnection, SetupLock), OpenError> {
    let lock = SetupLock::acquire(args).await?;
    let db = connect(args).await?;
    Ok((db, lock))
}

/// Holds the database's setup lock: while one process migrates or loads demo data, a
/// second one started at the same moment waits instead of creating the same tables or
/// loading the same network. Hubs that only serve never take it.
pub struct SetupLock {
    held: Held,
}

enum Held {
    /// An advisory lock (`flock`) on `FILE.lock` next to the SQLite file. It is taken
    /// before the first connection: switching a new database to WAL needs an exclusive
    /// lock that SQLite does not wait for, so two processes opening a new file at once
    /// must not even connect concurrently. The lock file is never the database itself:
    /// closing a second descriptor of the database would drop SQLite's own locks.
    File(std::fs::File),
    /// A session-level `pg_advisory_lock` on a connection of its own, keyed by the
    /// schema, so hubs in other schemas of the same database do not wait for each other.
    /// It is released when the connection closes, also when the process dies.
    Postgres(sqlx::postgres::PgConnection),
    /// An in-memory database: no other process can see it.
    Nothing,
}

impl SetupLock {
    /// Waits for the setup lock of the database at `args.database_url`.
    pub async fn acquire(args: &DatabaseArgs) -> Result<SetupLock, OpenError> {
        let url = &args.database_url;
        let target = Target::of(url);
        let held = match &target {
            Target::Sqlite { path: Some(path) } => {
                Held::File(lock_file(path).await.map_err(|r| target.error(url, r))?)
            }
            Target::Sqlite { path: None } | Target::Other(_) => Held::Nothing,
            Target::Postgres { .. } => Held::Postgres(
                advisory_lock(url)
                    .await
                    .map_err(|e| target.error(url, sqlx_reason(&e)))?,
            ),
        };
        Ok(SetupLock { held })
    }

    /// Lets the next process set up.
    pub async fn release(self) {
        match self.held {
            Held::File(file) => {
                if let Err(err) = file.unlock() {
                    tracing::warn!(error = %err, "releasing the setup lock file");
                }
            }
            Held::Postgres(conn) => {
                use sqlx::Connection;
                // Closing the session releases its advisory locks.
                if let Err(err) = conn.close().await {
                    tracing::warn!(error = %err, "closing the setup lock connection");
                }
            }
            Held::Nothing => {}
        }
    }
}

async fn lock_file(db_path: &std::path::Path) -> Result<std::fs::File, String> {
    let mut name = db_path.as_os_str().to_owned();
    name.push(".lock");
    let path = PathBuf::from(name);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| match (e.kind(), db_path.parent()) {
            (std::io::ErrorKind::NotFound, Some(dir)) => {
                format!("directory {} does not exist", dir.display())
            }
            _ => format!("cannot create {}: {}", path.display(), io_reason(&e)),
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => {
            tracing::info!(lock = %path.display(), "another process is setting up the database; waiting");
            tokio::task::spawn_blocking(move || file.lock().map(|()| file))
                .await
                .map_err(|e| format!("waiting for {}: {e}", path.display()))?
                .map_err(|e| format!("cannot lock {}: {}", path.display(), io_reason(&e)))
        }
        Err(std::fs::TryLockError::Error(e)) => {
            Err(format!("cannot lock {}: {}", path.display(), io_reason(&e)))
        }
    }
}

/// One PostgreSQL connection outside the pool. A server that is starting refuses
/// connections for a moment; this waits for it as the pool would, then reports the
/// refusal itself rather than a timeout.
async fn connect_postgres(url: &str) -> Result<sqlx::postgres::PgConnection, sqlx::Error> {
    use sqlx::Connection;
    let options: sqlx::postgres::PgConnectOptions = url.parse()?;
    let deadline = Instant::now() + CONNECT_TIMEOUT;
    let mut backoff = Duration::from_millis(50);
    let mut warned = false;
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let attempt = tokio::time::timeout(
            remaining,
            sqlx::postgres::PgConnection::connect_with(&options),
        )
        .await
        .map_err(|_| sqlx::Error::PoolTimedOut)?;
        match attempt {
            Ok(conn) => return Ok(conn),
            Err(sqlx::Error::Io(e))
                if e.kind() == std::io::ErrorKind::ConnectionRefused
                    && Instant::now() + backoff < deadline =>
            {
                if !warned {
                    tracing::warn!(
                        "PostgreSQL refuses connections; retrying for up to {} s",
                        CONNECT_TIMEOUT.as_secs()
                    );
                    warned = true;
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(1));
            }
            Err(e) => return Err(e),
        }
    }
}

async fn advisory_lock(url: &str) -> Result<sqlx::postgres::PgConnection, sqlx::Error> {
    let mut conn = connect_postgres(url).await?;
    sqlx::query(
        "SELECT pg_advisory_lock(hashtextextended('knotenpunkt setup ' || coalesce(current_schema(), ''), 0))",
    )
    .execute(&mut conn)
    .await?;
    Ok(conn)
}

/// Applies all pending migrations (schema and reference data).
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Names of the applied migrations this build knows, in order. Reads only: never
/// creates the migrations table. Migrations applied by a newer build are ignored; they
/// only add to the schema this build uses (a rolling update runs both builds at once).
pub async fn applied_migrations(db: &DatabaseConnection) -> Result<Vec<String>, DbErr> {
    let recorded = recorded_migrations(db).await?;
    Ok(Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .filter(|name| recorded.contains(name))
        .collect())
}

/// Names of the migrations this build needs that the database lacks, in order.
pub async fn pending_migrations(db: &DatabaseConnection) -> Result<Vec<String>, DbErr> {
    let recorded = recorded_migrations(db).await?;
    Ok(Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .filter(|name| !recorded.contains(name))
        .collect())
}

/// Every version in the migrations table (none when the table does not exist).
/// `sea-orm-migration`'s own status functions fail on a version this build does not
/// know, which would turn a rolling update into an outage; this reads the table itself.
async fn recorded_migrations(db: &DatabaseConnection) -> Result<HashSet<String>, DbErr> {
    let table = Migrator::migration_table_name().to_string();
    if !migration::SchemaManager::new(db).has_table(&table).await? {
        return Ok(HashSet::new());
    }
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT version FROM \"{table}\""),
        ))
        .await?;
    rows.iter()
        .map(|r| r.try_get_by_index::<String>(0))
        .collect()
}

/// One migration that `migrate down` would undo and what undoing it removes, with the
/// number of rows (or, for a column, of values) each removal drops.
#[derive(Debug, Clone)]
pub struct Rollback {
    pub migration: String,
    pub removes: Vec<(Removal, u64)>,
}

/// What rolling back the last `n` applied migrations would remove, last first.
pub async fn rollback_plan(db: &DatabaseConnection, n: u32) -> Result<Vec<Rollback>, DbErr> {
    let applied = applied_migrations(db).await?;
    let mut plan = Vec::new();
    for name in applied.iter().rev().take(n as usize) {
        let mut removes = Vec::new();
        for removal in migration::removed_by(name) {
            let sql = match removal {
                Removal::Table(t) | Removal::Rows(t) => format!("SELECT COUNT(*) FROM \"{t}\""),
                Removal::Column { table, column } => {
                    format!("SELECT COUNT(*) FROM \"{table}\" WHERE \"{column}\" IS NOT NULL")
                }
            };
            let count = db
                .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
                .await?
                .map(|row| row.try_get_by_index::<i64>(0))
                .transpose()?
                .unwrap_or(0);
            removes.push((*removal, count.max(0) as u64));
        }
        plan.push(Rollback {
            migration: name.clone(),
            removes,
        });
    }
    Ok(plan)
}

/// Starts a transaction that will write. On SQLite it takes the write lock at `BEGIN`
/// (`BEGIN IMMEDIATE`): a deferred transaction that reads first and writes later cannot
/// wait for a concurrent writer and fails with `SQLITE_BUSY` instead. PostgreSQL ignores
/// the mode; its row locks and the `version` check in every `UPDATE` do the work.
async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Runs `work` in a write transaction ([`begin_write`]) and ends it with [`finish`]:
/// committed when `work` succeeds, rolled back when it fails, so nothing is left
/// half-written and no lock outlives the request. What `work` records as changed
/// ([`changes::record`]) is announced to subscribers when, and only when, it commits.
pub async fn write<T>(
    db: &DatabaseConnection,
    work: impl AsyncFnOnce(&DatabaseTransaction) -> AppResult<T>,
) -> AppResult<T> {
    let txn = begin_write(db).await?;
    let (mut result, changes) = changes::collecting(work(&txn)).await;
    if result.is_ok()
        && let Err(err) = changes::announce_in(&txn, &changes).await
    {
        result = Err(err);
    }
    let result = finish(txn, result).await;
    if result.is_ok() {
        changes::announce_after_commit(db, &changes);
    }
    result
}

/// [`write`] for work that decides itself whether what it did is kept: `work` answers
/// its value and `true` to commit, or `false` to roll back and still answer the value
/// (a dry run, an all-or-nothing import with a failed row). Changes are announced only
/// when committed.
pub async fn write_or_discard<T>(
    db: &DatabaseConnection,
    work: impl AsyncFnOnce(&DatabaseTransaction) -> AppResult<(T, bool)>,
) -> AppResult<T> {
    let txn = begin_write(db).await?;
    let (result, changes) = changes::collecting(work(&txn)).await;
    match result {
        Ok((value, true)) => {
            if let Err(err) = changes::announce_in(&txn, &changes).await {
                return finish(txn, Err(err)).await;
            }
            let value = finish(txn, Ok(value)).await?;
            changes::announce_after_commit(db, &changes);
            Ok(value)
        }
        Ok((value, false)) => {
            txn.rollback().await?;
            Ok(value)
        }
        Err(err) => finish(txn, Err(err)).await,
    }
}

/// Ends a write transaction: commits after success, rolls back after an error. Every
/// error path must end here: a transaction merely dropped is rolled back only when its
/// connection is next used, and until then it holds its locks (on SQLite the write
/// lock of `BEGIN IMMEDIATE`, blocking every other writer).
async fn finish<T>(txn: DatabaseTransaction, result: AppResult<T>) -> AppResult<T> {
    match result {
        Ok(value) => {
            txn.commit().await?;
            Ok(value)
        }
        Err(err) => {
            if let Err(rollback) = txn.rollback().await {
                tracing::error!(error = %rollback, "rolling back a failed write");
            }
            Err(err)
        }
    }
}

/// After an erasure: moves SQLite's write-ahead log into the database file and empties
/// the log. The log still holds the pages as they were before the deletion; only once
/// they are checkpointed (over the zeroed pages `secure_delete` wrote) and the log is
/// truncated are the erased values gone from disk. PostgreSQL keeps dead rows until
/// `VACUUM`, which is the operator's (see the README).
///
/// The erasure is committed before this runs, so a checkpoint that cannot finish (a
/// reader holding an old snapshot past the busy timeout) is logged, not reported to the
/// caller as a failed erasure.
pub async fn checkpoint_after_erasure(db: &DatabaseConnection) {
    if db.get_database_backend() != DbBackend::Sqlite {
        return;
    }
    let statement = Statement::from_string(DbBackend::Sqlite, "PRAGMA wal_checkpoint(TRUNCATE)");
    // One row: (busy, frames in the log, frames checkpointed); busy = 1 if it gave up.
    match db.query_one_raw(statement).await {
        Ok(row) => {
            let busy = row.and_then(|r| r.try_get_by_index::<i64>(0).ok());
            if busy != Some(0) {
                tracing::warn!(
                    ?busy,
                    "the write-ahead log could not be checkpointed after an erasure; \
                     erased values stay in it until the next erasure or shutdown"
                );
            }
        }
        Err(err) => {
            tracing::error!(error = %err, "checkpointing the write-ahead log after an erasure");
        }
    }
}
