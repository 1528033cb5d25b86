//! `publishExamSession`, `updateExamSession`, `cancelExamSession`, `requestEnrolment`,
//! `confirmEnrolment`, `declineEnrolment`, `withdrawEnrolment`, `recordEnrolmentResult`.

use crate::auth::Scope;
use crate::graphql::guard::RequireScopes;
use crate::graphql::input::seats::enrolment_id;
use crate::graphql::input::{
    CancelExamSessionInput, ConfirmEnrolmentInput, DeclineEnrolmentInput, PublishExamSessionInput,
    RecordEnrolmentResultInput, RequestEnrolmentInput, UpdateExamSessionInput,
    WithdrawEnrolmentInput, under,
};
use crate::graphql::types::{Enrolment, ExamSession};
use crate::graphql::{db, reference, request};
use crate::service::{enrolments, exam_sessions};
use async_graphql::{Context, Object, Result, SimpleObject};

/// The result of an exam session mutation.
#[derive(SimpleObject)]
pub struct ExamSessionPayload {
    /// The session as stored now.
    pub exam_session: ExamSession,
}

/// The result of an enrolment mutation.
#[derive(SimpleObject)]
pub struct EnrolmentPayload {
    /// The enrolment as stored now.
    pub enrolment: Enrolment,
}

/// Who receives enrolments: schools and providers, exam offices, chambers, authorities.
const RECEIVING: &[Scope] = &[Scope::CoursesWrite, Scope::ExamsWrite];
/// Who may withdraw: the advisory centre or the receiving side.
const EITHER_SIDE: &[Scope] = &[
    Scope::EnrolmentsWrite,
    Scope::CoursesWrite,
    Scope::ExamsWrite,
];

#[derive(Default)]
pub struct SeatsMutation;

impl SeatsMutation {
    /// The payload of a changed enrolment. Seats and places of other enrolments moved
    /// with it, so nothing loaded earlier in this request is reused.
    fn enrolment(ctx: &Context<'_>, e: entity::enrolment::Model) -> Result<EnrolmentPayload> {
        request(ctx)?.loaders.forget_all();
        Ok(EnrolmentPayload {
            enrolment: Enrolment(e),
        })
    }
}

#[Object]
impl SeatsMutation {
    /// Publishes a session of an exam the caller's exam office, chamber or authority runs (scope `exams:write`).
    #[graphql(guard = "RequireScopes::one(&Scope::ExamsWrite)")]
    async fn publish_exam_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new session.")] input: PublishExamSessionInput,
    ) -> Result<ExamSessionPayload> {
        let session = exam_sessions::publish(
            db(ctx)?,
            &request(ctx)?.principal,
            reference(ctx)?,
            input.into(),
        )
        .await
        .map_err(under("input"))?;
        Ok(ExamSessionPayload {
            exam_session: ExamSession(session),
        })
    }

    /// Changes one of the caller's exam sessions (scope `exams:write`); `CONFLICT` if `expectedVersion` is not current. Lowering `seatsMax` below the seats taken is refused.
    #[graphql(guard = "RequireScopes::one(&Scope::ExamsWrite)")]
    async fn update_exam_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: UpdateExamSessionInput,
    ) -> Result<ExamSessionPayload> {
        let command = input.command().map_err(under("input"))?;
        let session =
            exam_sessions::update(db(ctx)?, &request(ctx)?.principal, reference(ctx)?, command)
                .await
                .map_err(under("input"))?;
        Ok(ExamSessionPayload {
            exam_session: ExamSession(session),
        })
    }

    /// Cancels one of the caller's exam sessions with a reason (scope `exams:write`); every live enrolment is withdrawn with that reason.
    #[graphql(guard = "RequireScopes::one(&Scope::ExamsWrite)")]
    async fn cancel_exam_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The session and the reason.")] input: CancelExamSessionInput,
    ) -> Result<ExamSessionPayload> {
        let cancellation = input.command().map_err(under("input"))?;
        let session = exam_sessions::cancel(db(ctx)?, &request(ctx)?.principal, cancellation)
            .await
            .map_err(under("input"))?;
        request(ctx)?.loaders.forget_all();
        Ok(ExamSessionPayload {
            exam_session: ExamSession(session),
        })
    }

    /// Enrols one of the caller's candidates into a course run or an exam session (scope `enrolments:write`): CONFIRMED while a seat is free and nobody waits, otherwise WAITLISTED with a place in line. Needs a live consent of the candidate, purpose REFERRAL, for the school or exam office. Each broken rule is a `BAD_USER_INPUT` naming it.
    #[graphql(guard = "RequireScopes::one(&Scope::EnrolmentsWrite)")]
    async fn request_enrolment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The candidate and the run or session.")] input: RequestEnrolmentInput,
    ) -> Result<EnrolmentPayload> {
        let command = input.command().map_err(under("input"))?;
        let e = enrolments::request(db(ctx)?, &request(ctx)?.principal, reference(ctx)?, command)
            .await
            .map_err(under("input"))?;
        Self::enrolment(ctx, e)
    }

    /// Gives a waitlisted enrolment a free seat, in the order the school or exam office chooses (scope `courses:write` or `exams:write`). New seats after raising `seatsMax` are filled this way.
    #[graphql(guard = "RequireScopes::any(RECEIVING)")]
    async fn confirm_enrolment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The enrolment.")] input: ConfirmEnrolmentInput,
    ) -> Result<EnrolmentPayload> {
        let id = enrolment_id(&input.id).map_err(under("input"))?;
        let e = enrolments::confirm(db(ctx)?, &request(ctx)?.principal, id)
            .await
            .map_err(under("input"))?;
        Self::enrolment(ctx, e)
    }

    /// Declines an enrolment with a reason (scope `courses:write` or `exams:write`); its seat goes to the first in line.
    #[graphql(guard = "RequireScopes::any(RECEIVING)")]
    async fn decline_enrolment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The enrolment and the reason.")] input: DeclineEnrolmentInput,
    ) -> Result<EnrolmentPayload> {
        let id = enrolment_id(&input.id).map_err(under("input"))?;
        let e = enrolments::decline(db(ctx)?, &request(ctx)?.principal, id, &input.reason)
            .await
            .map_err(under("input"))?;
        Self::enrolment(ctx, e)
    }

    /// Withdraws an enrolment, by the candidate's advisory centre (`enrolments:write`) or the school or exam office (`courses:write`, `exams:write`); its seat goes to the first in line.
    #[graphql(guard = "RequireScopes::any(EITHER_SIDE)")]
    async fn withdraw_enrolment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The enrolment and, optionally, why.")] input: WithdrawEnrolmentInput,
    ) -> Result<EnrolmentPayload> {
        let id = enrolment_id(&input.id).map_err(under("input"))?;
        let e = enrolments::withdraw(
            db(ctx)?,
            &request(ctx)?.principal,
            id,
            input.reason.as_deref(),
        )
        .await
        .map_err(under("input"))?;
        Self::enrolment(ctx, e)
    }

    /// Records what came of a confirmed enrolment once the run or session has begun (scope `courses:write` or `exams:write`); a result can be corrected.
    #[graphql(guard = "RequireScopes::any(RECEIVING)")]
    async fn record_enrolment_result(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The enrolment and its result.")] input: RecordEnrolmentResultInput,
    ) -> Result<EnrolmentPayload> {
        let id = enrolment_id(&input.id).map_err(under("input"))?;
        let e = enrolments::record_result(db(ctx)?, &request(ctx)?.principal, id, input.result)
            .await
            .map_err(under("input"))?;
        Self::enrolment(ctx, e)
    }
}
