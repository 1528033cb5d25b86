//! `Enrolment`, its history, and the candidate's timeline.

use super::connection::connection;
use super::{Candidate, CaseEvent, CourseRun, ExamSession, Organisation};
use crate::graphql::id::{self, NodeType};
use crate::graphql::input::EnrolmentFilter;
use crate::graphql::loader::Loaders;
use crate::graphql::loader::child_list::ChildLoader;
use crate::graphql::request;
use crate::service::enrolments::BY_ID;
use crate::service::pagination::PageArgs;
use async_graphql::{Context, ID, Object, Result, Union};
use chrono::{DateTime, Utc};
use entity::enrolment::{self, EnrolmentStatus};
use entity::enrolment_event;

/// GraphQL view of an `enrolment` row; see the `#[Object]` impl for the published description.
pub struct Enrolment(pub enrolment::Model);

connection!(EnrolmentConnection, EnrolmentEdge, Enrolment, "enrolments");

/// The page arguments of a list field: `first`, `after`, `last`, `before`.
type PageArgsTuple = (Option<i32>, Option<String>, Option<i32>, Option<String>);

/// A page of the enrolments of one run or session.
pub(super) async fn enrolment_page(
    ctx: &Context<'_>,
    which: fn(
        &Loaders,
    ) -> &ChildLoader<enrolment::Entity, crate::service::enrolments::EnrolmentFilter>,
    parent: i64,
    filter: Option<EnrolmentFilter>,
    (first, after, last, before): PageArgsTuple,
) -> Result<EnrolmentConnection> {
    let page = PageArgs {
        first,
        after,
        last,
        before,
    }
    .resolve(BY_ID.name)?;
    let (rows, total) = request(ctx)?
        .loaders
        .child_page(which, parent, filter.unwrap_or_default().into(), page)
        .await?;
    Ok(EnrolmentConnection::new(rows, total, Enrolment))
}

/// A candidate in a course run or an exam session: confirmed on a seat, waiting for one, or what came of it.
#[Object]
impl Enrolment {
    /// Global ID.
    pub async fn id(&self) -> ID {
        id::encode(NodeType::Enrolment, self.0.id)
    }

    /// The candidate (pseudonymous facts; `null` for a caller who may not see them, for example after the consent was revoked).
    async fn candidate(&self, ctx: &Context<'_>) -> Result<Option<Candidate>> {
        let loaders = &request(ctx)?.loaders;
        Ok(loaders
            .candidate
            .load_one(self.0.candidate_id)
            .await?
            .map(Candidate))
    }

    /// The course run, for an enrolment into a run.
    async fn course_run(&self, ctx: &Context<'_>) -> Result<Option<CourseRun>> {
        let Some(run) = self.0.course_run_id else {
            return Ok(None);
        };
        let loaders = &request(ctx)?.loaders;
        Ok(loaders.course_run.load_one(run).await?.map(CourseRun))
    }

    /// The exam session, for an enrolment into a session.
    async fn exam_session(&self, ctx: &Context<'_>) -> Result<Option<ExamSession>> {
        let Some(session) = self.0.exam_session_id else {
            return Ok(None);
        };
        let loaders = &request(ctx)?.loaders;
        Ok(loaders
            .exam_session
            .load_one(session)
            .await?
            .map(ExamSession))
    }

    /// Where the enrolment stands.
    async fn status(&self) -> EnrolmentStatus {
        self.0.status
    }

    /// Place in line while WAITLISTED: 1 is next.
    async fn waitlist_position(&self) -> Option<i32> {
        self.0.waitlist_position
    }

    /// Why it was declined or withdrawn.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }

    /// The advisory centre that requested it.
    async fn requested_by(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let loaders = &request(ctx)?.loaders;
        Ok(loaders
            .organisation
            .load_one(self.0.requested_by)
            .await?
            .map(Organisation))
    }

    /// Every change, oldest first.
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<EnrolmentEvent>> {
        let loaders = &request(ctx)?.loaders;
        Ok(loaders
            .history_by_enrolment
            .load_one(self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(EnrolmentEvent)
            .collect())
    }

    /// When the enrolment was requested.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When this record last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// Version of this record, increased by every change.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// One change of an enrolment.
pub struct EnrolmentEvent(pub enrolment_event::Model);

/// One change of an enrolment: who, when, from which status to which.
#[Object]
impl EnrolmentEvent {
    /// When.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }

    /// The enrolment.
    async fn enrolment(&self, ctx: &Context<'_>) -> Result<Option<Enrolment>> {
        let loaders = &request(ctx)?.loaders;
        Ok(loaders
            .enrolment
            .load_one(self.0.enrolment_id)
            .await?
            .map(Enrolment))
    }

    /// The organisation that made the change; `null` when the hub moved the enrolment itself (a promotion from the waitlist).
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let Some(org) = self.0.organisation_id else {
            return Ok(None);
        };
        let loaders = &request(ctx)?.loaders;
        Ok(loaders.organisation.load_one(org).await?.map(Organisation))
    }

    /// The client that made the change.
    async fn client(&self) -> Option<&str> {
        self.0.client_id.as_deref()
    }

    /// Status before; `null` when the enrolment was requested.
    async fn from(&self) -> Option<EnrolmentStatus> {
        self.0.from_status
    }

    /// Status after.
    async fn to(&self) -> EnrolmentStatus {
        self.0.to_status
    }

    /// Place in line after the change, while WAITLISTED.
    async fn waitlist_position(&self) -> Option<i32> {
        self.0.waitlist_position
    }

    /// Reason or remark.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
}

/// An entry of a candidate's timeline: a change of one of their recognition cases or of one of their enrolments.
#[derive(Union)]
pub enum TimelineEntry {
    CaseEvent(CaseEvent),
    EnrolmentEvent(EnrolmentEvent),
}

impl TimelineEntry {
    /// When it happened.
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            TimelineEntry::CaseEvent(e) => e.0.at,
            TimelineEntry::EnrolmentEvent(e) => e.0.at,
        }
    }
}
