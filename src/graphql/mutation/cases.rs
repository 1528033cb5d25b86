//! `openRecognitionCase`, `changeCaseStatus`, `recordCaseFileComplete`, `updateMissingDocuments`, `recordDecision`.

use crate::auth::Scope;
use crate::graphql::guard::RequireScopes;
use crate::graphql::input::{
    ChangeCaseStatusInput, OpenCaseInput, RecordDecisionInput, RecordFileCompleteInput,
    UpdateMissingDocumentsInput, under,
};
use crate::graphql::types::RecognitionCase;
use crate::graphql::{db, reference, request};
use crate::service::cases;
use async_graphql::{Context, Object, Result, SimpleObject};

/// The result of a case mutation.
#[derive(SimpleObject)]
pub struct CasePayload {
    /// The case as stored now.
    pub recognition_case: RecognitionCase,
}

#[derive(Default)]
pub struct CaseMutation;

#[Object]
impl CaseMutation {
    /// Opens a recognition case for one of the caller's candidates at a competent authority (scope `candidates:write`).
    #[graphql(guard = "RequireScopes::one(&Scope::CandidatesWrite)")]
    async fn open_recognition_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new case.")] input: OpenCaseInput,
    ) -> Result<CasePayload> {
        let command = input.command().map_err(under("input"))?;
        let case = cases::open(db(ctx)?, &request(ctx)?.principal, reference(ctx)?, command)
            .await
            .map_err(under("input"))?;
        Ok(CasePayload {
            recognition_case: RecognitionCase(case),
        })
    }

    /// Moves a case along the procedure (scope `cases:write`, the case's authority only); any other transition is `BAD_USER_INPUT` naming the allowed ones.
    #[graphql(guard = "RequireScopes::one(&Scope::CasesWrite)")]
    async fn change_case_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case and its new status.")] input: ChangeCaseStatusInput,
    ) -> Result<CasePayload> {
        let command = input.command().map_err(under("input"))?;
        let case = cases::change_status(db(ctx)?, &request(ctx)?.principal, command)
            .await
            .map_err(under("input"))?;
        Ok(CasePayload {
            recognition_case: RecognitionCase(case),
        })
    }

    /// Records the day the file became complete; the legal due date follows (scope `cases:write`).
    #[graphql(guard = "RequireScopes::one(&Scope::CasesWrite)")]
    async fn record_case_file_complete(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case and the day.")] input: RecordFileCompleteInput,
    ) -> Result<CasePayload> {
        let command = input.command().map_err(under("input"))?;
        let case = cases::record_file_complete(db(ctx)?, &request(ctx)?.principal, command)
            .await
            .map_err(under("input"))?;
        Ok(CasePayload {
            recognition_case: RecognitionCase(case),
        })
    }

    /// Replaces the checklist of missing documents (scope `cases:write`).
    #[graphql(guard = "RequireScopes::one(&Scope::CasesWrite)")]
    async fn update_missing_documents(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case and the documents.")] input: UpdateMissingDocumentsInput,
    ) -> Result<CasePayload> {
        let command = input.command().map_err(under("input"))?;
        let case = cases::update_missing_documents(db(ctx)?, &request(ctx)?.principal, command)
            .await
            .map_err(under("input"))?;
        Ok(CasePayload {
            recognition_case: RecognitionCase(case),
        })
    }

    /// Records the decision on a case in assessment (scope `cases:write`, the case's authority only).
    #[graphql(guard = "RequireScopes::one(&Scope::CasesWrite)")]
    async fn record_decision(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case and the decision.")] input: RecordDecisionInput,
    ) -> Result<CasePayload> {
        let command = input.command().map_err(under("input"))?;
        let case = cases::record_decision(db(ctx)?, &request(ctx)?.principal, command)
            .await
            .map_err(under("input"))?;
        Ok(CasePayload {
            recognition_case: RecognitionCase(case),
        })
    }
}
