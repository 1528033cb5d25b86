//! The audit log of personal data: every request that returns personal data writes one
//! entry per candidate (organisation, client, fields, operation, time) before the
//! response leaves the hub; if that write fails, the response carries no data.

use crate::auth::{Principal, Scope};
use crate::error::{AppError, AppResult};
use crate::service::access::nothing;
use crate::service::candidates::owned_by;
use crate::service::pagination::Ordering;
use chrono::Utc;
use entity::audit_entry::{self, AuditAction, Column, Entity};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Select};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{self, AtomicBool};
use std::sync::{Arc, Mutex};

/// Audit entries are listed by id (time order).
pub const BY_ID: Ordering<Entity> = Ordering {
    name: "audit.id",
    sort: None,
    id: Column::Id,
    sort_value: |_| None,
    row_id: |m| m.id,
};

/// The name recorded for an operation without a name.
pub const ANONYMOUS_OPERATION: &str = "anonymous operation";

/// Entries the caller may read: everything with `audit:read`; otherwise the entries of
/// the caller's own candidates (so an advisory centre can tell a person who read their
/// data, GDPR Art. 15).
pub fn visible_to(principal: &Principal) -> Select<Entity> {
    let cond = match principal.organisation() {
        _ if principal.has_scope(Scope::AuditRead) => Condition::all(),
        Some(org) if principal.has_scope(Scope::CandidatesRead) => {
            Condition::all().add(Column::CandidateId.in_subquery(owned_by(org.id)))
        }
        _ => nothing(),
    };
    Entity::find().filter(cond)
}

/// The entries the caller may read, only those about `candidate` when one is named.
pub fn filtered(principal: &Principal, candidate: Option<i64>) -> Select<Entity> {
    let select = visible_to(principal);
    match candidate {
        Some(c) => select.filter(Column::CandidateId.eq(c)),
        None => select,
    }
}

/// Personal-data reads of one request, collected while it executes.
///
/// It fails closed: a collector that could not note a read (its lock was poisoned by a
/// panic elsewhere) is marked failed, and a failed collector refuses to flush, so the
/// response is withheld rather than let personal data out unrecorded.
#[derive(Debug, Default)]
pub struct AuditCollector {
    reads: Mutex<Reads>,
    failed: AtomicBool,
}

#[derive(Debug, Default)]
struct Reads {
    operation: Option<String>,
    fields: BTreeMap<i64, BTreeSet<String>>,
}

impl AuditCollector {
    /// Runs `change` on the collected reads, or marks the collector failed.
    fn update(&self, change: impl FnOnce(&mut Reads)) {
        match self.reads.lock() {
            Ok(mut reads) => change(&mut reads),
            Err(_) => self.failed.store(true, atomic::Ordering::SeqCst),
        }
    }

    /// Notes that `fields` of candidate `candidate_id`'s personal data are returned.
    pub fn record(&self, candidate_id: i64, fields: impl IntoIterator<Item = String>) {
        self.update(|reads| {
            reads.fields.entry(candidate_id).or_default().extend(fields);
        });
    }

    /// Names the operation being executed.
    pub fn set_operation(&self, name: Option<&str>) {
        self.update(|reads| reads.operation = name.map(str::to_owned));
    }

    /// Writes one READ entry per candidate read; returns how many. Fails, and keeps
    /// failing, if the collector could not note every read.
    pub async fn flush(
        &self,
        db: &impl ConnectionTrait,
        principal: &Principal,
    ) -> AppResult<usize> {
        // The error of a poisoned lock holds the guard; drop it before awaiting.
        let taken = self
            .reads
            .lock()
            .map(|mut r| std::mem::take(&mut *r))
            .map_err(drop);
        let reads = match taken {
            Ok(reads) if !self.failed.load(atomic::Ordering::SeqCst) => reads,
            _ => {
                self.failed.store(true, atomic::Ordering::SeqCst);
                return Err(AppError::Internal(
                    "the audit collector lost track of this request's reads".into(),
                ));
            }
        };
        if reads.fields.is_empty() {
            return Ok(0);
        }
        let operation = reads
            .operation
            .unwrap_or_else(|| ANONYMOUS_OPERATION.to_owned());
        let rows: Vec<audit_entry::ActiveModel> = reads
            .fields
            .into_iter()
            .map(|(candidate_id, fields)| {
                entry(
                    principal,
                    candidate_id,
                    AuditAction::Read,
                    fields.into_iter().collect::<Vec<_>>().join(","),
                    &operation,
                )
            })
            .collect();
        let n = rows.len();
        Entity::insert_many(rows).exec(db).await?;
        crate::metrics::audit_written("read", n);
        Ok(n)
    }
}

/// Writes the entries of every collector of a request (one per operation of a batch);
/// returns how many. An error means the response must be withheld. Every collector is
/// asked, even one that looks empty: only its flush knows whether it lost reads.
pub async fn flush_all(
    collectors: &[Arc<AuditCollector>],
    db: &impl ConnectionTrait,
    principal: &Principal,
) -> AppResult<usize> {
    let mut written = 0;
    for collector in collectors {
        written += collector.flush(db, principal).await?;
    }
    Ok(written)
}

fn entry(
    principal: &Principal,
    candidate_id: i64,
    action: AuditAction,
    fields: String,
    operation: &str,
) -> audit_entry::ActiveModel {
    audit_entry::ActiveModel {
        at: Set(Utc::now()),
        action: Set(action),
        candidate_id: Set(candidate_id),
        organisation_id: Set(principal.organisation().map(|o| o.id)),
        client_id: Set(principal
            .client()
            .map(|c| c.client_id.clone())
            .unwrap_or_default()),
        fields: Set(fields.chars().take(200).collect()),
        operation: Set(operation.chars().take(200).collect()),
        ..Default::default()
    }
}

/// Writes one entry for an export or erasure.
pub async fn record(
    db: &impl ConnectionTrait,
    principal: &Principal,
    candidate_id: i64,
    action: AuditAction,
    fields: &str,
    operation: &str,
) -> AppResult<()> {
    let label = match action {
        AuditAction::Read => "read",
        AuditAction::Export => "export",
        AuditAction::Erase => "erase",
    };
    Entity::insert(entry(
        principal,
        candidate_id,
        action,
        fields.to_owned(),
        operation,
    ))
    .exec(db)
    .await?;
    crate::metrics::audit_written(label, 1);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DatabaseArgs;
    use sea_orm::{DatabaseConnection, PaginatorTrait};

    /// A migrated in-memory database (one connection, so one database) that accepts
    /// audit entries for any candidate id.
    async fn database() -> DatabaseConnection {
        let db = crate::db::connect(&DatabaseArgs {
            database_url: "sqlite::memory:".into(),
            database_max_connections: 1,
        })
        .await
        .unwrap();
        crate::db::migrate(&db).await.unwrap();
        db.execute_unprepared("PRAGMA foreign_keys = OFF")
            .await
            .unwrap();
        db
    }

    fn poison(collector: &Arc<AuditCollector>) {
        let c = collector.clone();
        let panicked = std::thread::spawn(move || {
            let _guard = c.reads.lock();
            panic!("a panic while the audit lock is held");
        })
        .join();
        assert!(panicked.is_err() && collector.reads.is_poisoned());
    }

    #[tokio::test]
    async fn a_poisoned_collector_fails_to_flush_and_writes_nothing() {
        let db = database().await;
        let anyone = Principal::Anonymous;
        let healthy = AuditCollector::default();
        healthy.record(1, ["familyName".to_owned()]);
        assert_eq!(healthy.flush(&db, &anyone).await.unwrap(), 1);

        // Poisoned after a read was noted, and before another.
        let collector = Arc::new(AuditCollector::default());
        collector.record(2, ["email".to_owned()]);
        poison(&collector);
        collector.record(3, ["phone".to_owned()]);
        assert!(matches!(
            collector.flush(&db, &anyone).await,
            Err(AppError::Internal(_))
        ));
        assert!(
            collector.flush(&db, &anyone).await.is_err(),
            "a failed collector stays failed"
        );

        // Poisoned with nothing noted since: the reads before the panic are unknown, so
        // the request's flush fails although the collector holds no entry.
        let silent = Arc::new(AuditCollector::default());
        poison(&silent);
        let request = [Arc::new(AuditCollector::default()), silent];
        assert!(flush_all(&request, &db, &anyone).await.is_err());

        assert_eq!(
            Entity::find().count(&db).await.unwrap(),
            1,
            "only the healthy entry"
        );
    }
}
