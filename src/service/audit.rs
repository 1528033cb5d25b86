//! The audit log of personal data: every request that returns personal data writes one
//! entry per candidate (organisation, client, fields, operation, time) before the
//! response leaves the hub; if that write fails, the response carries no data.

use crate::auth::{Principal, Scope};
use crate::error::AppResult;
use crate::service::candidates::{nothing, owned_by};
use crate::service::pagination::Ordering;
use chrono::Utc;
use entity::audit_entry::{self, AuditAction, Column, Entity};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Select};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

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

/// Personal-data reads of one request, collected while it executes.
#[derive(Debug, Default)]
pub struct AuditCollector {
    operation: Mutex<Option<String>>,
    reads: Mutex<BTreeMap<i64, BTreeSet<String>>>,
}

impl AuditCollector {
    /// Notes that `fields` of candidate `candidate_id`'s personal data are returned.
    pub fn record(&self, candidate_id: i64, fields: impl IntoIterator<Item = String>) {
        if let Ok(mut reads) = self.reads.lock() {
            reads.entry(candidate_id).or_default().extend(fields);
        }
    }

    /// Names the operation being executed.
    pub fn set_operation(&self, name: Option<&str>) {
        if let Ok(mut op) = self.operation.lock() {
            *op = name.map(str::to_owned);
        }
    }

    fn operation(&self) -> String {
        self.operation
            .lock()
            .ok()
            .and_then(|o| o.clone())
            .unwrap_or_else(|| ANONYMOUS_OPERATION.to_owned())
    }

    /// Whether anything was read.
    pub fn is_empty(&self) -> bool {
        self.reads.lock().map(|r| r.is_empty()).unwrap_or(true)
    }

    /// Writes one READ entry per candidate read; returns how many.
    pub async fn flush(
        &self,
        db: &impl ConnectionTrait,
        principal: &Principal,
    ) -> AppResult<usize> {
        let reads = std::mem::take(
            &mut *self
                .reads
                .lock()
                .map_err(|_| crate::error::AppError::Internal("audit lock".into()))?,
        );
        if reads.is_empty() {
            return Ok(0);
        }
        let operation = self.operation();
        let rows: Vec<audit_entry::ActiveModel> = reads
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
        Ok(n)
    }
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
    Entity::insert(entry(
        principal,
        candidate_id,
        action,
        fields.to_owned(),
        operation,
    ))
    .exec(db)
    .await?;
    Ok(())
}
