//! `registerCourse`, `updateCourse`, `scheduleCourseRun`, `updateCourseRun`, `cancelCourseRun`.

use crate::auth::Scope;
use crate::error::AppError;
use crate::graphql::guard::RequireScopes;
use crate::graphql::input::{
    CancelCourseRunInput, ImportCoursesInput, RegisterCourseInput, ScheduleCourseRunInput,
    UpdateCourseInput, UpdateCourseRunInput, under,
};
use crate::graphql::types::imports::CourseImportReport;
use crate::graphql::types::{Course, CourseRun};
use crate::graphql::{db, reference, request};
use crate::service::{course_runs, courses, imports};
use async_graphql::{Context, Object, Result, SimpleObject};

/// The result of a course mutation.
#[derive(SimpleObject)]
pub struct CoursePayload {
    /// The course as stored now.
    pub course: Course,
}

/// The result of a course run mutation.
#[derive(SimpleObject)]
pub struct CourseRunPayload {
    /// The run as stored now.
    pub course_run: CourseRun,
}

#[derive(Default)]
pub struct CourseMutation;

#[Object]
impl CourseMutation {
    /// Registers a course of the caller's school or provider (scope `courses:write`).
    #[graphql(guard = "RequireScopes::one(&Scope::CoursesWrite)")]
    async fn register_course(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new course.")] input: RegisterCourseInput,
    ) -> Result<CoursePayload> {
        let course = courses::register(
            db(ctx)?,
            &request(ctx)?.principal,
            &reference(ctx)?.professions,
            input.into(),
        )
        .await
        .map_err(under("input"))?;
        Ok(CoursePayload {
            course: Course(course),
        })
    }

    /// Changes one of the caller's courses (scope `courses:write`); `CONFLICT` if `expectedVersion` is not current.
    #[graphql(guard = "RequireScopes::one(&Scope::CoursesWrite)")]
    async fn update_course(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: UpdateCourseInput,
    ) -> Result<CoursePayload> {
        let changes = input.command().map_err(under("input"))?;
        let course = courses::update(
            db(ctx)?,
            &request(ctx)?.principal,
            &reference(ctx)?.professions,
            changes,
        )
        .await
        .map_err(under("input"))?;
        Ok(CoursePayload {
            course: Course(course),
        })
    }

    /// Schedules a run of one of the caller's courses (scope `courses:write`).
    #[graphql(guard = "RequireScopes::one(&Scope::CoursesWrite)")]
    async fn schedule_course_run(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new run.")] input: ScheduleCourseRunInput,
    ) -> Result<CourseRunPayload> {
        let command = input.command().map_err(under("input"))?;
        let run = course_runs::schedule(
            db(ctx)?,
            &request(ctx)?.principal,
            &reference(ctx)?.regions,
            command,
        )
        .await
        .map_err(under("input"))?;
        Ok(CourseRunPayload {
            course_run: CourseRun(run),
        })
    }

    /// Changes one of the caller's course runs (scope `courses:write`); `CONFLICT` if `expectedVersion` is not current.
    #[graphql(guard = "RequireScopes::one(&Scope::CoursesWrite)")]
    async fn update_course_run(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: UpdateCourseRunInput,
    ) -> Result<CourseRunPayload> {
        let command = input.command().map_err(under("input"))?;
        let run = course_runs::update(
            db(ctx)?,
            &request(ctx)?.principal,
            &reference(ctx)?.regions,
            command,
        )
        .await
        .map_err(under("input"))?;
        Ok(CourseRunPayload {
            course_run: CourseRun(run),
        })
    }

    /// Cancels one of the caller's course runs with a reason (scope `courses:write`).
    #[graphql(guard = "RequireScopes::one(&Scope::CoursesWrite)")]
    async fn cancel_course_run(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The run and the reason.")] input: CancelCourseRunInput,
    ) -> Result<CourseRunPayload> {
        let cancellation = input.command().map_err(under("input"))?;
        let run = course_runs::cancel(db(ctx)?, &request(ctx)?.principal, cancellation)
            .await
            .map_err(under("input"))?;
        // Its enrolments were withdrawn with it.
        request(ctx)?.loaders.forget_all();
        Ok(CourseRunPayload {
            course_run: CourseRun(run),
        })
    }

    /// Imports rows of the caller's catalogue, keyed by its own ids (scope `courses:write`): the same rows again change nothing, changed rows update, and the report names every row's outcome and problems. At most 1,000 rows; larger catalogues go to `POST /import/courses` (README, "Bulk import of courses").
    #[graphql(guard = "RequireScopes::one(&Scope::CoursesWrite)")]
    async fn import_courses(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The rows and how to import them.")] input: ImportCoursesInput,
    ) -> Result<CourseImportReport> {
        if input.rows.len() > MAX_MUTATION_ROWS {
            return Err(AppError::bad_input(
                "input.rows",
                format!(
                    "at most {MAX_MUTATION_ROWS} rows per mutation; send larger catalogues to POST /import/courses"
                ),
            )
            .into());
        }
        let rows = input
            .rows
            .iter()
            .enumerate()
            .map(|(i, row)| Ok(row.row(i as u64 + 1)))
            .collect::<Vec<_>>();
        let report = imports::import(
            db(ctx)?,
            &request(ctx)?.principal,
            reference(ctx)?,
            input.options(),
            futures::stream::iter(rows),
        )
        .await
        .map_err(under("input"))?;
        if report.written {
            request(ctx)?.loaders.forget_all();
        }
        Ok(CourseImportReport(report))
    }
}

/// The most rows `importCourses` takes.
const MAX_MUTATION_ROWS: usize = 1000;
