//! `courses`, `course`, `courseRuns`, `courseRun`.

use crate::error::AppError;
use crate::graphql::id::{self, NodeType};
use crate::graphql::input::{CourseFilter, CourseRunFilter, under};
use crate::graphql::types::{Course, CourseConnection, CourseRun, CourseRunConnection};
use crate::graphql::{db, reference, request};
use crate::service::course_runs::{self, BY_START};
use crate::service::courses::{self, BY_TITLE};
use crate::service::pagination::PageArgs;
use async_graphql::{Context, ID, Object, Result};

#[derive(Default)]
pub struct CourseQuery;

#[Object]
impl CourseQuery {
    /// The course catalogue, by title.
    async fn courses(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions the courses must meet.")] filter: Option<CourseFilter>,
        #[graphql(desc = "Number of courses from the start (at most 100, default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of courses from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to stop.")] before: Option<String>,
    ) -> Result<CourseConnection> {
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .resolve(BY_TITLE.name)?;
        let reference = reference(ctx)?;
        let select = courses::filtered(
            &request(ctx)?.principal,
            &reference.regions,
            &reference.professions,
            &filter.unwrap_or_default().into(),
        )
        .map_err(under("filter"))?;
        Ok(CourseConnection::from_select(db(ctx)?, select, &BY_TITLE, &page, Course).await?)
    }

    /// The course with this ID; `null` with a `NOT_FOUND` error when there is none the caller may see.
    async fn course(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of a course.")] id: ID,
    ) -> Result<Option<Course>> {
        let key = id::decode_as(&id, NodeType::Course, "id")?;
        request(ctx)?
            .loaders
            .course
            .load_one(key)
            .await?
            .map(Course)
            .map(Some)
            .ok_or_else(|| AppError::NotFound(format!("course `{}`", id.as_str())).into())
    }

    /// Course runs across the catalogue, by start date: "where can I take a knowledge-test preparation course near Leipzig starting before June?"
    async fn course_runs(
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
        let reference = reference(ctx)?;
        let select = course_runs::filtered(
            &request(ctx)?.principal,
            &reference.regions,
            &reference.professions,
            &filter.unwrap_or_default().into(),
        )
        .map_err(under("filter"))?;
        Ok(CourseRunConnection::from_select(db(ctx)?, select, &BY_START, &page, CourseRun).await?)
    }

    /// The course run with this ID; `null` with a `NOT_FOUND` error when there is none the caller may see.
    async fn course_run(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of a course run.")] id: ID,
    ) -> Result<Option<CourseRun>> {
        let key = id::decode_as(&id, NodeType::CourseRun, "id")?;
        request(ctx)?
            .loaders
            .course_run
            .load_one(key)
            .await?
            .map(CourseRun)
            .map(Some)
            .ok_or_else(|| AppError::NotFound(format!("course run `{}`", id.as_str())).into())
    }
}
