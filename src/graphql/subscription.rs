//! `Subscription`: live updates of seats and cases, served over the graphql-ws protocol
//! at `/graphql/ws` (`http::live`).
//!
//! Every subscription listens to the changes committed on the database
//! (`service::live::Feed`, fed by every replica) and shows each changed object as the
//! subscriber may see it *now*: the object is read again with the subscriber's row rules
//! and the subscription's filter, and nothing is sent when that read finds nothing. A
//! `RESYNC` event says changes may have been missed (a replica lost its listening
//! connection, or the subscriber fell behind): read again what matters.

use crate::auth::{Principal, Scope};
use crate::error::{AppError, AppResult};
use crate::graphql::guard::RequireScopes;
use crate::graphql::id::NodeType;
use crate::graphql::input::{
    CaseFilter, CourseRunFilter, EnrolmentFilter, ExamSessionFilter, under,
};
use crate::graphql::types::{CourseRun, Enrolment, ExamSession, RecognitionCase};
use crate::graphql::{db, id, reference, request};
use crate::service::Reference;
use crate::service::course_runs::CourseRunFilter as CourseRunFilterCommand;
use crate::service::enrolments::EnrolmentFilter as EnrolmentFilterCommand;
use crate::service::exam_sessions::ExamSessionFilter as ExamSessionFilterCommand;
use crate::service::live::{self, Change, Delivered, Feed};
use async_graphql::{Context, Enum, ID, Result, SimpleObject, Subscription};
use futures::Stream;
use sea_orm::DatabaseConnection;
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
/// object to the subscriber (or nothing), given the change's id and the delivery's
/// number (for [`live::SharedReads`]); a resync passes as it is. Before each read
/// the request's loaders forget what they loaded, so the event's fields are current.
async fn events<'a, M, T, Fut>(
    ctx: &Context<'a>,
    pick: impl Fn(Change) -> Option<i64> + Send + 'a,
    read: impl Fn(i64, u64) -> Fut + Send + 'a,
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
            let (id, number) = match receiver.recv().await {
                Ok(Delivered::Changed(change, number)) => match pick(change) {
                    Some(id) => (id, number),
                    None => continue,
                },
                Ok(Delivered::Resync) | Err(RecvError::Lagged(_)) => {
                    let event = Ok(wrap(None));
                    return Some((event, (receiver, pick, read, wrap, loaders)));
                }
                Err(RecvError::Closed) => return None,
            };
            loaders.forget_all();
            let event = match read(id, number).await {
                Ok(Some(model)) => Ok(wrap(Some(model))),
                Ok(None) => continue,
                Err(err) => Err(err.into()),
            };
            return Some((event, (receiver, pick, read, wrap, loaders)));
        }
    }))
}

/// What a subscription reads each changed object with, the same for every event.
#[derive(Clone)]
struct Reader {
    db: DatabaseConnection,
    principal: Principal,
    reference: Arc<Reference>,
    shared: Arc<live::Shared>,
    /// Subscribers with the same key share their reads ([`live::reader_key`]).
    key: Arc<str>,
}

impl Reader {
    fn of(ctx: &Context<'_>, filter: &impl std::fmt::Debug) -> AppResult<Reader> {
        let principal = request(ctx)?.principal.clone();
        Ok(Reader {
            db: db(ctx)?.clone(),
            key: live::reader_key(&principal, filter).into(),
            principal,
            reference: reference(ctx)?.clone(),
            shared: ctx
                .data::<Arc<live::Shared>>()
                .map_err(|_| AppError::Internal("shared reads missing from the context".into()))?
                .clone(),
        })
    }
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
        let filter: CourseRunFilterCommand = filter.unwrap_or_default().into();
        live::check_course_run_filter(reference(ctx)?, &filter).map_err(under("filter"))?;
        let reader = Reader::of(ctx, &filter)?;
        events(
            ctx,
            |c| match c {
                Change::CourseRun(id) => Some(id),
                _ => None,
            },
            move |id, number| {
                let (r, filter) = (reader.clone(), filter.clone());
                async move {
                    r.shared
                        .course_runs
                        .read(number, &r.key, || {
                            live::course_run(&r.db, &r.principal, &r.reference, &filter, id)
                        })
                        .await
                }
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
        let filter: ExamSessionFilterCommand = filter.unwrap_or_default().into();
        live::check_exam_session_filter(reference(ctx)?, &filter).map_err(under("filter"))?;
        let reader = Reader::of(ctx, &filter)?;
        events(
            ctx,
            |c| match c {
                Change::ExamSession(id) => Some(id),
                _ => None,
            },
            move |id, number| {
                let (r, filter) = (reader.clone(), filter.clone());
                async move {
                    r.shared
                        .exam_sessions
                        .read(number, &r.key, || {
                            live::exam_session(&r.db, &r.principal, &r.reference, &filter, id)
                        })
                        .await
                }
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

    /// Changes of recognition cases the caller may see (status, timeline, decision; scope `cases:read`): the one with `id`, or those matching `filter`. Whether the caller may see a case is decided for every event, so a revoked consent stops the events at once.
    #[graphql(guard = "RequireScopes::one(&Scope::CasesRead)")]
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
        live::check_case_filter(reference(ctx)?, &filter).map_err(under("filter"))?;
        let reader = Reader::of(ctx, &filter)?;
        events(
            ctx,
            move |c| match c {
                Change::Case(id) if only.is_none_or(|o| o == id) => Some(id),
                _ => None,
            },
            move |id, number| {
                let (r, filter) = (reader.clone(), filter.clone());
                async move {
                    r.shared
                        .cases
                        .read(number, &r.key, || {
                            live::case(&r.db, &r.principal, &r.reference, &filter, id)
                        })
                        .await
                }
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
        let filter: EnrolmentFilterCommand = filter.unwrap_or_default().into();
        let reader = Reader::of(ctx, &filter)?;
        events(
            ctx,
            move |c| match c {
                Change::Enrolment(id) if only.is_none_or(|o| o == id) => Some(id),
                _ => None,
            },
            move |id, number| {
                let (r, filter) = (reader.clone(), filter.clone());
                async move {
                    Ok(r.shared
                        .enrolments
                        .read(number, &r.key, || {
                            live::enrolment(&r.db, &r.principal, &filter, id)
                        })
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
