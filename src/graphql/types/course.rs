//! `Course`.

use super::connection::connection;
use super::{CourseRun, CourseRunConnection, Date, Organisation, Profession};
use crate::graphql::id::{self, NodeType};
use crate::graphql::input::CourseRunFilter;
use crate::graphql::request;
use crate::service::course_runs::BY_START;
use crate::service::pagination::PageArgs;
use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::course::{self, CourseType};
use entity::enums::LanguageLevel;

/// GraphQL view of a `course` row; see the `#[Object]` impl for the published description.
pub struct Course(pub course::Model);

connection!(CourseConnection, CourseEdge, Course, "courses");

/// A course offered by a school or provider (adaptation course, knowledge-test preparation, language course…); its dated sessions are its `runs`.
#[Object]
impl Course {
    /// Global ID.
    pub async fn id(&self) -> ID {
        id::encode(NodeType::Course, self.0.id)
    }

    /// What the course prepares for.
    #[graphql(name = "type")]
    async fn course_type(&self) -> CourseType {
        self.0.course_type
    }

    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// Content, entry requirements and final exam, as the provider describes them.
    async fn description(&self) -> &str {
        &self.0.description
    }

    /// The school or provider offering the course.
    async fn provider(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let loaders = &request(ctx)?.loaders;
        Ok(loaders
            .organisation
            .load_one(self.0.provider_id)
            .await?
            .map(Organisation))
    }

    /// The professions the course is for.
    async fn professions(&self, ctx: &Context<'_>) -> Result<Vec<Profession>> {
        let keys = request(ctx)?
            .loaders
            .professions_by_course
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Profession::all_of(ctx, &keys)
    }

    /// Language level a participant needs to enter.
    async fn language_level(&self) -> Option<LanguageLevel> {
        self.0.language_level
    }

    /// The provider's own id of the course, as its catalogue imports name it (`POST /import/courses`); null for courses registered by hand.
    async fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }

    /// AZAV measure number (Maßnahmenummer), for courses approved for funding.
    async fn azav_measure_number(&self) -> Option<&str> {
        self.0.azav_measure_number.as_deref()
    }

    /// AZAV approval of the measure valid until this date.
    async fn azav_valid_until(&self) -> Option<Date> {
        self.0.azav_valid_until.map(Date)
    }

    /// Whether the course can be funded with a Bildungsgutschein of the Agentur für Arbeit or Jobcenter.
    async fn bildungsgutschein(&self) -> bool {
        self.0.bildungsgutschein
    }

    /// The next run that has not started yet and is not cancelled.
    async fn next_run(&self, ctx: &Context<'_>) -> Result<Option<CourseRun>> {
        let loaders = &request(ctx)?.loaders;
        Ok(loaders
            .next_run_by_course
            .load_one(self.0.id)
            .await?
            .map(CourseRun))
    }

    /// The course's runs, by start date.
    async fn runs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions the runs must meet.")] filter: Option<CourseRunFilter>,
        #[graphql(desc = "Number of runs from the start (at most 100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of runs from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to stop.")] before: Option<String>,
    ) -> Result<CourseRunConnection> {
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .resolve(BY_START.name)?;
        let filter = filter.unwrap_or_default().into();
        let (rows, total) = request(ctx)?
            .loaders
            .child_page(|l| &l.runs_of_course, self.0.id, filter, page)
            .await?;
        Ok(CourseRunConnection::new(rows, total, CourseRun))
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
