//! Filters of the course catalogue.

use crate::graphql::types::Date;
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
