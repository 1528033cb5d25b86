//! `AuditEntry`.

use super::connection::connection;
use super::{Candidate, Organisation};
use crate::graphql::request;
use async_graphql::{Context, Object, Result};
use chrono::{DateTime, Utc};
use entity::audit_entry::{self, AuditAction};

/// GraphQL view of an `audit_entry` row.
pub struct AuditEntry(pub audit_entry::Model);

connection!(
    AuditEntryConnection,
    AuditEntryEdge,
    AuditEntry,
    "audit entries"
);

/// Who read, exported or erased a candidate's personal data, when, through which operation.
#[Object]
impl AuditEntry {
    /// When.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }

    /// What was done.
    async fn action(&self) -> AuditAction {
        self.0.action
    }

    /// Whose data.
    async fn candidate(&self, ctx: &Context<'_>) -> Result<Option<Candidate>> {
        Ok(request(ctx)?
            .loaders
            .candidate
            .load_one(self.0.candidate_id)
            .await?
            .map(Candidate))
    }

    /// The organisation that read the data.
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let Some(org) = self.0.organisation_id else {
            return Ok(None);
        };
        Ok(request(ctx)?
            .loaders
            .organisation
            .load_one(org)
            .await?
            .map(Organisation))
    }

    /// The OAuth2 client that read the data.
    async fn client(&self) -> &str {
        &self.0.client_id
    }

    /// The fields read.
    async fn fields(&self) -> Vec<&str> {
        self.0.fields.split(',').filter(|f| !f.is_empty()).collect()
    }

    /// The GraphQL operation.
    async fn operation(&self) -> &str {
        &self.0.operation
    }
}
