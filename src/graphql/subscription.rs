//! `Subscription`: live updates of seats and cases, served over the graphql-ws protocol
//! at `/graphql/ws` (`http::live`).
//!
//! Every subscription listens to the changes committed on the database
//! (`service::live::Feed`, fed by every replica) and shows each changed object as the
//! subscriber may see it *now*: the object is read again with the subscriber's row rules
//! and the subscription's filter, and nothing is sent when that read finds nothing. A
//! `RESYNC` event says changes may have been missed (a replica lost its listening
//! connection, or the subscriber fell behind): read again what matters.

use crate::error::{AppError, AppResult};
use crate::graphql::id::NodeType;
use crate::graphql::input::{
    CaseFilter, CourseRunFilter, EnrolmentFilter, ExamSessionFilter, under,
};
use crate::graphql::types::{CourseRun, Enrolment, ExamSession, RecognitionCase};
use crate::graphql::{db, id, reference, request};
use crate::service::live::{self, Change, Delivered, Feed};
use async_graphql::{Context, Enum, ID, Result, SimpleObject, Subscription};
use futures::Stream;
use std::future::Future;
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;

#[derive(Default)]
pub struct SubscriptionRoot;

/// What an event of a subscription says.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    /// The object changed; the event carries it as stored now.
    Changed,
    /// Changes may have been missed (a replica lost its connection to the database's notifications, or this subscriber fell behind): read again what matters. The event carries no object.
    Resync,
}

/// A change of a course run: seats, waitlist, status or details.
#[derive(SimpleObject)]
pub struct CourseRunChange {
    /// `CHANGED`, or `RESYNC` (no run).
    pub kind: ChangeKind,
    /// The run as stored now; `null` for `RESYNC`.
    pub course_run: Option<CourseRun>,
}

/// A change of an exam session: seats, waitlist, status or details.
#[derive(SimpleObject)]
pub struct ExamSessionChange {
    /// `CHANGED`, or `RESYNC` (no session).
    pub kind: ChangeKind,
    /// The session as stored now; `null` for `RESYNC`.
    pub exam_session: Option<ExamSession>,
}

/// A change of a recognition case: status, timeline or decision.
#[derive(SimpleObject)]
pub struct CaseChange {
    /// `CHANGED`, or `RESYNC` (no case).
    pub kind: ChangeKind,
    /// The case as stored now; `null` for `RESYNC`.
    #[graphql(name = "case")]
    pub case_: Option<RecognitionCase>,
}

/// A change of an enrolment: status or place in line.
#[derive(SimpleObject)]
pub struct EnrolmentChange {
    /// `CHANGED`, or `RESYNC` (no enrolment).
    pub kind: ChangeKind,
    /// The enrolment as stored now; `null` for `RESYNC`.
    pub enrolment: Option<Enrolment>,
}

fn feed<'a>(ctx: &Context<'a>) -> AppResult<&'a Arc<Feed>> {
    ctx.data::<Arc<Feed>>()
        .map_err(|_| AppError::Internal("change feed missing from the GraphQL context".into()))
}

/// The events of one subscription: for each change `pick` accepts, `read` shows the
/// object to the subscriber (or nothing); a resync passes as it is. Before each read
/// the request's loaders forget what they loaded, so the event's fields are current.
async fn events<'a, M, T, Fut>(
    ctx: &Context<'a>,
    pick: impl Fn(Change) -> Option<i64> + Send + 'a,
    read: impl Fn(i64) -> Fut + Send + 'a,
    wrap: impl Fn(Option<M>) -> T + Send + 'a,
) -> Result<impl Stream<Item = Result<T>> + 'a>
where
    M: Send + 'a,
    T: Send + 'a,
    Fut: Future<Output = AppResult<Option<M>>> + Send + 'a,
{
    let receiver = feed(ctx)?.subscribe().await?;
    let loaders = request(ctx)?.loaders.clone();
    let state = (receiver, pick, read, wrap, loaders);
    Ok(futures::stream::unfold(state, |state| async move {
        let (mut receiver, pick, read, wrap, loaders) = state;
        loop {
            let id = match receiver.recv().await {
                Ok(Delivered::Changed(change)) => match pick(change) {
                    Some(id) => id,
                    None => continue,
                },
                Ok(Delivered::Resync) | Err(RecvError::Lagged(_)) => {
                    let event = Ok(wrap(None));
                    return Some((event, (receiver, pick, read, wrap, loaders)));
                }
                Err(RecvError::Closed) => return None,
            };
            loaders.forget_all();
            let event = match read(id).await {
                Ok(Some(model)) => Ok(wrap(Some(model))),
                Ok(None) => continue,
                Err(err) => Err(err.into()),
            };
            return Some((event, (receiver, pick, read, wrap, loaders)));
        }
    }))
}

fn kind<T>(object: &Option<T>) -> ChangeKind {
    if object.is_some() {
        ChangeKind::Changed
    } else {
        ChangeKind::Resync
    }
}

fn decode(id: &Option<ID>, node: NodeType, field: &str) -> AppResult<Option<i64>> {
    id.as_ref()
        .map(|id| id::decode_as(id, node, field))
        .transpose()
}

/// Live updates over WebSocket (`/graphql/ws`, graphql-transport-ws): every event shows the changed object as the subscriber may see it at that moment.
#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// Changes of course runs (seats taken, waitlist length, status, details) matching `filter`, as soon as they are committed. Public: anyone sees the runs the catalogue shows them.
    async fn course_run_changed<'a>(
        &self,
        ctx: &Context<'a>,
        #[graphql(desc = "Conditions the runs must meet (profession, region, type…).")]
        filter: Option<CourseRunFilter>,
    ) -> Result<impl Stream<Item = Result<CourseRunChange>> + 'a> {
        let filter = filter.unwrap_or_default().into();
        let reference = reference(ctx)?.clone();
        live::check_course_run_filter(&reference, &filter).map_err(under("filter"))?;
        let (db, principal) = (db(ctx)?.clone(), request(ctx)?.principal.clone());
        events(
            ctx,
            |c| match c {
                Change::CourseRun(id) => Some(id),
                _ => None,
            },
            move |id| {
                let (db, principal, reference, filter) = (
                    db.clone(),
                    principal.clone(),
                    reference.clone(),
                    filter.clone(),
                );
                async move { live::course_run(&db, &principal, &reference, &filter, id).await }
            },
            |m| {
                let course_run = m.map(CourseRun);
                CourseRunChange {
                    kind: kind(&course_run),
                    course_run,
                }
            },
        )
        .await
    }

    /// Changes of exam sessions (seats taken, waitlist length, status, details) matching `filter`, as soon as they are committed. Public: anyone sees the sessions the catalogue shows them.
    async fn exam_session_changed<'a>(
        &self,
        ctx: &Context<'a>,
        #[graphql(desc = "Conditions the sessions must meet (profession, region, type…).")]
        filter: Option<ExamSessionFilter>,
    ) -> Result<impl Stream<Item = Result<ExamSessionChange>> + 'a> {
        let filter = filter.unwrap_or_default().into();
        let reference = reference(ctx)?.clone();
        live::check_exam_session_filter(&reference, &filter).map_err(under("filter"))?;
        let (db, principal) = (db(ctx)?.clone(), request(ctx)?.principal.clone());
        events(
            ctx,
            |c| match c {
                Change::ExamSession(id) => Some(id),
                _ => None,
            },
            move |id| {
                let (db, principal, reference, filter) = (
                    db.clone(),
                    principal.clone(),
                    reference.clone(),
                    filter.clone(),
                );
                async move { live::exam_session(&db, &principal, &reference, &filter, id).await }
            },
            |m| {
                let exam_session = m.map(ExamSession);
                ExamSessionChange {
                    kind: kind(&exam_session),
                    exam_session,
                }
            },
        )
        .await
    }

    /// Changes of recognition cases the caller may see (status, timeline, decision): the one with `id`, or those matching `filter`. Whether the caller may see a case is decided for every event, so a revoked consent stops the events at once.
    async fn case_changed<'a>(
        &self,
        ctx: &Context<'a>,
        #[graphql(desc = "Only this case.")] id: Option<ID>,
        #[graphql(desc = "Conditions the cases must meet.")] filter: Option<CaseFilter>,
    ) -> Result<impl Stream<Item = Result<CaseChange>> + 'a> {
        let only = decode(&id, NodeType::RecognitionCase, "id")?;
        let filter = filter
            .unwrap_or_default()
            .command()
            .map_err(under("filter"))?;
        let reference = reference(ctx)?.clone();
        live::check_case_filter(&reference, &filter).map_err(under("filter"))?;
        let (db, principal) = (db(ctx)?.clone(), request(ctx)?.principal.clone());
        events(
            ctx,
            move |c| match c {
                Change::Case(id) if only.is_none_or(|o| o == id) => Some(id),
                _ => None,
            },
            move |id| {
                let (db, principal, reference, filter) = (
                    db.clone(),
                    principal.clone(),
                    reference.clone(),
                    filter.clone(),
                );
                async move { live::case(&db, &principal, &reference, &filter, id).await }
            },
            |m| {
                let case_ = m.map(RecognitionCase);
                CaseChange {
                    kind: kind(&case_),
                    case_,
                }
            },
        )
        .await
    }

    /// Changes of enrolments the caller may see (status, place in line): the one with `id`, those of one candidate, or all matching `filter`.
    async fn enrolment_changed<'a>(
        &self,
        ctx: &Context<'a>,
        #[graphql(desc = "Only this enrolment.")] id: Option<ID>,
        #[graphql(desc = "Only enrolments of this candidate.")] candidate: Option<ID>,
        #[graphql(desc = "Conditions the enrolments must meet.")] filter: Option<EnrolmentFilter>,
    ) -> Result<impl Stream<Item = Result<EnrolmentChange>> + 'a> {
        let only = decode(&id, NodeType::Enrolment, "id")?;
        let of_candidate = decode(&candidate, NodeType::Candidate, "candidate")?;
        let filter: crate::service::enrolments::EnrolmentFilter = filter.unwrap_or_default().into();
        let (db, principal) = (db(ctx)?.clone(), request(ctx)?.principal.clone());
        events(
            ctx,
            move |c| match c {
                Change::Enrolment(id) if only.is_none_or(|o| o == id) => Some(id),
                _ => None,
            },
            move |id| {
                let (db, principal, filter) = (db.clone(), principal.clone(), filter.clone());
                async move {
                    Ok(live::enrolment(&db, &principal, &filter, id)
                        .await?
                        .filter(|e| of_candidate.is_none_or(|c| c == e.candidate_id)))
                }
            },
            |m| {
                let enrolment = m.map(Enrolment);
                EnrolmentChange {
                    kind: kind(&enrolment),
                    enrolment,
                }
            },
        )
        .await
    }
}
