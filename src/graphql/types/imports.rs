//! The report of a catalogue import (`importCourses`, and as JSON `POST /import/courses`).

use super::{Course, CourseRun};
use crate::graphql::id::{self, NodeType};
use crate::graphql::request;
use crate::service::imports::{self, ImportReport, Outcome};
use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};

/// What became of a row of an import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "ImportOutcome", rename_items = "SCREAMING_SNAKE_CASE")]
pub enum ImportOutcome {
    /// The course or its run was new and is now in the hub.
    Created,
    /// The course or its run had other values and was changed.
    Updated,
    /// The hub holds exactly this row already; nothing was written.
    Unchanged,
    /// The row has problems (`fieldErrors`); nothing of it was written.
    Failed,
}

impl From<Outcome> for ImportOutcome {
    fn from(o: Outcome) -> Self {
        match o {
            Outcome::Created => ImportOutcome::Created,
            Outcome::Updated => ImportOutcome::Updated,
            Outcome::Unchanged => ImportOutcome::Unchanged,
            Outcome::Failed => ImportOutcome::Failed,
        }
    }
}

/// A problem with one field (column) of a row, as a mutation's `extensions.fieldErrors` names it.
#[derive(SimpleObject)]
pub struct FieldError {
    /// The column, such as `title` or `cost.amount`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// The report of an import: every row's outcome, and what earlier imports held that this one no longer lists.
pub struct CourseImportReport(pub ImportReport);

/// The report of an import: every row's outcome, and what earlier imports held that this one no longer lists.
#[Object]
impl CourseImportReport {
    /// Whether this was a dry run (nothing written).
    async fn dry_run(&self) -> bool {
        self.0.options.dry_run
    }

    /// Whether the import was all or nothing.
    async fn atomic(&self) -> bool {
        self.0.options.atomic
    }

    /// Whether runs no longer listed were cancelled.
    async fn remove_missing(&self) -> bool {
        self.0.options.remove_missing
    }

    /// Whether the import's changes were stored: false for a dry run and for an atomic import with a failed row.
    async fn written(&self) -> bool {
        self.0.written
    }

    /// Rows that created a course or run.
    async fn created(&self) -> usize {
        self.0.count(Outcome::Created)
    }

    /// Rows that changed a course or run.
    async fn updated(&self) -> usize {
        self.0.count(Outcome::Updated)
    }

    /// Rows the hub held already.
    async fn unchanged(&self) -> usize {
        self.0.count(Outcome::Unchanged)
    }

    /// Rows with problems.
    async fn failed(&self) -> usize {
        self.0.count(Outcome::Failed)
    }

    /// Every row, in order.
    async fn rows(&self) -> Vec<CourseImportRow<'_>> {
        self.0.rows.iter().map(CourseImportRow).collect()
    }

    /// Courses and live runs of earlier imports that this one does not list.
    async fn missing(&self) -> Vec<CourseImportMissing<'_>> {
        self.0.missing.iter().map(CourseImportMissing).collect()
    }
}

/// The outcome of one row of an import.
pub struct CourseImportRow<'a>(&'a imports::RowReport);

/// The outcome of one row of an import.
#[Object]
impl CourseImportRow<'_> {
    /// The row's line in the file (its position in the mutation's `rows`, from 1).
    async fn line(&self) -> u64 {
        self.0.line
    }

    /// The row's `externalId`.
    async fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }

    /// The row's `runExternalId`.
    async fn run_external_id(&self) -> Option<&str> {
        self.0.run_external_id.as_deref()
    }

    /// What became of the row.
    async fn outcome(&self) -> ImportOutcome {
        self.0.outcome.into()
    }

    /// The course's global ID (null for a failed row, or in a dry run for a course that would be new).
    async fn course_id(&self) -> Option<ID> {
        self.0.course_id.map(|i| id::encode(NodeType::Course, i))
    }

    /// The course as stored now (null when the import was not written and the course is new).
    async fn course(&self, ctx: &Context<'_>) -> Result<Option<Course>> {
        let Some(id) = self.0.course_id else {
            return Ok(None);
        };
        Ok(request(ctx)?.loaders.course.load_one(id).await?.map(Course))
    }

    /// The run's global ID.
    async fn course_run_id(&self) -> Option<ID> {
        self.0
            .course_run_id
            .map(|i| id::encode(NodeType::CourseRun, i))
    }

    /// The run as stored now.
    async fn course_run(&self, ctx: &Context<'_>) -> Result<Option<CourseRun>> {
        let Some(id) = self.0.course_run_id else {
            return Ok(None);
        };
        Ok(request(ctx)?
            .loaders
            .course_run
            .load_one(id)
            .await?
            .map(CourseRun))
    }

    /// The row's problems, one per field.
    async fn field_errors(&self) -> Vec<FieldError> {
        self.0
            .problems
            .iter()
            .map(|p| FieldError {
                field: p.field.clone(),
                message: p.message.clone(),
            })
            .collect()
    }
}

/// A course or run of an earlier import that this one does not list.
pub struct CourseImportMissing<'a>(&'a imports::Missing);

/// A course or run of an earlier import that this one does not list.
#[Object]
impl CourseImportMissing<'_> {
    /// The course's `externalId`.
    async fn external_id(&self) -> &str {
        &self.0.external_id
    }

    /// The run's `runExternalId`; null when the entry is a course.
    async fn run_external_id(&self) -> Option<&str> {
        self.0.run_external_id.as_deref()
    }

    /// The course's global ID.
    async fn course_id(&self) -> ID {
        id::encode(NodeType::Course, self.0.course_id)
    }

    /// The run's global ID; null when the entry is a course.
    async fn course_run_id(&self) -> Option<ID> {
        self.0
            .course_run_id
            .map(|i| id::encode(NodeType::CourseRun, i))
    }

    /// Whether this import cancelled the run (`removeMissing`).
    async fn cancelled(&self) -> bool {
        self.0.cancelled
    }
}
