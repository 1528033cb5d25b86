//! `ExamSession`.

use super::connection::connection;
use super::course_run::Money;
use super::enrolment::{EnrolmentConnection, enrolment_page};
use super::{Date, Organisation, Profession, Region};
use crate::graphql::id::{self, NodeType};
use crate::graphql::input::EnrolmentFilter;
use crate::graphql::{reference, request};
use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::course_run::{CourseFormat, RunStatus};
use entity::exam_session::{self, ExamType};

/// GraphQL view of an `exam_session` row; see the `#[Object]` impl for the published description.
pub struct ExamSession(pub exam_session::Model);

connection!(
    ExamSessionConnection,
    ExamSessionEdge,
    ExamSession,
    "exam sessions"
);

/// A dated sitting of an exam of the recognition procedure (Kenntnisprüfung, Fachsprachprüfung, Eignungsprüfung, kunskapsprov …): when, where, for which professions, how many seats, at what fee.
#[Object]
impl ExamSession {
    /// Global ID.
    pub async fn id(&self) -> ID {
        id::encode(NodeType::ExamSession, self.0.id)
    }

    /// The exam.
    #[graphql(name = "type")]
    async fn exam_type(&self) -> ExamType {
        self.0.exam_type
    }

    /// The exam office, chamber or authority that runs the session.
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let loaders = &request(ctx)?.loaders;
        Ok(loaders
            .organisation
            .load_one(self.0.organisation_id)
            .await?
            .map(Organisation))
    }

    /// The professions the session is for.
    async fn professions(&self, ctx: &Context<'_>) -> Result<Vec<Profession>> {
        let keys = request(ctx)?
            .loaders
            .professions_by_session
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Profession::all_of(ctx, &keys)
    }

    /// The day of the exam.
    async fn date(&self) -> Date {
        Date(self.0.date)
    }

    /// `PRESENCE` (at `city`) or `ONLINE`.
    async fn format(&self) -> CourseFormat {
        self.0.format
    }

    /// Region where the session takes place.
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        Ok(reference(ctx)?
            .regions
            .get(&self.0.region_code)
            .map(|r| Region(r.clone())))
    }

    /// City where the session takes place.
    async fn city(&self) -> &str {
        &self.0.city
    }

    /// Seats offered.
    async fn seats_max(&self) -> i32 {
        self.0.seats_max
    }

    /// Seats still free (never negative).
    async fn seats_available(&self) -> i32 {
        (self.0.seats_max - self.0.seats_taken).max(0)
    }

    /// Enrolments waiting for a seat (a count; who waits is visible only to the parties).
    async fn waitlist_length(&self) -> i32 {
        self.0.waitlist_length
    }

    /// Last day to register.
    async fn registration_deadline(&self) -> Option<Date> {
        self.0.registration_deadline.map(Date)
    }

    /// The exam fee.
    async fn fee(&self) -> Money {
        Money::from_minor(self.0.fee_minor, &self.0.currency)
    }

    /// Where the session stands.
    async fn status(&self) -> RunStatus {
        self.0.status
    }

    /// Why the session was cancelled.
    async fn cancellation_reason(&self) -> Option<&str> {
        self.0.cancellation_reason.as_deref()
    }

    /// The enrolments in this session the caller may see (its exam office, and advisory centres for their own candidates), in the order they were requested.
    async fn enrolments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions the enrolments must meet.")] filter: Option<EnrolmentFilter>,
        #[graphql(desc = "Number of enrolments from the start (at most 100, default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of enrolments from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to stop.")] before: Option<String>,
    ) -> Result<EnrolmentConnection> {
        enrolment_page(
            ctx,
            |l| &l.enrolments_of_session,
            self.0.id,
            filter,
            (first, after, last, before),
        )
        .await
    }

    /// When this record was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When this record last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// Version of this record, increased by every change; pass it as `expectedVersion` when updating.
    async fn version(&self) -> i32 {
        self.0.version
    }
}
