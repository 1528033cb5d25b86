//! Live updates: what a subscriber is shown of a change, read at delivery time.
//!
//! A change carries an id only ([`Change`]). Each subscriber reads the object again
//! through the list rules of its own kind (`filtered`: the row rules of the caller and
//! the subscription's filter) in one statement; an object it may not see, or that no
//! longer matches, is not delivered. A consent revoked while a subscription runs
//! therefore stops the case events at once.

pub use crate::db::changes::{Change, Delivered, Feed};

use crate::auth::Principal;
use crate::error::AppResult;
use crate::service::cases::CaseFilter;
use crate::service::course_runs::CourseRunFilter;
use crate::service::enrolments::EnrolmentFilter;
use crate::service::exam_sessions::ExamSessionFilter;
use crate::service::{Reference, cases, course_runs, enrolments, exam_sessions, today};
use entity::{course_run, enrolment, exam_session, recognition_case};
use sea_orm::{ColumnTrait, DatabaseConnection, QueryFilter};

/// Course run `id` as `principal` sees it through `filter`.
pub async fn course_run(
    db: &DatabaseConnection,
    principal: &Principal,
    reference: &Reference,
    filter: &CourseRunFilter,
    id: i64,
) -> AppResult<Option<course_run::Model>> {
    Ok(course_runs::filtered(
        principal,
        &reference.regions,
        &reference.professions,
        filter,
    )?
    .filter(course_run::Column::Id.eq(id))
    .one(db)
    .await?)
}

/// Exam session `id` as `principal` sees it through `filter`.
pub async fn exam_session(
    db: &DatabaseConnection,
    principal: &Principal,
    reference: &Reference,
    filter: &ExamSessionFilter,
    id: i64,
) -> AppResult<Option<exam_session::Model>> {
    Ok(exam_sessions::filtered(principal, reference, filter)?
        .filter(exam_session::Column::Id.eq(id))
        .one(db)
        .await?)
}

/// Recognition case `id` as `principal` sees it through `filter`.
pub async fn case(
    db: &DatabaseConnection,
    principal: &Principal,
    reference: &Reference,
    filter: &CaseFilter,
    id: i64,
) -> AppResult<Option<recognition_case::Model>> {
    Ok(cases::filtered(principal, reference, filter, today())?
        .filter(recognition_case::Column::Id.eq(id))
        .one(db)
        .await?)
}

/// Enrolment `id` as `principal` sees it through `filter`.
pub async fn enrolment(
    db: &DatabaseConnection,
    principal: &Principal,
    filter: &EnrolmentFilter,
    id: i64,
) -> AppResult<Option<enrolment::Model>> {
    Ok(enrolments::filtered(principal, filter)
        .filter(enrolment::Column::Id.eq(id))
        .one(db)
        .await?)
}

/// Checks a filter before a subscription starts, so that a bad one is refused at once
/// rather than at the first event.
pub fn check_course_run_filter(reference: &Reference, filter: &CourseRunFilter) -> AppResult<()> {
    course_runs::filtered(
        &Principal::Anonymous,
        &reference.regions,
        &reference.professions,
        filter,
    )
    .map(drop)
}

/// See [`check_course_run_filter`].
pub fn check_exam_session_filter(
    reference: &Reference,
    filter: &ExamSessionFilter,
) -> AppResult<()> {
    exam_sessions::filtered(&Principal::Anonymous, reference, filter).map(drop)
}

/// See [`check_course_run_filter`].
pub fn check_case_filter(reference: &Reference, filter: &CaseFilter) -> AppResult<()> {
    cases::filtered(&Principal::Anonymous, reference, filter, today()).map(drop)
}
