//! Opening the database (SQLite or PostgreSQL, chosen by the URL) and migrating it.

use crate::config::DatabaseArgs;
use crate::error::AppResult;
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};
use std::time::Duration;

/// Opens a connection pool for `args.database_url`.
///
/// SQLite gets WAL journaling and a busy timeout so that concurrent requests wait for
/// the single writer instead of failing; foreign keys are enforced on both databases.
/// Every SQLite connection also zeroes what it deletes (`secure_delete`): otherwise an
/// erased person's name stays readable in free space of the database file.
pub async fn connect(args: &DatabaseArgs) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(args.database_url.clone());
    opts.max_connections(args.database_max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                .pragma("secure_delete", "ON")
        });
    Database::connect(opts).await
}

/// Applies all pending migrations (schema and reference data).
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Starts a transaction that will write. On SQLite it takes the write lock at `BEGIN`
/// (`BEGIN IMMEDIATE`): a deferred transaction that reads first and writes later cannot
/// wait for a concurrent writer and fails with `SQLITE_BUSY` instead. PostgreSQL ignores
/// the mode; its row locks and the `version` check in every `UPDATE` do the work.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Ends a write transaction: commits after success, rolls back after an error. Every
/// error path must end here: a transaction merely dropped is rolled back only when its
/// connection is next used, and until then it holds its locks (on SQLite the write
/// lock of `BEGIN IMMEDIATE`, blocking every other writer).
pub async fn finish<T>(txn: DatabaseTransaction, result: AppResult<T>) -> AppResult<T> {
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
