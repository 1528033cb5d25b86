//! `enrolment`: a candidate in a course run or an exam session, confirmed on a seat or
//! waiting for one, and what came of it.

use async_graphql::Enum;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Where an enrolment stands. CONFIRMED and WAITLISTED are live; the rest are final,
/// except that a result can be corrected.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Enum,
    Serialize,
    Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum EnrolmentStatus {
    /// Holds a seat.
    #[sea_orm(string_value = "CONFIRMED")]
    Confirmed,
    /// Waits for a seat, at `waitlistPosition`.
    #[sea_orm(string_value = "WAITLISTED")]
    Waitlisted,
    /// Refused by the school or exam office, with a reason.
    #[sea_orm(string_value = "DECLINED")]
    Declined,
    /// Withdrawn by either side, or because the run or session was cancelled.
    #[sea_orm(string_value = "WITHDRAWN")]
    Withdrawn,
    /// Took part to the end (a course without a graded exam).
    #[sea_orm(string_value = "COMPLETED")]
    Completed,
    /// Passed the exam (or the course's final exam).
    #[sea_orm(string_value = "PASSED")]
    Passed,
    /// Failed the exam (or the course's final exam).
    #[sea_orm(string_value = "FAILED")]
    Failed,
    /// Did not appear.
    #[sea_orm(string_value = "NO_SHOW")]
    NoShow,
}

impl EnrolmentStatus {
    /// The statuses of an enrolment that is still going on.
    pub const LIVE: [EnrolmentStatus; 2] =
        [EnrolmentStatus::Confirmed, EnrolmentStatus::Waitlisted];

    /// The statuses that record a result.
    pub const RESULTS: [EnrolmentStatus; 4] = [
        EnrolmentStatus::Completed,
        EnrolmentStatus::Passed,
        EnrolmentStatus::Failed,
        EnrolmentStatus::NoShow,
    ];

    /// Whether the enrolment holds (or held) a seat: confirmed, or with a result.
    pub fn holds_seat(self) -> bool {
        self == EnrolmentStatus::Confirmed || EnrolmentStatus::RESULTS.contains(&self)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "enrolment")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub candidate_id: i64,
    /// The run, for an enrolment into a course run.
    pub course_run_id: Option<i64>,
    /// The session, for an enrolment into an exam session.
    pub exam_session_id: Option<i64>,
    pub status: EnrolmentStatus,
    /// 1 for the first in line, while WAITLISTED.
    pub waitlist_position: Option<i32>,
    /// Why it was declined or withdrawn.
    pub reason: Option<String>,
    /// The advisory centre that asked for it.
    pub requested_by: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
