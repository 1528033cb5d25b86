//! `importCourses`: the rows of a catalogue import, with the names of the file's columns.

use super::courses::MoneyInput;
use crate::graphql::types::Date;
use crate::service::imports::{ImportOptions, Row};
use crate::service::validation::value_name;
use async_graphql::{ID, InputObject};
use entity::course::CourseType;
use entity::course_run::{CourseFormat, FundingOption, RunStatus, Schedule};
use entity::enums::LanguageLevel;

/// Rows of your catalogue to import (at most 1,000; send larger catalogues to `POST /import/courses`).
#[derive(Debug, Clone, InputObject)]
pub struct ImportCoursesInput {
    /// The rows: a course, and optionally one of its runs, each.
    pub rows: Vec<CourseImportRowInput>,
    /// Answer the report without writing anything.
    #[graphql(default)]
    pub dry_run: bool,
    /// Write nothing if any row fails.
    #[graphql(default)]
    pub atomic: bool,
    /// Cancel the runs of earlier imports that these rows no longer list (their courses stay).
    #[graphql(default)]
    pub remove_missing: bool,
}

/// One row of a catalogue import: the fields are the columns of the CSV format (README, "Bulk import of courses").
#[derive(Debug, Clone, InputObject)]
pub struct CourseImportRowInput {
    /// The course's id in your own system (at most 200 characters): importing it again updates the same course.
    pub external_id: String,
    /// A course you registered by hand that `externalId` is to name from now on.
    pub course_id: Option<ID>,
    /// The course's `version` the row is based on; a newer version in the hub fails the row.
    pub version: Option<i32>,
    /// What the course prepares for.
    pub course_type: CourseType,
    /// Title, 3 to 200 characters.
    pub title: String,
    /// Content, entry requirements and final exam (at most 5,000 characters).
    pub description: Option<String>,
    /// Keys of the professions the course is for (at least one).
    pub professions: Vec<String>,
    /// Language level a participant needs to enter.
    pub language_level: Option<LanguageLevel>,
    /// AZAV measure number; required for Bildungsgutschein courses.
    pub azav_measure_number: Option<String>,
    /// AZAV approval valid until.
    pub azav_valid_until: Option<Date>,
    /// Whether the course can be funded with a Bildungsgutschein.
    pub bildungsgutschein: Option<bool>,
    /// The run's id in your own system, unique within the course; the run fields below are read only with it.
    pub run_external_id: Option<String>,
    /// The run's `version` the row is based on.
    pub run_version: Option<i32>,
    /// First day of the run.
    pub start_date: Option<Date>,
    /// Last day of the run.
    pub end_date: Option<Date>,
    /// Teaching hours in total.
    pub hours: Option<i32>,
    /// How the run is taught.
    pub format: Option<CourseFormat>,
    /// Full-time or part-time.
    pub schedule: Option<Schedule>,
    /// Participants needed for the run to take place.
    pub seats_min: Option<i32>,
    /// Seats offered.
    pub seats_max: Option<i32>,
    /// Region where the run takes place.
    pub region: Option<String>,
    /// City where the run takes place.
    pub city: Option<String>,
    /// Cost for one participant.
    pub cost: Option<MoneyInput>,
    /// Ways the cost can be funded.
    pub funding_options: Option<Vec<FundingOption>>,
    /// Last day to register; before the first day.
    pub registration_deadline: Option<Date>,
    /// Whether participants can join after the start.
    pub rolling_entry: Option<bool>,
    /// `PLANNED` (default for a new run) or `OPEN`; a run that filled up stays `FULL`.
    pub status: Option<RunStatus>,
}

impl ImportCoursesInput {
    /// The options of the import.
    pub fn options(&self) -> ImportOptions {
        ImportOptions {
            dry_run: self.dry_run,
            atomic: self.atomic,
            remove_missing: self.remove_missing,
            deadline: None,
        }
    }
}

impl CourseImportRowInput {
    /// The row as the file's cells would give it, so that both are read by the same
    /// rules and named the same in the report.
    pub fn row(&self, line: u64) -> Row {
        let date = |d: &Option<Date>| d.as_ref().map(|d| d.0.to_string());
        let name = |v: Option<String>| v;
        let cells: Vec<(&str, Option<String>)> = vec![
            ("externalId", Some(self.external_id.clone())),
            ("courseId", self.course_id.as_ref().map(|i| i.to_string())),
            ("version", self.version.map(|v| v.to_string())),
            ("courseType", Some(value_name(&self.course_type))),
            ("title", Some(self.title.clone())),
            ("description", self.description.clone()),
            ("professions", Some(self.professions.join("|"))),
            (
                "languageLevel",
                name(self.language_level.map(|l| value_name(&l))),
            ),
            ("azavMeasureNumber", self.azav_measure_number.clone()),
            ("azavValidUntil", date(&self.azav_valid_until)),
            (
                "bildungsgutschein",
                self.bildungsgutschein.map(|b| b.to_string()),
            ),
            ("runExternalId", self.run_external_id.clone()),
            ("runVersion", self.run_version.map(|v| v.to_string())),
            ("startDate", date(&self.start_date)),
            ("endDate", date(&self.end_date)),
            ("hours", self.hours.map(|v| v.to_string())),
            ("format", self.format.map(|f| value_name(&f))),
            ("schedule", self.schedule.map(|s| value_name(&s))),
            ("seatsMin", self.seats_min.map(|v| v.to_string())),
            ("seatsMax", self.seats_max.map(|v| v.to_string())),
            ("region", self.region.clone()),
            ("city", self.city.clone()),
            ("cost.amount", self.cost.as_ref().map(|c| c.amount.clone())),
            (
                "cost.currency",
                self.cost.as_ref().map(|c| c.currency.clone()),
            ),
            (
                "fundingOptions",
                self.funding_options
                    .as_ref()
                    .map(|f| f.iter().map(value_name).collect::<Vec<_>>().join("|")),
            ),
            ("registrationDeadline", date(&self.registration_deadline)),
            ("rollingEntry", self.rolling_entry.map(|b| b.to_string())),
            ("status", self.status.map(|s| value_name(&s))),
        ];
        Row::from_cells(line, |column| {
            cells
                .iter()
                .find(|(c, _)| *c == column)
                .and_then(|(_, v)| v.as_deref())
        })
    }
}
