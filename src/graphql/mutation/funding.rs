//! `defineFundingProgramme`, `updateFundingProgramme`, `applyForFunding`,
//! `amendFundingApplication`, `submitFundingApplication`, `requestFundingCompletion`,
//! `grantFunding`, `rejectFundingApplication`, `recordFundingPayment`,
//! `fileFundingFollowUp`.

use crate::auth::Scope;
use crate::graphql::guard::RequireScopes;
use crate::graphql::input::funding::application_id;
use crate::graphql::input::{
    AmendFundingApplicationInput, ApplyForFundingInput, DefineFundingProgrammeInput,
    FileFundingFollowUpInput, FundingAmountInput, FundingApplicationNoteInput,
    FundingApplicationRefInput, UpdateFundingProgrammeInput, under,
};
use crate::graphql::types::{FundingApplication, FundingProgramme};
use crate::graphql::{db, reference, request};
use crate::service::funding::{self, applications};
use async_graphql::{Context, Object, Result, SimpleObject};

/// The result of a funding programme mutation.
#[derive(SimpleObject)]
pub struct FundingProgrammePayload {
    /// The programme as stored now.
    pub funding_programme: FundingProgramme,
}

/// The result of a funding application mutation.
#[derive(SimpleObject)]
pub struct FundingApplicationPayload {
    /// The application as stored now.
    pub funding_application: FundingApplication,
}

#[derive(Default)]
pub struct FundingMutation;

impl FundingMutation {
    /// The payload of a changed application. The programme's budget moved with it, so
    /// nothing loaded earlier in this request is reused.
    fn application(
        ctx: &Context<'_>,
        a: entity::funding_application::Model,
    ) -> Result<FundingApplicationPayload> {
        request(ctx)?.loaders.forget_all();
        Ok(FundingApplicationPayload {
            funding_application: FundingApplication(a),
        })
    }
}

#[Object]
impl FundingMutation {
    /// Defines a funding programme of the caller's organisation, a funder (scope `funding:decide`).
    #[graphql(guard = "RequireScopes::one(&Scope::FundingDecide)")]
    async fn define_funding_programme(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new programme.")] input: DefineFundingProgrammeInput,
    ) -> Result<FundingProgrammePayload> {
        let p = funding::define(
            db(ctx)?,
            &request(ctx)?.principal,
            reference(ctx)?,
            input.into(),
        )
        .await
        .map_err(under("input"))?;
        Ok(FundingProgrammePayload {
            funding_programme: FundingProgramme(p),
        })
    }

    /// Changes one of the caller's programmes (scope `funding:decide`): name, window, total budget (never below what is committed).
    #[graphql(guard = "RequireScopes::one(&Scope::FundingDecide)")]
    async fn update_funding_programme(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: UpdateFundingProgrammeInput,
    ) -> Result<FundingProgrammePayload> {
        let command = input.command().map_err(under("input"))?;
        let p = funding::update(db(ctx)?, &request(ctx)?.principal, command)
            .await
            .map_err(under("input"))?;
        Ok(FundingProgrammePayload {
            funding_programme: FundingProgramme(p),
        })
    }

    /// Applies for funding of the placement of a candidate the caller (an employer) accepted on a PRACTICAL_PLACEMENT or SE_PRACTICAL_SERVICE (scope `funding:apply`); submitted at once unless `submit: false`. Each broken eligibility rule (profession, origin, cost type, window, region, consent, placement) is a `BAD_USER_INPUT` naming it.
    #[graphql(guard = "RequireScopes::one(&Scope::FundingApply)")]
    async fn apply_for_funding(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The programme, the placement and the costs.")]
        input: ApplyForFundingInput,
    ) -> Result<FundingApplicationPayload> {
        let command = input.command().map_err(under("input"))?;
        let a = applications::create(db(ctx)?, &request(ctx)?.principal, reference(ctx)?, command)
            .await
            .map_err(under("input"))?;
        Self::application(ctx, a)
    }

    /// Changes the costs of a DRAFT or INCOMPLETE application (scope `funding:apply`).
    #[graphql(guard = "RequireScopes::one(&Scope::FundingApply)")]
    async fn amend_funding_application(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The application and its costs.")] input: AmendFundingApplicationInput,
    ) -> Result<FundingApplicationPayload> {
        let command = input.command().map_err(under("input"))?;
        let a = applications::amend(db(ctx)?, &request(ctx)?.principal, command)
            .await
            .map_err(under("input"))?;
        Self::application(ctx, a)
    }

    /// Submits a DRAFT or INCOMPLETE application (scope `funding:apply`), the eligibility rules checked again.
    #[graphql(guard = "RequireScopes::one(&Scope::FundingApply)")]
    async fn submit_funding_application(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The application.")] input: FundingApplicationRefInput,
    ) -> Result<FundingApplicationPayload> {
        let id = application_id(&input.id).map_err(under("input"))?;
        let a = applications::submit(db(ctx)?, &request(ctx)?.principal, reference(ctx)?, id)
            .await
            .map_err(under("input"))?;
        Self::application(ctx, a)
    }

    /// Sends a SUBMITTED application back to the employer, saying what is missing (scope `funding:decide`).
    #[graphql(guard = "RequireScopes::one(&Scope::FundingDecide)")]
    async fn request_funding_completion(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The application and what is missing.")]
        input: FundingApplicationNoteInput,
    ) -> Result<FundingApplicationPayload> {
        let id = application_id(&input.id).map_err(under("input"))?;
        let a =
            applications::request_completion(db(ctx)?, &request(ctx)?.principal, id, &input.note)
                .await
                .map_err(under("input"))?;
        Self::application(ctx, a)
    }

    /// Grants a SUBMITTED application an amount at most what was requested and what remains of the budget (scope `funding:decide`): GRANTED when it is all, PARTIALLY_GRANTED when less. A grant larger than what remains is refused with `BUDGET_EXCEEDED`, `extensions.remaining` saying what is left; grants never exceed the budget, whatever runs at the same time.
    #[graphql(guard = "RequireScopes::one(&Scope::FundingDecide)")]
    async fn grant_funding(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The application and the amount.")] input: FundingAmountInput,
    ) -> Result<FundingApplicationPayload> {
        let id = application_id(&input.id).map_err(under("input"))?;
        let a = applications::grant(db(ctx)?, &request(ctx)?.principal, id, &input.amount.into())
            .await
            .map_err(under("input"))?;
        Self::application(ctx, a)
    }

    /// Rejects a SUBMITTED or INCOMPLETE application with a reason (scope `funding:decide`).
    #[graphql(guard = "RequireScopes::one(&Scope::FundingDecide)")]
    async fn reject_funding_application(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The application and the reason.")] input: FundingApplicationNoteInput,
    ) -> Result<FundingApplicationPayload> {
        let id = application_id(&input.id).map_err(under("input"))?;
        let a = applications::reject(db(ctx)?, &request(ctx)?.principal, id, &input.note)
            .await
            .map_err(under("input"))?;
        Self::application(ctx, a)
    }

    /// Records the payment of a grant, at most the amount granted (scope `funding:decide`); what is not paid goes back to the budget, and the follow-up becomes due.
    #[graphql(guard = "RequireScopes::one(&Scope::FundingDecide)")]
    async fn record_funding_payment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The application and the amount paid.")] input: FundingAmountInput,
    ) -> Result<FundingApplicationPayload> {
        let id = application_id(&input.id).map_err(under("input"))?;
        let a = applications::record_payment(
            db(ctx)?,
            &request(ctx)?.principal,
            id,
            &input.amount.into(),
        )
        .await
        .map_err(under("input"))?;
        Self::application(ctx, a)
    }

    /// Files the follow-up of a paid grant: months completed and outcome (scope `funding:apply`); the application is closed.
    #[graphql(guard = "RequireScopes::one(&Scope::FundingApply)")]
    async fn file_funding_follow_up(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The application and the report.")] input: FileFundingFollowUpInput,
    ) -> Result<FundingApplicationPayload> {
        let command = input.command().map_err(under("input"))?;
        let a = applications::file_follow_up(db(ctx)?, &request(ctx)?.principal, command)
            .await
            .map_err(under("input"))?;
        Self::application(ctx, a)
    }
}
