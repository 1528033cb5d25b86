//! Bulk import of a provider's catalogue: courses and their runs, keyed by the
//! provider's own ids (`externalId`, `runExternalId`), from a file (`POST
//! /import/courses`, read by [`file`]) or a mutation (`importCourses`); both hand
//! [`Row`]s to [`import`].
//!
//! An import runs in one transaction, after locking the provider's organisation row,
//! so two imports of one provider happen one after the other and each compares its
//! rows with what the other wrote. Each row is compared with what is stored under its
//! ids: the same values are `UNCHANGED` (nothing written), other values `UPDATED`
//! (under the version rules of `updateCourse` and `updateCourseRun`), new ids
//! `CREATED`. A row whose values are wrong is `FAILED` with its problems, exactly as a
//! mutation's `fieldErrors` would name them, and nothing of it is written. Rows of
//! earlier imports that the file no longer has are reported (and their runs cancelled
//! if the caller asks). A dry run, an atomic import with a failed row and a file that
//! cannot be read are rolled back whole.

pub mod file;

use crate::auth::Principal;
use crate::error::{AppError, AppResult, FieldProblem};
use crate::id::{self, NodeType};
use crate::service::Reference;
use crate::service::course_runs::{self, Money, NewCourseRun, RunDraft};
use crate::service::courses::{self, CourseDraft, NewCourse};
use crate::service::validation::{Problems, chars, has_nul, parse_date, value_name};
use chrono::NaiveDate;
use entity::course::{self, CourseType};
use entity::course_profession;
use entity::course_run::{self, CourseFormat, FundingOption, RunStatus, Schedule};
use futures::{Stream, StreamExt};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, TransactionTrait,
};
use std::collections::{HashMap, HashSet};

/// The columns of an import, in documentation order: the names of the schema's input
/// fields (`cost.amount` for `cost { amount }`).
pub const COLUMNS: &[&str] = &[
    "externalId",
    "courseId",
    "version",
    "courseType",
    "title",
    "description",
    "professions",
    "languageLevel",
    "azavMeasureNumber",
    "azavValidUntil",
    "bildungsgutschein",
    "runExternalId",
    "runVersion",
    "startDate",
    "endDate",
    "hours",
    "format",
    "schedule",
    "seatsMin",
    "seatsMax",
    "region",
    "city",
    "cost.amount",
    "cost.currency",
    "fundingOptions",
    "registrationDeadline",
    "rollingEntry",
    "status",
];

/// The columns a CSV file must have.
pub const REQUIRED: &[&str] = &["externalId", "courseType", "title", "professions"];

/// The columns of a run: a row that gives any of them gives a run.
const RUN_COLUMNS: &[&str] = &[
    "runVersion",
    "startDate",
    "endDate",
    "hours",
    "format",
    "schedule",
    "seatsMin",
    "seatsMax",
    "region",
    "city",
    "cost.amount",
    "cost.currency",
    "fundingOptions",
    "registrationDeadline",
    "rollingEntry",
    "status",
];

/// The most rows one import takes.
pub const MAX_ROWS: usize = 100_000;
/// The longest external id.
const MAX_EXTERNAL_ID: usize = 200;
/// Why a run an import no longer lists is cancelled, when the caller asks.
pub const REMOVED_REASON: &str = "No longer in the provider's catalogue (removed by import)";

/// How an import runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Answer the report, write nothing.
    pub dry_run: bool,
    /// Write nothing if any row fails.
    pub atomic: bool,
    /// Cancel the runs of earlier imports that this one no longer lists.
    pub remove_missing: bool,
    /// When to give up waiting for rows (a slow or stalled upload) and roll back.
    pub deadline: Option<tokio::time::Instant>,
}

/// One row of an import: where it was, and what it says or what is wrong with it.
#[derive(Debug, Clone)]
pub struct Row {
    /// The line of the file (the position in the mutation's list, from 1).
    pub line: u64,
    /// The ids the row gives, even when its values are wrong (for the report).
    pub external_id: Option<String>,
    pub run_external_id: Option<String>,
    pub record: Result<Record, Vec<FieldProblem>>,
}

/// A row whose values read.
#[derive(Debug, Clone)]
pub struct Record {
    pub external_id: String,
    /// A course registered by hand that this row's external id is to name from now on.
    pub course_id: Option<i64>,
    /// The course's version the row is based on, if it names one.
    pub version: Option<i32>,
    pub course: NewCourse,
    pub run: Option<RunRecord>,
}

/// The run of a row.
#[derive(Debug, Clone)]
pub struct RunRecord {
    pub external_id: String,
    pub version: Option<i32>,
    /// `course_id` is not used: the run belongs to the row's course.
    pub run: NewCourseRun,
}

/// What became of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
    Failed,
}

/// The report of one row.
#[derive(Debug, Clone)]
pub struct RowReport {
    pub line: u64,
    pub external_id: Option<String>,
    pub run_external_id: Option<String>,
    pub outcome: Outcome,
    pub course_id: Option<i64>,
    pub course_run_id: Option<i64>,
    pub problems: Vec<FieldProblem>,
}

/// A course or run of an earlier import that this one does not list.
#[derive(Debug, Clone)]
pub struct Missing {
    pub external_id: String,
    /// Set for a run.
    pub run_external_id: Option<String>,
    pub course_id: i64,
    pub course_run_id: Option<i64>,
    /// Whether this import cancelled the run.
    pub cancelled: bool,
}

/// What an import did (or, in a dry run or a rolled-back import, would have done).
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    pub options: ImportOptions,
    /// Whether the import's changes were stored.
    pub written: bool,
    pub rows: Vec<RowReport>,
    pub missing: Vec<Missing>,
}

impl ImportReport {
    /// How many rows had `outcome`.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.rows.iter().filter(|r| r.outcome == outcome).count()
    }
}

// ---------------------------------------------------------------------------------
// Reading a row's cells.

/// Reads one cell after another, collecting the problems.
struct Cells<'a, F: Fn(&str) -> Option<&'a str>> {
    get: F,
    problems: Vec<FieldProblem>,
}

impl<'a, F: Fn(&str) -> Option<&'a str>> Cells<'a, F> {
    fn problem(&mut self, field: &str, message: impl Into<String>) {
        self.problems.push(FieldProblem {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    /// The trimmed text of `column`; `None` when absent or empty.
    fn text(&mut self, column: &str) -> Option<String> {
        let value = (self.get)(column)?.trim();
        if value.is_empty() {
            return None;
        }
        if has_nul(value) {
            self.problem(column, crate::service::validation::nul_message(column));
            return None;
        }
        Some(value.to_owned())
    }

    /// An external id: at most [`MAX_EXTERNAL_ID`] characters.
    fn external_id(&mut self, column: &str) -> Option<String> {
        let value = self.text(column)?;
        if chars(&value) > MAX_EXTERNAL_ID {
            self.problem(
                column,
                format!("an external id has at most {MAX_EXTERNAL_ID} characters"),
            );
            return None;
        }
        Some(value)
    }

    fn required(&mut self, column: &str, what: &str) -> Option<String> {
        let value = self.text(column);
        if value.is_none() {
            self.problem(column, format!("`{column}` is required {what}"));
        }
        value
    }

    fn parse<T>(
        &mut self,
        column: &str,
        value: Option<String>,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Option<T> {
        match parse(value.as_deref()?) {
            Ok(v) => Some(v),
            Err(message) => {
                self.problem(column, message);
                None
            }
        }
    }

    fn int(&mut self, column: &str, value: Option<String>) -> Option<i32> {
        self.parse(column, value, |t| {
            t.parse::<i32>()
                .map_err(|_| format!("`{t}` is not a whole number"))
        })
    }

    fn date(&mut self, column: &str, value: Option<String>) -> Option<NaiveDate> {
        self.parse(column, value, parse_date)
    }

    fn boolean(&mut self, column: &str) -> Option<bool> {
        let value = self.text(column);
        self.parse(column, value, |t| match t.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "ja" | "ja." => Ok(true),
            "false" | "0" | "no" | "nein" => Ok(false),
            _ => Err(format!("`{t}` is not true or false")),
        })
    }

    fn one<T>(&mut self, column: &str, value: Option<String>) -> Option<T>
    where
        T: serde::de::DeserializeOwned + serde::Serialize + sea_orm::Iterable,
    {
        self.parse(column, value, enum_value::<T>)
    }

    fn list<T>(&mut self, column: &str) -> Vec<T>
    where
        T: serde::de::DeserializeOwned + serde::Serialize + sea_orm::Iterable,
    {
        let Some(text) = self.text(column) else {
            return Vec::new();
        };
        text.split('|')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .filter_map(|t| self.parse(column, Some(t.to_owned()), enum_value::<T>))
            .collect()
    }
}

/// The enum value named `text` (`ONLINE`), or a message listing the names.
fn enum_value<T>(text: &str) -> Result<T, String>
where
    T: serde::de::DeserializeOwned + serde::Serialize + sea_orm::Iterable,
{
    serde_json::from_value(serde_json::Value::String(text.to_owned())).map_err(|_| {
        let names: Vec<String> = T::iter().map(|v| value_name(&v)).collect();
        format!("`{text}` is none of {}", names.join(", "))
    })
}

impl Row {
    /// The row of line `line` whose cells `get` answers by column name (`None` or an
    /// empty text for an empty cell).
    pub fn from_cells<'a>(line: u64, get: impl Fn(&str) -> Option<&'a str>) -> Row {
        let mut c = Cells {
            get,
            problems: Vec::new(),
        };
        let ext = c.external_id("externalId");
        if ext.is_none() && !c.problems.iter().any(|p| p.field == "externalId") {
            c.problem(
                "externalId",
                "`externalId` is required: the course's id in your system",
            );
        }
        let course_id = c.text("courseId").and_then(|t| {
            match id::decode_as(&t, NodeType::Course, "courseId") {
                Ok(id) => Some(id),
                Err(err) => {
                    c.problems.extend(problems_of(err));
                    None
                }
            }
        });
        let version = c.text("version");
        let version = c.int("version", version);
        let course_type = c.required("courseType", "for every course");
        let course_type = c.one::<CourseType>("courseType", course_type);
        let title = c.required("title", "for every course");
        let description = c.text("description").unwrap_or_default();
        let professions: Vec<String> = c
            .required(
                "professions",
                "for every course: profession keys such as nurse|physician",
            )
            .map(|t| {
                t.split('|')
                    .map(|p| p.trim().to_owned())
                    .filter(|p| !p.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let language_level = c.text("languageLevel");
        let language_level = c.one("languageLevel", language_level);
        let azav_measure_number = c.text("azavMeasureNumber");
        let azav_valid_until = c.text("azavValidUntil");
        let azav_valid_until = c.date("azavValidUntil", azav_valid_until);
        let bildungsgutschein = c.boolean("bildungsgutschein").unwrap_or(false);

        let run_ext = c.external_id("runExternalId");
        let gives_run = RUN_COLUMNS
            .iter()
            .any(|col| (c.get)(col).is_some_and(|v| !v.trim().is_empty()));
        let run = match (&run_ext, gives_run) {
            (None, false) => None,
            (None, true) => {
                if !c.problems.iter().any(|p| p.field == "runExternalId") {
                    c.problem(
                        "runExternalId",
                        "a row with a run needs `runExternalId`: the run's id in your system",
                    );
                }
                None
            }
            (Some(run_ext), _) => read_run(&mut c, run_ext.clone()),
        };
        let record = match (ext.clone(), course_type, title) {
            (Some(external_id), Some(course_type), Some(title)) if c.problems.is_empty() => {
                Ok(Record {
                    external_id,
                    course_id,
                    version,
                    course: NewCourse {
                        course_type,
                        title,
                        description,
                        professions,
                        language_level,
                        azav_measure_number,
                        azav_valid_until,
                        bildungsgutschein,
                    },
                    run,
                })
            }
            _ => Err(c.problems),
        };
        Row {
            line,
            external_id: ext,
            run_external_id: run_ext,
            record,
        }
    }
}

fn read_run<'a>(
    c: &mut Cells<'a, impl Fn(&str) -> Option<&'a str>>,
    external_id: String,
) -> Option<RunRecord> {
    let version = c.text("runVersion");
    let version = c.int("runVersion", version);
    let start = c.required("startDate", "for a run");
    let start = c.date("startDate", start);
    let end = c.required("endDate", "for a run");
    let end = c.date("endDate", end);
    let hours = c.required("hours", "for a run");
    let hours = c.int("hours", hours);
    let format = c.required("format", "for a run");
    let format = c.one::<CourseFormat>("format", format);
    let schedule = c.required("schedule", "for a run");
    let schedule = c.one::<Schedule>("schedule", schedule);
    let seats_min = c.required("seatsMin", "for a run");
    let seats_min = c.int("seatsMin", seats_min);
    let seats_max = c.required("seatsMax", "for a run");
    let seats_max = c.int("seatsMax", seats_max);
    let region = c.required("region", "for a run");
    let city = c.required("city", "for a run");
    let amount = c.required("cost.amount", "for a run");
    let currency = c.required("cost.currency", "for a run");
    let funding_options = c.list::<FundingOption>("fundingOptions");
    let deadline = c.text("registrationDeadline");
    let registration_deadline = c.date("registrationDeadline", deadline);
    let rolling_entry = c.boolean("rollingEntry").unwrap_or(false);
    let status = c.text("status");
    let status = c.one::<RunStatus>("status", status);
    Some(RunRecord {
        external_id,
        version,
        run: NewCourseRun {
            course_id: 0,
            start_date: start?,
            end_date: end?,
            hours: hours?,
            format: format?,
            schedule: schedule?,
            seats_min: seats_min?,
            seats_max: seats_max?,
            region: region?,
            city: city?,
            cost: Money {
                amount: amount?,
                currency: currency?,
            },
            funding_options,
            registration_deadline,
            rolling_entry,
            status,
        },
    })
}

/// The problems of an error of one row: its field problems, or its message.
fn problems_of(err: AppError) -> Vec<FieldProblem> {
    match err {
        AppError::BadUserInput {
            message,
            field,
            problems,
        } => {
            if problems.is_empty() {
                vec![FieldProblem {
                    field: field.unwrap_or_default(),
                    message,
                }]
            } else {
                problems
            }
        }
        other => vec![FieldProblem {
            field: String::new(),
            message: other.to_string(),
        }],
    }
}

// ---------------------------------------------------------------------------------
// Importing.

/// A stored course of the provider that has an external id.
#[derive(Clone)]
struct StoredCourse {
    model: course::Model,
    /// Sorted in reference order.
    professions: Vec<String>,
}

/// What the import knows of the provider's imported catalogue, kept current as it
/// writes.
struct Catalogue {
    courses: HashMap<String, StoredCourse>,
    /// By course id and run external id.
    runs: HashMap<(i64, String), course_run::Model>,
    /// Course external ids seen in this import, with the line and the draft of the
    /// first row that gave them (`None` when that row failed).
    seen_courses: HashMap<String, (u64, Option<CourseDraft>)>,
    /// (course external id, run external id) seen, with the line.
    seen_runs: HashMap<(String, String), u64>,
}

impl Catalogue {
    async fn load(
        txn: &DatabaseTransaction,
        provider: i64,
        reference: &Reference,
    ) -> AppResult<Self> {
        let models = course::Entity::find()
            .filter(course::Column::ProviderId.eq(provider))
            .filter(course::Column::ExternalId.is_not_null())
            .all(txn)
            .await?;
        let of_provider = Query::select()
            .column(course::Column::Id)
            .from(course::Entity)
            .and_where(course::Column::ProviderId.eq(provider))
            .and_where(course::Column::ExternalId.is_not_null())
            .to_owned();
        let links = course_profession::Entity::find()
            .filter(course_profession::Column::CourseId.in_subquery(of_provider.clone()))
            .all(txn)
            .await?;
        let mut professions: HashMap<i64, Vec<String>> = HashMap::new();
        for link in links {
            professions
                .entry(link.course_id)
                .or_default()
                .push(link.profession_key);
        }
        let runs = course_run::Entity::find()
            .filter(
                course_run::Column::CourseId.in_subquery(
                    Query::select()
                        .column(course::Column::Id)
                        .from(course::Entity)
                        .and_where(course::Column::ProviderId.eq(provider))
                        .to_owned(),
                ),
            )
            .filter(course_run::Column::ExternalId.is_not_null())
            .all(txn)
            .await?;
        Ok(Catalogue {
            courses: models
                .into_iter()
                .filter_map(|m| {
                    let mut keys = professions.remove(&m.id).unwrap_or_default();
                    reference.professions.sort_keys(&mut keys);
                    Some((
                        m.external_id.clone()?,
                        StoredCourse {
                            model: m,
                            professions: keys,
                        },
                    ))
                })
                .collect(),
            runs: runs
                .into_iter()
                .filter_map(|r| Some(((r.course_id, r.external_id.clone()?), r)))
                .collect(),
            seen_courses: HashMap::new(),
            seen_runs: HashMap::new(),
        })
    }
}

/// What a row will write, decided before anything is written.
enum CourseStep {
    Create(CourseDraft),
    Update {
        id: i64,
        version: i32,
        draft: CourseDraft,
        professions: bool,
    },
    Keep(StoredCourse),
}

enum RunStep {
    Create(RunDraft),
    Update {
        id: i64,
        version: i32,
        draft: RunDraft,
    },
    Keep(course_run::Model),
}

/// Imports `rows` into the catalogue of the caller's organisation (a school or
/// provider; the `courses:write` scope is checked by the caller). A row stream that
/// ends in an error (a file that cannot be read) rolls back the whole import and is
/// that error.
pub async fn import(
    db: &DatabaseConnection,
    principal: &Principal,
    reference: &Reference,
    options: ImportOptions,
    rows: impl Stream<Item = AppResult<Row>>,
) -> AppResult<ImportReport> {
    let provider = courses::course_writer(principal)?;
    let today = crate::service::today();
    let mut rows = std::pin::pin!(rows);
    crate::db::write_or_discard(db, async |txn| {
        lock_provider(txn, provider).await?;
        let mut catalogue = Catalogue::load(txn, provider, reference).await?;
        let mut report = ImportReport {
            options,
            ..Default::default()
        };
        loop {
            let next = match options.deadline {
                Some(at) => tokio::time::timeout_at(at, rows.next())
                    .await
                    .map_err(|_| {
                        AppError::bad_input(
                            file::FILE,
                            "the import took too long and was rolled back; split the file or send it faster",
                        )
                    })?,
                None => rows.next().await,
            };
            let Some(row) = next else { break };
            let row = row?;
            if report.rows.len() >= MAX_ROWS {
                return Err(AppError::bad_input(
                    file::FILE,
                    format!("an import takes at most {MAX_ROWS} rows; split the file"),
                ));
            }
            // Boxed: a row's writes are a deep future, kept off the caller's stack.
            let done = Box::pin(apply(txn, provider, reference, today, &mut catalogue, row)).await?;
            report.rows.push(done);
        }
        let failed = report.count(Outcome::Failed) > 0;
        // A failed row may be the one that names a run: nothing is cancelled then.
        report.missing =
            Box::pin(missing(txn, principal, &catalogue, options.remove_missing && !failed))
                .await?;
        report.written = !(options.dry_run || (options.atomic && failed));
        let keep = report.written;
        Ok((report, keep))
    })
    .await
}

/// Locks the provider's organisation row until the import ends, so that imports of
/// one provider run one after the other.
async fn lock_provider(txn: &DatabaseTransaction, provider: i64) -> AppResult<()> {
    let backend = txn.get_database_backend();
    txn.execute_raw(crate::service::enrolments::seats::statement(
        backend,
        "UPDATE organisation SET id = id WHERE id = $1",
        vec![provider.into()],
    ))
    .await?;
    Ok(())
}

async fn apply(
    txn: &DatabaseTransaction,
    provider: i64,
    reference: &Reference,
    today: NaiveDate,
    catalogue: &mut Catalogue,
    row: Row,
) -> AppResult<RowReport> {
    let mut report = RowReport {
        line: row.line,
        external_id: row.external_id.clone(),
        run_external_id: row.run_external_id.clone(),
        outcome: Outcome::Failed,
        course_id: None,
        course_run_id: None,
        problems: Vec::new(),
    };
    // A failed row still names what it is about: those are not missing.
    if let Some(ext) = &row.external_id {
        catalogue
            .seen_courses
            .entry(ext.clone())
            .or_insert((row.line, None));
        if let Some(run) = &row.run_external_id {
            catalogue
                .seen_runs
                .entry((ext.clone(), run.clone()))
                .or_insert(row.line);
        }
    }
    let record = match row.record {
        Ok(record) => record,
        Err(problems) => {
            report.problems = problems;
            return Ok(report);
        }
    };
    let plan = match plan(
        txn, provider, reference, today, catalogue, &record, row.line,
    )
    .await?
    {
        Ok(plan) => plan,
        Err(problems) => {
            report.problems = problems;
            return Ok(report);
        }
    };
    // Two writes (course and run) are kept together: a conflict in the second takes the
    // first back.
    let (course_step, run_step) = plan;
    let writes = usize::from(!matches!(course_step, CourseStep::Keep(_)))
        + usize::from(
            run_step
                .as_ref()
                .is_some_and(|r| !matches!(r, RunStep::Keep(_))),
        );
    let result = if writes > 1 {
        let savepoint = txn.begin().await?;
        let result = write(&savepoint, provider, course_step, run_step).await;
        match &result {
            Ok(_) => savepoint.commit().await?,
            Err(_) => savepoint.rollback().await?,
        }
        result
    } else {
        write(txn, provider, course_step, run_step).await
    };
    match result {
        Ok((course, course_outcome, run)) => {
            report.course_id = Some(course.model.id);
            let run_outcome = run.as_ref().map(|(_, o)| *o);
            report.course_run_id = run.as_ref().map(|(r, _)| r.id);
            report.outcome = [Some(course_outcome), run_outcome]
                .into_iter()
                .flatten()
                .min_by_key(|o| match o {
                    Outcome::Created => 0,
                    Outcome::Updated => 1,
                    _ => 2,
                })
                .unwrap_or(Outcome::Unchanged);
            let draft = CourseDraft::of(&course.model, course.professions.clone());
            catalogue
                .seen_courses
                .insert(record.external_id.clone(), (row.line, Some(draft)));
            if let Some((run, _)) = run {
                catalogue.runs.insert(
                    (run.course_id, run.external_id.clone().unwrap_or_default()),
                    run,
                );
            }
            catalogue.courses.insert(record.external_id, course);
        }
        Err(err @ (AppError::Conflict(_) | AppError::BadUserInput { .. })) => {
            let field = if matches!(err, AppError::Conflict(_)) {
                Some("version")
            } else {
                None
            };
            report.problems = problems_of(err)
                .into_iter()
                .map(|mut p| {
                    if let Some(f) = field {
                        p.field = f.to_owned();
                    }
                    p
                })
                .collect();
        }
        Err(other) => return Err(other),
    }
    Ok(report)
}

/// Decides what `record` writes, or why it cannot be written.
#[allow(clippy::too_many_arguments)]
async fn plan(
    txn: &DatabaseTransaction,
    provider: i64,
    reference: &Reference,
    today: NaiveDate,
    catalogue: &mut Catalogue,
    record: &Record,
    line: u64,
) -> AppResult<Result<(CourseStep, Option<RunStep>), Vec<FieldProblem>>> {
    let mut p = Problems::default();
    let mut draft = CourseDraft::from(record.course.clone());
    draft.external_id = Some(record.external_id.clone());
    if let Err(err) = draft.validate(&reference.professions, today) {
        for problem in problems_of(err) {
            p.check(false, &problem.field, problem.message);
        }
    }
    reference.professions.sort_keys(&mut draft.professions);

    // The stored course this row is about: by external id, or the one it adopts.
    let mut stored = catalogue
        .courses
        .get(&record.external_id)
        .map(|s| (s.model.clone(), s.professions.clone()));
    if let Some(id) = record.course_id {
        let adopted = course::Entity::find_by_id(id).one(txn).await?;
        match adopted {
            None => p.check(
                false,
                "courseId",
                format!(
                    "no course has the id `{}`",
                    id::encode(NodeType::Course, id)
                ),
            ),
            Some(c) if c.provider_id != provider => {
                p.check(false, "courseId", "this course belongs to another provider")
            }
            Some(c) => match (&stored, &c.external_id) {
                (Some((s, _)), _) if s.id != c.id => p.check(
                    false,
                    "courseId",
                    format!(
                        "another course already has the external id `{}`",
                        record.external_id
                    ),
                ),
                (_, Some(other)) if *other != record.external_id => p.check(
                    false,
                    "courseId",
                    format!("this course has the external id `{other}`"),
                ),
                _ => {
                    let keys = courses::professions_of(
                        txn,
                        &Principal::Anonymous,
                        &reference.professions,
                        &[c.id],
                    )
                    .await?
                    .remove(&c.id)
                    .unwrap_or_default();
                    stored = Some((c, keys));
                }
            },
        }
    }

    let first = catalogue
        .seen_courses
        .get(&record.external_id)
        .filter(|(l, _)| *l != line);
    let course_step = match (first, &stored) {
        // Another row of this file gave the course: this one must agree with it.
        (Some((first_line, first_draft)), Some((model, professions))) => {
            if first_draft.as_ref().is_some_and(|d| *d != draft) {
                p.check(
                    false,
                    "externalId",
                    format!("line {first_line} describes this course differently"),
                );
            }
            CourseStep::Keep(StoredCourse {
                model: model.clone(),
                professions: professions.clone(),
            })
        }
        (Some((first_line, _)), None) => {
            p.check(
                false,
                "externalId",
                format!("the row of line {first_line} for this course failed"),
            );
            CourseStep::Create(draft)
        }
        (None, Some((model, professions))) => {
            let current = CourseDraft::of(model, professions.clone());
            if current == draft {
                CourseStep::Keep(StoredCourse {
                    model: model.clone(),
                    professions: professions.clone(),
                })
            } else {
                if let Some(v) = record.version {
                    p.check(
                        v == model.version,
                        "version",
                        courses::stale("course", model.version).to_string(),
                    );
                }
                CourseStep::Update {
                    id: model.id,
                    version: model.version,
                    professions: current.professions != draft.professions,
                    draft,
                }
            }
        }
        (None, None) => CourseStep::Create(draft),
    };

    let run_step = match &record.run {
        None => None,
        Some(run) => {
            let key = (record.external_id.clone(), run.external_id.clone());
            if let Some(first_line) = catalogue.seen_runs.get(&key).filter(|l| **l != line) {
                p.check(
                    false,
                    "runExternalId",
                    format!("line {first_line} gives this run already"),
                );
            }
            let existing = stored
                .as_ref()
                .and_then(|(c, _)| catalogue.runs.get(&(c.id, run.external_id.clone())));
            Some(plan_run(reference, today, existing, run, &mut p))
        }
    };
    Ok(match p.finish() {
        Ok(()) => Ok((course_step, run_step)),
        Err(err) => Err(problems_of(err)),
    })
}

fn plan_run(
    reference: &Reference,
    today: NaiveDate,
    existing: Option<&course_run::Model>,
    record: &RunRecord,
    p: &mut Problems,
) -> RunStep {
    let input = &record.run;
    let mut own = Problems::default();
    let (cost_minor, currency) = course_runs::money(&input.cost, "cost", &mut own);
    let mut draft = match existing {
        Some(run) => course_runs::draft_of(run),
        None => RunDraft {
            start: input.start_date,
            end: input.end_date,
            hours: input.hours,
            format: input.format,
            schedule: input.schedule,
            seats_min: input.seats_min,
            seats_max: input.seats_max,
            seats_taken: 0,
            region: String::new(),
            city: String::new(),
            cost_minor,
            currency: currency.clone(),
            funding: Vec::new(),
            deadline: None,
            rolling_entry: false,
            status: RunStatus::Planned,
            external_id: Some(record.external_id.clone()),
        },
    };
    draft.start = input.start_date;
    draft.end = input.end_date;
    draft.hours = input.hours;
    draft.format = input.format;
    draft.schedule = input.schedule;
    draft.seats_min = input.seats_min;
    draft.seats_max = input.seats_max;
    draft.region = input.region.trim().to_owned();
    draft.city = input.city.clone();
    draft.cost_minor = cost_minor;
    draft.currency = currency;
    draft.funding = input.funding_options.clone();
    draft.deadline = input.registration_deadline;
    draft.rolling_entry = input.rolling_entry;
    if let Some(status) = input.status {
        draft.status = status;
    }
    match existing {
        None => {
            own.check(
                matches!(draft.status, RunStatus::Planned | RunStatus::Open),
                "status",
                "a new run is PLANNED or OPEN",
            );
            own.check(
                draft.start >= today,
                "startDate",
                "a new run cannot start in the past",
            );
        }
        Some(run) => {
            own.check(
                input.status != Some(RunStatus::Cancelled) || run.status == RunStatus::Cancelled,
                "status",
                "an import does not cancel a run: leave it out of the file and import with removeMissing, or use cancelCourseRun",
            );
        }
    }
    let mut tidy = draft.clone();
    if let Err(err) = tidy.validate(&reference.regions, own) {
        for problem in problems_of(err) {
            p.check(false, &problem.field, problem.message);
        }
    }
    match existing {
        None => RunStep::Create(tidy),
        Some(run) => {
            let current = course_runs::draft_of(run);
            if current == tidy {
                return RunStep::Keep(run.clone());
            }
            p.check(
                run.status != RunStatus::Cancelled,
                "runExternalId",
                "a cancelled run cannot be changed",
            );
            if let Some(v) = record.version {
                p.check(
                    v == run.version,
                    "runVersion",
                    courses::stale("course run", run.version).to_string(),
                );
            }
            RunStep::Update {
                id: run.id,
                version: run.version,
                draft: tidy,
            }
        }
    }
}

type Written = (StoredCourse, Outcome, Option<(course_run::Model, Outcome)>);

async fn write(
    txn: &DatabaseTransaction,
    provider: i64,
    course_step: CourseStep,
    run_step: Option<RunStep>,
) -> AppResult<Written> {
    let (course, course_outcome) = match course_step {
        CourseStep::Create(draft) => {
            let professions = draft.professions.clone();
            let model = courses::insert(txn, provider, draft).await?;
            (StoredCourse { model, professions }, Outcome::Created)
        }
        CourseStep::Update {
            id,
            version,
            draft,
            professions,
        } => {
            let keys = draft.professions.clone();
            let model = courses::overwrite(txn, id, version, draft, professions).await?;
            (
                StoredCourse {
                    model,
                    professions: keys,
                },
                Outcome::Updated,
            )
        }
        CourseStep::Keep(stored) => (stored, Outcome::Unchanged),
    };
    let run = match run_step {
        None => None,
        Some(RunStep::Create(draft)) => Some((
            course_runs::insert(txn, course.model.id, draft).await?,
            Outcome::Created,
        )),
        Some(RunStep::Update { id, version, draft }) => Some((
            course_runs::write(txn, id, version, draft, None).await?,
            Outcome::Updated,
        )),
        Some(RunStep::Keep(run)) => Some((run, Outcome::Unchanged)),
    };
    Ok((course, course_outcome, run))
}

/// The courses and live runs of earlier imports that this one did not list; their
/// runs cancelled if `remove`.
async fn missing(
    txn: &DatabaseTransaction,
    principal: &Principal,
    catalogue: &Catalogue,
    remove: bool,
) -> AppResult<Vec<Missing>> {
    let mut out = Vec::new();
    let ext_of: HashMap<i64, &str> = catalogue
        .courses
        .iter()
        .map(|(ext, c)| (c.model.id, ext.as_str()))
        .collect();
    let mut courses: Vec<(&String, &StoredCourse)> = catalogue
        .courses
        .iter()
        .filter(|(ext, _)| !catalogue.seen_courses.contains_key(*ext))
        .collect();
    courses.sort_by_key(|(_, c)| c.model.id);
    for (ext, c) in courses {
        out.push(Missing {
            external_id: ext.clone(),
            run_external_id: None,
            course_id: c.model.id,
            course_run_id: None,
            cancelled: false,
        });
    }
    let seen: HashSet<(&str, &str)> = catalogue
        .seen_runs
        .keys()
        .map(|(c, r)| (c.as_str(), r.as_str()))
        .collect();
    let mut runs: Vec<&course_run::Model> = catalogue
        .runs
        .iter()
        .filter(|((course, run), model)| {
            !matches!(model.status, RunStatus::Cancelled | RunStatus::Completed)
                && ext_of
                    .get(course)
                    .is_none_or(|ext| !seen.contains(&(*ext, run.as_str())))
        })
        .map(|(_, m)| m)
        .collect();
    runs.sort_by_key(|r| r.id);
    for run in runs {
        let cancelled = if remove {
            course_runs::cancel_in(txn, principal, run, REMOVED_REASON.to_owned()).await?;
            true
        } else {
            false
        };
        out.push(Missing {
            external_id: ext_of
                .get(&run.course_id)
                .map(|s| (*s).to_owned())
                .unwrap_or_default(),
            run_external_id: run.external_id.clone(),
            course_id: run.course_id,
            course_run_id: Some(run.id),
            cancelled,
        });
    }
    Ok(out)
}
