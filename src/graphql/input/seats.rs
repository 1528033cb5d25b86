//! Inputs of exam sessions and enrolments.

use crate::error::{AppError, AppResult};
use crate::graphql::id::{self, NodeType};
use crate::graphql::input::{MoneyInput, patch};
use crate::graphql::types::Date;
use crate::service::course_runs::Cancellation;
use crate::service::enrolments::{self, EnrolmentRequest, Target};
use crate::service::exam_sessions;
use async_graphql::{ID, InputObject, MaybeUndefined};
use entity::course_run::{CourseFormat, RunStatus};
use entity::enrolment::EnrolmentStatus;
use entity::exam_session::ExamType;

/// Narrows a list of exam sessions; all given conditions must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, InputObject)]
pub struct ExamSessionFilter {
    /// Only sessions for this profession (profession key such as `physician`).
    pub profession: Option<String>,
    /// Only sessions of this exam.
    #[graphql(name = "type")]
    pub exam_type: Option<ExamType>,
    /// Only sessions taking place in this region or any region below it.
    pub region: Option<String>,
    /// Only sessions on or after this date.
    pub from: Option<Date>,
    /// Only sessions on or before this date.
    pub to: Option<Date>,
    /// Only sessions in this status.
    pub status: Option<RunStatus>,
    /// Only sessions that have (true) or have no (false) free seat (planned or open, seats taken below the maximum).
    pub has_free_seats: Option<bool>,
}

impl From<ExamSessionFilter> for exam_sessions::ExamSessionFilter {
    fn from(f: ExamSessionFilter) -> Self {
        exam_sessions::ExamSessionFilter {
            profession: f.profession,
            exam_type: f.exam_type,
            region: f.region,
            from: f.from.map(|d| d.0),
            to: f.to.map(|d| d.0),
            status: f.status,
            has_free_seats: f.has_free_seats,
        }
    }
}

/// Narrows a list of enrolments.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, InputObject)]
pub struct EnrolmentFilter {
    /// Only enrolments in this status.
    pub status: Option<EnrolmentStatus>,
}

impl From<EnrolmentFilter> for enrolments::EnrolmentFilter {
    fn from(f: EnrolmentFilter) -> Self {
        enrolments::EnrolmentFilter { status: f.status }
    }
}

/// A new session of one of the caller's exams.
#[derive(Debug, Clone, InputObject)]
pub struct PublishExamSessionInput {
    /// The exam.
    #[graphql(name = "type")]
    pub exam_type: ExamType,
    /// Keys of the professions the session is for (at least one).
    pub professions: Vec<String>,
    /// The day of the exam; today or later.
    pub date: Date,
    /// `PRESENCE` or `ONLINE`.
    pub format: CourseFormat,
    /// Region where the session takes place (code such as `14612` or `SE-AB`).
    pub region: String,
    /// City where the session takes place.
    pub city: String,
    /// Seats offered (1 to 1,000).
    pub seats_max: i32,
    /// Last day to register; on or before the exam date.
    pub registration_deadline: Option<Date>,
    /// The exam fee.
    pub fee: MoneyInput,
    /// `PLANNED` (default) or `OPEN`.
    pub status: Option<RunStatus>,
}

impl From<PublishExamSessionInput> for exam_sessions::NewExamSession {
    fn from(i: PublishExamSessionInput) -> Self {
        exam_sessions::NewExamSession {
            exam_type: i.exam_type,
            professions: i.professions,
            date: i.date.0,
            format: i.format,
            region: i.region,
            city: i.city,
            seats_max: i.seats_max,
            registration_deadline: i.registration_deadline.map(|d| d.0),
            fee: i.fee.into(),
            status: i.status,
        }
    }
}

/// Changes to an exam session; omitted fields stay as they are.
#[derive(Debug, Clone, InputObject)]
pub struct UpdateExamSessionInput {
    /// The session.
    pub id: ID,
    /// The `version` the change is based on; a newer version on the server is a `CONFLICT`.
    pub expected_version: i32,
    /// Keys of the professions (replaces the list).
    pub professions: Option<Vec<String>>,
    /// The day of the exam.
    pub date: Option<Date>,
    /// `PRESENCE` or `ONLINE`.
    pub format: Option<CourseFormat>,
    /// Region where the session takes place.
    pub region: Option<String>,
    /// City where the session takes place.
    pub city: Option<String>,
    /// Seats offered; never below the seats taken. New seats go to whom the exam office confirms from the waitlist.
    pub seats_max: Option<i32>,
    /// Last day to register; `null` removes the deadline.
    pub registration_deadline: MaybeUndefined<Date>,
    /// The exam fee.
    pub fee: Option<MoneyInput>,
    /// New status (`CANCELLED` only through `cancelExamSession`).
    pub status: Option<RunStatus>,
}

impl UpdateExamSessionInput {
    /// The service's command; field paths of errors are relative to the input.
    pub fn command(self) -> AppResult<exam_sessions::ExamSessionChanges> {
        Ok(exam_sessions::ExamSessionChanges {
            id: id::decode_as(&self.id, NodeType::ExamSession, "id")?,
            expected_version: self.expected_version,
            professions: self.professions,
            date: self.date.map(|d| d.0),
            format: self.format,
            region: self.region,
            city: self.city,
            seats_max: self.seats_max,
            registration_deadline: patch(self.registration_deadline, |d| d.0),
            fee: self.fee.map(Into::into),
            status: self.status,
        })
    }
}

/// Cancelling an exam session.
#[derive(Debug, Clone, InputObject)]
pub struct CancelExamSessionInput {
    /// The session.
    pub id: ID,
    /// The `version` the cancellation is based on.
    pub expected_version: i32,
    /// Why the session is cancelled (3 to 1,000 characters); every enrolment is withdrawn with it.
    pub reason: String,
}

impl CancelExamSessionInput {
    /// The service's command; field paths of errors are relative to the input.
    pub fn command(self) -> AppResult<Cancellation> {
        Ok(Cancellation {
            id: id::decode_as(&self.id, NodeType::ExamSession, "id")?,
            expected_version: self.expected_version,
            reason: self.reason,
        })
    }
}

/// A seat for one of the caller's candidates in a course run or an exam session (give exactly one of the two).
#[derive(Debug, Clone, InputObject)]
pub struct RequestEnrolmentInput {
    /// The candidate.
    pub candidate_id: ID,
    /// The course run.
    pub course_run_id: Option<ID>,
    /// The exam session.
    pub exam_session_id: Option<ID>,
}

impl RequestEnrolmentInput {
    /// The service's command; field paths of errors are relative to the input.
    pub fn command(self) -> AppResult<EnrolmentRequest> {
        let candidate_id = id::decode_as(&self.candidate_id, NodeType::Candidate, "candidateId")?;
        let target = match (&self.course_run_id, &self.exam_session_id) {
            (Some(run), None) => {
                Target::Run(id::decode_as(run, NodeType::CourseRun, "courseRunId")?)
            }
            (None, Some(s)) => {
                Target::Session(id::decode_as(s, NodeType::ExamSession, "examSessionId")?)
            }
            _ => {
                return Err(AppError::bad_input(
                    "courseRunId",
                    "give exactly one of courseRunId and examSessionId",
                ));
            }
        };
        Ok(EnrolmentRequest {
            candidate_id,
            target,
        })
    }
}

/// An enrolment the school or exam office confirms from its waitlist.
#[derive(Debug, Clone, InputObject)]
pub struct ConfirmEnrolmentInput {
    /// The enrolment.
    pub id: ID,
}

/// An enrolment the school or exam office declines.
#[derive(Debug, Clone, InputObject)]
pub struct DeclineEnrolmentInput {
    /// The enrolment.
    pub id: ID,
    /// Why (3 to 1,000 characters); the advisory centre sees it.
    pub reason: String,
}

/// An enrolment either side withdraws.
#[derive(Debug, Clone, InputObject)]
pub struct WithdrawEnrolmentInput {
    /// The enrolment.
    pub id: ID,
    /// Why (3 to 1,000 characters), if given.
    pub reason: Option<String>,
}

/// What came of a confirmed enrolment.
#[derive(Debug, Clone, InputObject)]
pub struct RecordEnrolmentResultInput {
    /// The enrolment.
    pub id: ID,
    /// `PASSED`, `FAILED` or `NO_SHOW` for an exam; also `COMPLETED` for a course.
    pub result: EnrolmentStatus,
}

/// The enrolment named by an input's `id`.
pub fn enrolment_id(id: &ID) -> AppResult<i64> {
    id::decode_as(id, NodeType::Enrolment, "id")
}
