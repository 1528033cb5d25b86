//! What committed writes changed, for live subscriptions on every replica.
//!
//! A service records each object it changes inside [`super::write`] (`record`); the
//! change is announced only when that transaction commits, and never for one that
//! rolls back:
//!
//! - on PostgreSQL, `write` sends `pg_notify` inside the transaction, so the database
//!   delivers the ids at commit to every replica listening on the channel of its schema
//!   (`knotenpunkt.<schema>`), this one included;
//! - on SQLite (one process per file), `write` hands them to the in-process feed of the
//!   database file after the commit.
//!
//! The payload is ids only (`r12 e40 c7`). A subscriber reads the objects again with
//! its own row rules; nothing in a notification is shown to anyone.
//!
//! [`Feed`] is what subscriptions read. On PostgreSQL it holds one listening connection
//! per replica, opened when the first subscriber arrives. A replica that loses that
//! connection listens again and then sends [`Delivered::Resync`]: notifications in
//! between are lost, and its subscribers are told so instead of silently missing them.

use crate::error::AppResult;
use sea_orm::sqlx::postgres::{PgListener, PgPoolOptions};
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, Statement};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Duration;
use tokio::sync::{OnceCell, broadcast};

/// Something a committed write changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Change {
    /// A course run: its seats, waitlist, status or details.
    CourseRun(i64),
    /// An exam session: its seats, waitlist, status or details.
    ExamSession(i64),
    /// An enrolment: its status or place in line.
    Enrolment(i64),
    /// A recognition case: its status, timeline or decision.
    Case(i64),
}

impl Change {
    fn token(self) -> String {
        match self {
            Change::CourseRun(id) => format!("r{id}"),
            Change::ExamSession(id) => format!("s{id}"),
            Change::Enrolment(id) => format!("e{id}"),
            Change::Case(id) => format!("c{id}"),
        }
    }

    fn parse(token: &str) -> Option<Change> {
        let (kind, id) = token.split_at_checked(1)?;
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let id = id.parse().ok()?;
        Some(match kind {
            "r" => Change::CourseRun(id),
            "s" => Change::ExamSession(id),
            "e" => Change::Enrolment(id),
            "c" => Change::Case(id),
            _ => return None,
        })
    }
}

/// What a subscriber of a [`Feed`] receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivered {
    /// A change, and its number in this process (every subscriber of one delivery sees
    /// the same number, so subscribers that would read the same can share the read).
    Changed(Change, u64),
    /// Changes may have been missed (the listening connection was lost, or this
    /// subscriber fell too far behind): read again what matters.
    Resync,
}

tokio::task_local! {
    /// The changes of the write transaction running on this task.
    static PENDING: RefCell<Vec<Change>>;
}

/// Records a change made in the current write transaction. Outside [`super::write`]
/// there is nothing to announce it with, and it is dropped.
pub fn record(change: Change) {
    let _ = PENDING.try_with(|pending| pending.borrow_mut().push(change));
}

/// Runs `work` collecting the changes it records.
pub(super) async fn collecting<T>(work: impl Future<Output = T>) -> (T, Vec<Change>) {
    PENDING
        .scope(RefCell::new(Vec::new()), async {
            let result = work.await;
            let mut changes = PENDING.with(|p| p.take());
            let mut seen = std::collections::HashSet::new();
            changes.retain(|c| seen.insert(*c));
            (result, changes)
        })
        .await
}

/// PostgreSQL's limit on a payload is 8,000 bytes; stay well below it.
const MAX_PAYLOAD: usize = 7_000;

/// The channel of the connection's schema: replicas of one hub share it, hubs in other
/// schemas of the same database do not.
/// PostgreSQL truncates identifiers to 63 bytes when listening but refuses a longer
/// channel in `pg_notify`, so the name is cut to 63 characters for both.
const CHANNEL_SQL: &str = "left('knotenpunkt.' || current_schema(), 63)";

/// Announces `changes` inside `txn` (PostgreSQL), delivered when it commits.
pub(super) async fn announce_in(txn: &DatabaseTransaction, changes: &[Change]) -> AppResult<()> {
    if changes.is_empty() || txn.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    for payload in payloads(changes) {
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("SELECT pg_notify({CHANNEL_SQL}, $1)"),
            [payload.into()],
        ))
        .await?;
    }
    Ok(())
}

/// The changes as payloads of at most [`MAX_PAYLOAD`] bytes.
fn payloads(changes: &[Change]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    for token in changes.iter().map(|c| c.token()) {
        if !current.is_empty() && current.len() + 1 + token.len() > MAX_PAYLOAD {
            out.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(&token);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn parse_payload(payload: &str) -> impl Iterator<Item = Change> + '_ {
    payload.split(' ').filter_map(Change::parse)
}

/// Hands `changes` of a committed write to the in-process feed of an SQLite database.
pub(super) fn announce_after_commit(db: &DatabaseConnection, changes: &[Change]) {
    if changes.is_empty() || db.get_database_backend() != DbBackend::Sqlite {
        return;
    }
    if let Some(sender) = local_feeds()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&sqlite_key(db))
    {
        for change in changes {
            // No receiver: nobody subscribes right now.
            let _ = sender.send(Delivered::Changed(*change, next_number()));
        }
    }
}

/// The number of the next delivery in this process.
fn next_number() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// The in-process feeds of SQLite databases, by file.
fn local_feeds() -> &'static Mutex<HashMap<String, broadcast::Sender<Delivered>>> {
    static FEEDS: OnceLock<Mutex<HashMap<String, broadcast::Sender<Delivered>>>> = OnceLock::new();
    FEEDS.get_or_init(Default::default)
}

fn sqlite_key(db: &DatabaseConnection) -> String {
    db.get_sqlite_connection_pool()
        .connect_options()
        .get_filename()
        .display()
        .to_string()
}

/// How many deliveries a subscriber may fall behind before it is told to resync.
const BACKLOG: usize = 4_096;

/// The changes of one database as they commit, for this replica's subscribers.
pub struct Feed {
    db: DatabaseConnection,
    sender: broadcast::Sender<Delivered>,
    /// The listening task (PostgreSQL), started with the first subscriber.
    listening: OnceCell<ListenTask>,
}

struct ListenTask(tokio::task::JoinHandle<()>);

impl Drop for ListenTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Feed {
    pub fn new(db: &DatabaseConnection) -> Feed {
        let sender = if db.get_database_backend() == DbBackend::Sqlite {
            local_feeds()
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(sqlite_key(db))
                .or_insert_with(|| broadcast::channel(BACKLOG).0)
                .clone()
        } else {
            broadcast::channel(BACKLOG).0
        };
        Feed {
            db: db.clone(),
            sender,
            listening: OnceCell::new(),
        }
    }

    /// A receiver of every change committed from now on. On PostgreSQL the first call
    /// opens the listening connection and returns once it listens.
    pub async fn subscribe(&self) -> AppResult<broadcast::Receiver<Delivered>> {
        if self.db.get_database_backend() == DbBackend::Postgres {
            self.listening
                .get_or_try_init(|| async {
                    let listener = listen(&self.db).await?;
                    let task = tokio::spawn(relay(self.db.clone(), listener, self.sender.clone()));
                    AppResult::Ok(ListenTask(task))
                })
                .await?;
        }
        Ok(self.sender.subscribe())
    }

    /// Subscribers right now.
    pub fn subscribers(&self) -> usize {
        self.sender.receiver_count()
    }
}

/// The application name of a replica's listening connection, so that an operator (or
/// a test) can tell it apart in `pg_stat_activity`.
pub fn listener_application_name() -> String {
    format!("knotenpunkt listener {}", std::process::id())
}

/// A connection listening on the channel of `db`'s schema.
async fn listen(db: &DatabaseConnection) -> AppResult<PgListener> {
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            format!("SELECT {CHANNEL_SQL}"),
        ))
        .await?
        .ok_or_else(|| crate::error::AppError::Internal("no channel name".into()))?;
    let channel: String = row.try_get_by_index(0)?;
    let options = db
        .get_postgres_connection_pool()
        .connect_options()
        .as_ref()
        .clone()
        .application_name(&listener_application_name());
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .min_connections(0)
        .max_lifetime(None)
        .idle_timeout(None)
        .acquire_timeout(Duration::from_secs(10))
        .connect_lazy_with(options);
    let mut listener = PgListener::connect_with(&pool)
        .await
        .map_err(|e| crate::error::AppError::Internal(format!("listening: {e}")))?;
    listener
        .listen(&channel)
        .await
        .map_err(|e| crate::error::AppError::Internal(format!("listening: {e}")))?;
    Ok(listener)
}

/// Passes every notification on to the subscribers; after a lost connection, listens
/// again (retrying with a growing pause) and sends a resync.
async fn relay(
    db: DatabaseConnection,
    mut listener: PgListener,
    sender: broadcast::Sender<Delivered>,
) {
    loop {
        match listener.try_recv().await {
            Ok(Some(notification)) => {
                for change in parse_payload(notification.payload()) {
                    let _ = sender.send(Delivered::Changed(change, next_number()));
                }
            }
            // The connection was lost and is listening again (sqlx reconnects first).
            Ok(None) => {
                tracing::warn!("the listening connection was lost and is back; subscribers resync");
                let _ = sender.send(Delivered::Resync);
            }
            Err(err) => {
                tracing::warn!(error = %err, "the listening connection failed; listening again");
                let mut pause = Duration::from_millis(100);
                listener = loop {
                    tokio::time::sleep(pause).await;
                    match listen(&db).await {
                        Ok(l) => break l,
                        Err(err) => {
                            tracing::warn!(error = %err, "listening again failed; retrying");
                            pause = (pause * 2).min(Duration::from_secs(5));
                        }
                    }
                };
                let _ = sender.send(Delivered::Resync);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_trip_and_stay_below_the_limit() {
        let changes: Vec<Change> = (0..5_000)
            .map(|i| match i % 4 {
                0 => Change::CourseRun(i),
                1 => Change::ExamSession(i),
                2 => Change::Enrolment(i),
                _ => Change::Case(i),
            })
            .collect();
        let payloads = payloads(&changes);
        assert!(payloads.len() > 1);
        assert!(payloads.iter().all(|p| p.len() <= MAX_PAYLOAD));
        let back: Vec<Change> = payloads.iter().flat_map(|p| parse_payload(p)).collect();
        assert_eq!(back, changes);
        assert_eq!(
            parse_payload("x1 r 7 r-3 e9").collect::<Vec<_>>(),
            [Change::Enrolment(9)]
        );
    }
}
