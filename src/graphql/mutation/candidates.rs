//! `registerCandidate`, `recordConsent`, `revokeConsent`, `exportCandidateData`, `eraseCandidatePersonalData`.

use crate::auth::Scope;
use crate::error::AppError;
use crate::graphql::guard::RequireScopes;
use crate::graphql::input::{
    CandidateRefInput, RecordConsentInput, RegisterCandidateInput, RevokeConsentInput, under,
};
use crate::graphql::types::{Candidate, Consent};
use crate::graphql::{db, reference, request};
use crate::service::audit::ANONYMOUS_OPERATION;
use crate::service::candidates;
use async_graphql::{Context, Json, Object, Result, SimpleObject};

/// The result of a candidate mutation.
#[derive(SimpleObject)]
pub struct CandidatePayload {
    /// The candidate as stored now.
    pub candidate: Candidate,
}

/// The result of a consent mutation.
#[derive(SimpleObject)]
pub struct ConsentPayload {
    /// The consent as stored now.
    pub consent: Consent,
}

/// The result of `exportCandidateData`.
#[derive(SimpleObject)]
pub struct CandidateExportPayload {
    /// Everything the hub holds about the person: pseudonymous facts, personal data, consents, cases with timeline and decision, accepted regions, enrolments, referrals, funding applications, and the access log.
    pub document: Json<serde_json::Value>,
}

#[derive(Default)]
pub struct CandidateMutation;

/// The operation name for the audit log of a mutation that writes it itself.
fn operation(ctx: &Context<'_>) -> String {
    ctx.query_env
        .operation_name
        .clone()
        .unwrap_or_else(|| ANONYMOUS_OPERATION.to_owned())
}

#[Object]
impl CandidateMutation {
    /// Registers a candidate of the caller's advisory centre; the hub generates the pseudonymous code (scope `candidates:write`).
    #[graphql(guard = "RequireScopes::one(&Scope::CandidatesWrite)")]
    async fn register_candidate(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new candidate.")] input: RegisterCandidateInput,
    ) -> Result<CandidatePayload> {
        let (candidate, _) = candidates::register(
            db(ctx)?,
            &request(ctx)?.principal,
            reference(ctx)?,
            input.into(),
        )
        .await
        .map_err(under("input"))?;
        Ok(CandidatePayload {
            candidate: Candidate(candidate),
        })
    }

    /// Records that one of the caller's candidates consents to an organisation seeing their file (scope `candidates:write`).
    #[graphql(guard = "RequireScopes::one(&Scope::CandidatesWrite)")]
    async fn record_consent(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Candidate, organisation, purpose.")] input: RecordConsentInput,
    ) -> Result<ConsentPayload> {
        let command = input.command().map_err(under("input"))?;
        let consent = candidates::record_consent(db(ctx)?, &request(ctx)?.principal, command)
            .await
            .map_err(under("input"))?;
        Ok(ConsentPayload {
            consent: Consent(consent),
        })
    }

    /// Revokes a consent; the organisation loses access with its next request (scope `candidates:write`).
    #[graphql(guard = "RequireScopes::one(&Scope::CandidatesWrite)")]
    async fn revoke_consent(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The consent.")] input: RevokeConsentInput,
    ) -> Result<ConsentPayload> {
        let req = request(ctx)?;
        let consent_id = input.command().map_err(under("input"))?;
        let consent = candidates::revoke_consent(db(ctx)?, &req.principal, consent_id)
            .await
            .map_err(under("input"))?;
        req.loaders.forget_all();
        Ok(ConsentPayload {
            consent: Consent(consent),
        })
    }

    /// Everything the hub holds about one of the caller's candidates as one JSON document (GDPR Art. 15 and 20; scopes `candidates:write` and `candidates:pii`). Recorded in the audit log.
    #[graphql(guard = "RequireScopes::all(&[Scope::CandidatesWrite, Scope::CandidatesPii])")]
    async fn export_candidate_data(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The candidate.")] input: CandidateRefInput,
    ) -> Result<CandidateExportPayload> {
        let id = input.command().map_err(under("input"))?;
        let document =
            candidates::export(db(ctx)?, &request(ctx)?.principal, id, &operation(ctx)).await?;
        let document = serde_json::to_value(document)
            .map_err(|e| AppError::Internal(format!("serialising an export: {e}")))?;
        Ok(CandidateExportPayload {
            document: Json(document),
        })
    }

    /// Erases the personal data and consents of one of the caller's candidates (GDPR Art. 17; scope `candidates:write`). The pseudonymous facts and cases remain for statistics; the erasure is recorded.
    #[graphql(guard = "RequireScopes::one(&Scope::CandidatesWrite)")]
    async fn erase_candidate_personal_data(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The candidate.")] input: CandidateRefInput,
    ) -> Result<CandidatePayload> {
        let id = input.command().map_err(under("input"))?;
        let req = request(ctx)?;
        let candidate = candidates::erase(db(ctx)?, &req.principal, id, &operation(ctx)).await?;
        // Earlier root fields may have loaded the person's data; the payload must not show it.
        req.loaders.forget_all();
        Ok(CandidatePayload {
            candidate: Candidate(candidate),
        })
    }
}
