//! Filters of the course catalogue.

use crate::error::AppResult;
use crate::graphql::id::{self, NodeType};
use crate::graphql::input::patch;
use crate::graphql::types::Date;
use crate::service::{course_runs, courses};
use async_graphql::InputObject;
use entity::course::CourseType;
use entity::course_run::{CourseFormat, RunStatus};

/// Narrows the list of courses; all given conditions must hold.
#[derive(Debug, Clone, Default, InputObject)]
pub struct CourseFilter {
    /// Only courses for this profession (profession key such as `nurse`).
    pub profession: Option<String>,
    /// Only courses of this type.
    #[graphql(name = "type")]
    pub course_type: Option<CourseType>,
    /// Only courses whose provider is located, or one of whose runs takes place, in this region or any region below it.
    pub region: Option<String>,
    /// Only courses with at least one run (not cancelled) in this format.
    pub format: Option<CourseFormat>,
    /// Only courses that are (true) or are not (false) fundable with a Bildungsgutschein.
    pub bildungsgutschein: Option<bool>,
    /// Only courses that have (true) or have no (false) run one can still register for: planned or open, not yet started, registration deadline not passed, seats free.
    pub has_open_run: Option<bool>,
}

/// Narrows a list of course runs; all given conditions must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, InputObject)]
pub struct CourseRunFilter {
    /// Only runs of courses for this profession (profession key such as `nurse`).
    pub profession: Option<String>,
    /// Only runs of courses of this type.
    #[graphql(name = "type")]
    pub course_type: Option<CourseType>,
    /// Only runs taking place in this region or any region below it.
    pub region: Option<String>,
    /// Only runs starting on or after this date.
    pub from: Option<Date>,
    /// Only runs starting on or before this date.
    pub to: Option<Date>,
    /// Only runs in this format.
    pub format: Option<CourseFormat>,
    /// Only runs in this status.
    pub status: Option<RunStatus>,
    /// Only runs that have (true) or have no (false) free seat one can still register for (planned or open, seats taken below the maximum).
    pub has_free_seats: Option<bool>,
}

use async_graphql::{ID, MaybeUndefined};
use entity::course_run::{FundingOption, Schedule};
use entity::enums::LanguageLevel;

impl From<CourseFilter> for courses::CourseFilter {
    fn from(f: CourseFilter) -> Self {
        courses::CourseFilter {
            profession: f.profession,
            course_type: f.course_type,
            region: f.region,
            format: f.format,
            bildungsgutschein: f.bildungsgutschein,
            has_open_run: f.has_open_run,
        }
    }
}

impl From<CourseRunFilter> for course_runs::CourseRunFilter {
    fn from(f: CourseRunFilter) -> Self {
        course_runs::CourseRunFilter {
            profession: f.profession,
            course_type: f.course_type,
            region: f.region,
            from: f.from.map(|d| d.0),
            to: f.to.map(|d| d.0),
            format: f.format,
            status: f.status,
            has_free_seats: f.has_free_seats,
        }
    }
}

impl From<RegisterCourseInput> for courses::NewCourse {
    fn from(i: RegisterCourseInput) -> Self {
        courses::NewCourse {
            course_type: i.course_type,
            title: i.title,
            description: i.description,
            professions: i.professions,
            language_level: i.language_level,
            azav_measure_number: i.azav_measure_number,
            azav_valid_until: i.azav_valid_until.map(|d| d.0),
            bildungsgutschein: i.bildungsgutschein,
        }
    }
}

impl UpdateCourseInput {
    /// The service's command; field paths of errors are relative to the input.
    pub fn command(self) -> AppResult<courses::CourseChanges> {
        Ok(courses::CourseChanges {
            id: id::decode_as(&self.id, NodeType::Course, "id")?,
            expected_version: self.expected_version,
            course_type: self.course_type,
            title: self.title,
            description: self.description,
            professions: self.professions,
            language_level: patch(self.language_level, |l| l),
            azav_measure_number: patch(self.azav_measure_number, |n| n),
            azav_valid_until: patch(self.azav_valid_until, |d| d.0),
            bildungsgutschein: self.bildungsgutschein,
        })
    }
}

impl From<MoneyInput> for course_runs::Money {
    fn from(m: MoneyInput) -> Self {
        course_runs::Money {
            amount: m.amount,
            currency: m.currency,
        }
    }
}

impl ScheduleCourseRunInput {
    /// The service's command; field paths of errors are relative to the input.
    pub fn command(self) -> AppResult<course_runs::NewCourseRun> {
        Ok(course_runs::NewCourseRun {
            course_id: id::decode_as(&self.course_id, NodeType::Course, "courseId")?,
            start_date: self.start_date.0,
            end_date: self.end_date.0,
            hours: self.hours,
            format: self.format,
            schedule: self.schedule,
            seats_min: self.seats_min,
            seats_max: self.seats_max,
            region: self.region,
            city: self.city,
            cost: self.cost.into(),
            funding_options: self.funding_options,
            registration_deadline: self.registration_deadline.map(|d| d.0),
            rolling_entry: self.rolling_entry,
            status: self.status,
        })
    }
}

impl UpdateCourseRunInput {
    /// The service's command; field paths of errors are relative to the input.
    pub fn command(self) -> AppResult<course_runs::CourseRunChanges> {
        Ok(course_runs::CourseRunChanges {
            id: id::decode_as(&self.id, NodeType::CourseRun, "id")?,
            expected_version: self.expected_version,
            start_date: self.start_date.map(|d| d.0),
            end_date: self.end_date.map(|d| d.0),
            hours: self.hours,
            format: self.format,
            schedule: self.schedule,
            seats_min: self.seats_min,
            seats_max: self.seats_max,
            region: self.region,
            city: self.city,
            cost: self.cost.map(Into::into),
            funding_options: self.funding_options,
            registration_deadline: patch(self.registration_deadline, |d| d.0),
            rolling_entry: self.rolling_entry,
            status: self.status,
        })
    }
}

impl CancelCourseRunInput {
    /// The service's command; field paths of errors are relative to the input.
    pub fn command(self) -> AppResult<course_runs::Cancellation> {
        Ok(course_runs::Cancellation {
            id: id::decode_as(&self.id, NodeType::CourseRun, "id")?,
            expected_version: self.expected_version,
            reason: self.reason,
        })
    }
}

/// A new course of the caller's school or provider.
#[derive(Debug, Clone, InputObject)]
pub struct RegisterCourseInput {
    /// What the course prepares for.
    #[graphql(name = "type")]
    pub course_type: CourseType,
    /// Title, 3 to 200 characters.
    pub title: String,
    /// Content, entry requirements and final exam (at most 5,000 characters).
    #[graphql(default)]
    pub description: String,
    /// Keys of the professions the course is for (at least one, e.g. `nurse`).
    pub professions: Vec<String>,
    /// Language level a participant needs to enter.
    pub language_level: Option<LanguageLevel>,
    /// AZAV measure number; required for Bildungsgutschein courses.
    pub azav_measure_number: Option<String>,
    /// AZAV approval valid until; required, and in the future, for Bildungsgutschein courses.
    pub azav_valid_until: Option<Date>,
    /// Whether the course can be funded with a Bildungsgutschein.
    #[graphql(default)]
    pub bildungsgutschein: bool,
}

/// Changes to a course; omitted fields stay as they are, `null` clears an optional one.
#[derive(Debug, Clone, InputObject)]
pub struct UpdateCourseInput {
    /// The course.
    pub id: ID,
    /// The `version` the change is based on; a newer version on the server is a `CONFLICT`.
    pub expected_version: i32,
    /// What the course prepares for.
    #[graphql(name = "type")]
    pub course_type: Option<CourseType>,
    /// Title, 3 to 200 characters.
    pub title: Option<String>,
    /// Content, entry requirements and final exam.
    pub description: Option<String>,
    /// Keys of the professions the course is for (replaces the list).
    pub professions: Option<Vec<String>>,
    /// Language level a participant needs to enter.
    pub language_level: MaybeUndefined<LanguageLevel>,
    /// AZAV measure number.
    pub azav_measure_number: MaybeUndefined<String>,
    /// AZAV approval valid until.
    pub azav_valid_until: MaybeUndefined<Date>,
    /// Whether the course can be funded with a Bildungsgutschein.
    pub bildungsgutschein: Option<bool>,
}

/// An amount of money as input.
#[derive(Debug, Clone, InputObject)]
pub struct MoneyInput {
    /// Decimal amount, at most two fraction digits, for example `1250.00`.
    pub amount: String,
    /// ISO 4217 currency code, for example `EUR` or `SEK`.
    pub currency: String,
}

/// A new run of one of the caller's courses.
#[derive(Debug, Clone, InputObject)]
pub struct ScheduleCourseRunInput {
    /// The course.
    pub course_id: ID,
    /// First day; today or later.
    pub start_date: Date,
    /// Last day; after the first.
    pub end_date: Date,
    /// Teaching hours in total (1 to 5,000).
    pub hours: i32,
    /// How the run is taught.
    pub format: CourseFormat,
    /// Full-time or part-time.
    pub schedule: Schedule,
    /// Participants needed for the run to take place (at least 1).
    pub seats_min: i32,
    /// Seats offered (at least `seatsMin`, at most 1,000).
    pub seats_max: i32,
    /// Region where the run takes place (code such as `14713` or `SE-AB`).
    pub region: String,
    /// City where the run takes place.
    pub city: String,
    /// Cost for one participant.
    pub cost: MoneyInput,
    /// Ways the cost can be funded.
    #[graphql(default)]
    pub funding_options: Vec<FundingOption>,
    /// Last day to register; before the first day.
    pub registration_deadline: Option<Date>,
    /// Whether participants can join after the start.
    #[graphql(default)]
    pub rolling_entry: bool,
    /// `PLANNED` (default) or `OPEN`.
    pub status: Option<RunStatus>,
}

/// Changes to a course run; omitted fields stay as they are.
#[derive(Debug, Clone, InputObject)]
pub struct UpdateCourseRunInput {
    /// The run.
    pub id: ID,
    /// The `version` the change is based on; a newer version on the server is a `CONFLICT`.
    pub expected_version: i32,
    /// First day.
    pub start_date: Option<Date>,
    /// Last day.
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
    /// Ways the cost can be funded (replaces the list).
    pub funding_options: Option<Vec<FundingOption>>,
    /// Last day to register; `null` removes the deadline.
    pub registration_deadline: MaybeUndefined<Date>,
    /// Whether participants can join after the start.
    pub rolling_entry: Option<bool>,
    /// New status (`CANCELLED` only through `cancelCourseRun`).
    pub status: Option<RunStatus>,
}

/// Cancelling a course run.
#[derive(Debug, Clone, InputObject)]
pub struct CancelCourseRunInput {
    /// The run.
    pub id: ID,
    /// The `version` the cancellation is based on.
    pub expected_version: i32,
    /// Why the run is cancelled (3 to 1,000 characters); shown to participants.
    pub reason: String,
}
