//! `candidates`, `candidate`, `auditLog`.

use crate::auth::Scope;
use crate::error::AppError;
use crate::graphql::guard::RequireScopes;
use crate::graphql::id::{self, NodeType};
use crate::graphql::input::{CandidateFilter, under};
use crate::graphql::types::{AuditEntry, AuditEntryConnection, Candidate, CandidateConnection};
use crate::graphql::{db, reference, request};
use crate::service::pagination::PageArgs;
use crate::service::{audit, candidates};
use async_graphql::{Context, ID, Object, Result};

#[derive(Default)]
pub struct CandidateQuery;

#[Object]
impl CandidateQuery {
    /// Candidates the caller may see (scope `candidates:read`), in registration order.
    #[graphql(guard = "RequireScopes::one(&Scope::CandidatesRead)")]
    async fn candidates(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions the candidates must meet.")] filter: Option<CandidateFilter>,
        #[graphql(desc = "Number of candidates from the start (at most 100, default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of candidates from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to stop.")] before: Option<String>,
    ) -> Result<CandidateConnection> {
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .resolve(candidates::BY_ID.name)?;
        let select = candidates::filtered(
            &request(ctx)?.principal,
            reference(ctx)?,
            &filter.unwrap_or_default().into(),
        )
        .map_err(under("filter"))?;
        Ok(
            CandidateConnection::from_select(
                db(ctx)?,
                select,
                &candidates::BY_ID,
                &page,
                Candidate,
            )
            .await?,
        )
    }

    /// The candidate with this ID; `null` with a `NOT_FOUND` error when there is none the caller may see.
    async fn candidate(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of a candidate.")] id: ID,
    ) -> Result<Option<Candidate>> {
        let key = id::decode_as(&id, NodeType::Candidate, "id")?;
        request(ctx)?
            .loaders
            .candidate
            .load_one(key)
            .await?
            .map(Candidate)
            .map(Some)
            .ok_or_else(|| AppError::NotFound(format!("candidate `{}`", id.as_str())).into())
    }

    /// Who read, exported or erased personal data, oldest first: the entries of the caller's own candidates (an advisory centre answering a person's request, GDPR Art. 15), or all entries with `audit:read`.
    #[graphql(guard = "RequireScopes::any(&[Scope::CandidatesRead, Scope::AuditRead])")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only entries about this candidate.")] candidate: Option<ID>,
        #[graphql(desc = "Number of entries from the start (at most 100, default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of entries from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to stop.")] before: Option<String>,
    ) -> Result<AuditEntryConnection> {
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .resolve(audit::BY_ID.name)?;
        let candidate = candidate
            .map(|c| id::decode_as(&c, NodeType::Candidate, "candidate"))
            .transpose()?;
        let select = audit::filtered(&request(ctx)?.principal, candidate);
        Ok(
            AuditEntryConnection::from_select(db(ctx)?, select, &audit::BY_ID, &page, AuditEntry)
                .await?,
        )
    }
}
