//! `createConsultationGroup`, `changeConsultationGroupMembers`, `openConsultation`,
//! `answerConsultation`, `resolveConsultation`.

use crate::auth::Scope;
use crate::graphql::guard::RequireScopes;
use crate::graphql::input::{
    AnswerConsultationInput, ChangeConsultationGroupMembersInput, CreateConsultationGroupInput,
    OpenConsultationInput, ResolveConsultationInput, under,
};
use crate::graphql::types::{Consultation, ConsultationAnswer, ConsultationGroup};
use crate::graphql::{db, reference, request};
use crate::service::consultations;
use async_graphql::{Context, Object, Result, SimpleObject};

/// The result of a consultation group mutation.
#[derive(SimpleObject)]
pub struct ConsultationGroupPayload {
    /// The group as stored now.
    pub consultation_group: ConsultationGroup,
}

/// The result of a consultation mutation.
#[derive(SimpleObject)]
pub struct ConsultationPayload {
    /// The consultation as stored now.
    pub consultation: Consultation,
}

/// The result of `answerConsultation`.
#[derive(SimpleObject)]
pub struct ConsultationAnswerPayload {
    /// The answer as stored.
    pub answer: ConsultationAnswer,
    /// The consultation answered, with its thread.
    pub consultation: Consultation,
}

#[derive(Default)]
pub struct ConsultationsMutation;

#[Object]
impl ConsultationsMutation {
    /// Convenes a consultation group (scope `consultations:write`): the caller's organisation is its convener and a member, with the organisations named.
    #[graphql(guard = "RequireScopes::one(&Scope::ConsultationsWrite)")]
    async fn create_consultation_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group.")] input: CreateConsultationGroupInput,
    ) -> Result<ConsultationGroupPayload> {
        let command = input.command().map_err(under("input"))?;
        let g = consultations::create_group(db(ctx)?, &request(ctx)?.principal, command)
            .await
            .map_err(under("input"))?;
        request(ctx)?.loaders.forget_all();
        Ok(ConsultationGroupPayload {
            consultation_group: ConsultationGroup(g),
        })
    }

    /// Adds and removes members of a consultation group (scope `consultations:write`), by its convener only (another member is `FORBIDDEN`); the convener stays a member. A stale `expectedVersion` is `CONFLICT`. A removed organisation no longer sees the group, its consultations or their threads.
    #[graphql(guard = "RequireScopes::one(&Scope::ConsultationsWrite)")]
    async fn change_consultation_group_members(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group, its version and the members to add and remove.")]
        input: ChangeConsultationGroupMembersInput,
    ) -> Result<ConsultationGroupPayload> {
        let command = input.command().map_err(under("input"))?;
        let g = consultations::change_members(db(ctx)?, &request(ctx)?.principal, command)
            .await
            .map_err(under("input"))?;
        request(ctx)?.loaders.forget_all();
        Ok(ConsultationGroupPayload {
            consultation_group: ConsultationGroup(g),
        })
    }

    /// Opens a consultation in a group the caller's organisation is a member of (scope `consultations:write`): linked to a recognition case the caller may see (`caseId`), or an anonymous situation. A group or case the caller may not see is `NOT_FOUND`; a question with personal data is `BAD_USER_INPUT` on `input.question`.
    #[graphql(guard = "RequireScopes::one(&Scope::ConsultationsWrite)")]
    async fn open_consultation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group, the case or situation, and the question.")]
        input: OpenConsultationInput,
    ) -> Result<ConsultationPayload> {
        let command = input.command().map_err(under("input"))?;
        let c = consultations::open(db(ctx)?, &request(ctx)?.principal, reference(ctx)?, command)
            .await
            .map_err(under("input"))?;
        request(ctx)?.loaders.forget_all();
        Ok(ConsultationPayload {
            consultation: Consultation(c),
        })
    }

    /// Answers an OPEN consultation of a group the caller's organisation is a member of (scope `consultations:write`). An answer with personal data is `BAD_USER_INPUT` on `input.text`.
    #[graphql(guard = "RequireScopes::one(&Scope::ConsultationsWrite)")]
    async fn answer_consultation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The consultation and the answer.")] input: AnswerConsultationInput,
    ) -> Result<ConsultationAnswerPayload> {
        let command = input.command().map_err(under("input"))?;
        let (c, a) = consultations::answer(db(ctx)?, &request(ctx)?.principal, command)
            .await
            .map_err(under("input"))?;
        request(ctx)?.loaders.forget_all();
        Ok(ConsultationAnswerPayload {
            answer: ConsultationAnswer(a),
            consultation: Consultation(c),
        })
    }

    /// Resolves an OPEN consultation with the agreed next steps (scope `consultations:write`), by the member that opened it only (another member is `FORBIDDEN`). A stale `expectedVersion` is `CONFLICT`; next steps with personal data are `BAD_USER_INPUT` on `input.nextSteps`.
    #[graphql(guard = "RequireScopes::one(&Scope::ConsultationsWrite)")]
    async fn resolve_consultation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The consultation, its version and the next steps.")]
        input: ResolveConsultationInput,
    ) -> Result<ConsultationPayload> {
        let command = input.command().map_err(under("input"))?;
        let c = consultations::resolve(db(ctx)?, &request(ctx)?.principal, command)
            .await
            .map_err(under("input"))?;
        request(ctx)?.loaders.forget_all();
        Ok(ConsultationPayload {
            consultation: Consultation(c),
        })
    }
}
