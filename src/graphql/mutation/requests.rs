//! `submitAdvisoryRequest`, `changeAdvisoryRequestStatus`.

use crate::auth::Scope;
use crate::graphql::guard::RequireScopes;
use crate::graphql::input::{ChangeAdvisoryRequestStatusInput, SubmitAdvisoryRequestInput, under};
use crate::graphql::types::AdvisoryRequest;
use crate::graphql::{db, reference, request};
use crate::service::requests;
use async_graphql::{Context, Object, Result, SimpleObject};

/// The result of an advisory request mutation.
#[derive(SimpleObject)]
pub struct AdvisoryRequestPayload {
    /// The request as stored now.
    pub advisory_request: AdvisoryRequest,
}

#[derive(Default)]
pub struct RequestsMutation;

impl RequestsMutation {
    /// The payload of a changed request; nothing loaded earlier in this request is
    /// reused.
    fn payload(
        ctx: &Context<'_>,
        r: entity::advisory_request::Model,
    ) -> Result<AdvisoryRequestPayload> {
        request(ctx)?.loaders.forget_all();
        Ok(AdvisoryRequestPayload {
            advisory_request: AdvisoryRequest(r),
        })
    }
}

#[Object]
impl RequestsMutation {
    /// Submits a request of the caller's organisation, a municipality, to an advisory service (scope `requests:write`): status RECEIVED, with a response-time target from the urgency (HIGH 5 days, NORMAL 14, LOW 30). Another kind of organisation is `FORBIDDEN`.
    #[graphql(guard = "RequireScopes::one(&Scope::RequestsWrite)")]
    async fn submit_advisory_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request.")] input: SubmitAdvisoryRequestInput,
    ) -> Result<AdvisoryRequestPayload> {
        let command = input.command().map_err(under("input"))?;
        let r = requests::submit(db(ctx)?, &request(ctx)?.principal, reference(ctx)?, command)
            .await
            .map_err(under("input"))?;
        Self::payload(ctx, r)
    }

    /// Moves an advisory request to another status (scope `requests:write`): the advisory service asked takes it up (IN_PROGRESS), answers it (ANSWERED, with `answer`) or refers it to a partner (REFERRED, with `referTo` and `note`); it or the municipality closes it once answered or referred (CLOSED). A move the status does not allow is `BAD_USER_INPUT` on `input.status`, one the caller's role does not allow `FORBIDDEN`, a stale `expectedVersion` `CONFLICT`.
    #[graphql(guard = "RequireScopes::one(&Scope::RequestsWrite)")]
    async fn change_advisory_request_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request, its version and the new status.")]
        input: ChangeAdvisoryRequestStatusInput,
    ) -> Result<AdvisoryRequestPayload> {
        let command = input.command().map_err(under("input"))?;
        let r = requests::change_status(db(ctx)?, &request(ctx)?.principal, command)
            .await
            .map_err(under("input"))?;
        Self::payload(ctx, r)
    }
}
