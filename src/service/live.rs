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
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::OnceCell;

/// Reads shared by the subscribers of one delivery: subscribers that read the same
/// object with the same row rules and the same filter (the same client, or anonymous
/// callers) read it once, and the others take that answer. A thousand anonymous
/// subscribers of one run cost one statement per change, not a thousand.
pub struct SharedReads<M> {
    entries: Mutex<HashMap<(u64, String), Read<M>>>,
}

/// One shared read: the object, once the first subscriber has read it.
type Read<M> = Arc<OnceCell<Option<M>>>;

/// Deliveries whose reads are kept for latecomers (subscribers still working through
/// earlier deliveries); an older one is read again.
const KEPT: u64 = 64;

/// Entries beyond which the old ones are dropped.
const PRUNE_AT: usize = 1_024;

impl<M> Default for SharedReads<M> {
    fn default() -> Self {
        SharedReads {
            entries: Mutex::default(),
        }
    }
}

impl<M: Clone> SharedReads<M> {
    /// The answer of `read` for delivery `number` and reader `key`, read by the first
    /// subscriber that asks (a failed read is not kept: the next one tries again).
    pub async fn read<Fut>(
        &self,
        number: u64,
        key: &str,
        read: impl FnOnce() -> Fut,
    ) -> AppResult<Option<M>>
    where
        Fut: Future<Output = AppResult<Option<M>>>,
    {
        let cell = {
            let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
            if entries.len() >= PRUNE_AT {
                entries.retain(|(n, _), _| n + KEPT > number);
            }
            entries.entry((number, key.to_owned())).or_default().clone()
        };
        cell.get_or_try_init(read).await.cloned()
    }
}

/// The reads of every kind of subscription.
#[derive(Default)]
pub struct Shared {
    pub course_runs: SharedReads<course_run::Model>,
    pub exam_sessions: SharedReads<exam_session::Model>,
    pub cases: SharedReads<recognition_case::Model>,
    pub enrolments: SharedReads<enrolment::Model>,
}

/// Who reads with which filter: subscribers with the same key see the same rows.
pub fn reader_key(principal: &Principal, filter: &impl std::fmt::Debug) -> String {
    match principal.client() {
        None => format!("-|{filter:?}"),
        Some(c) => format!(
            "{}|{:?}|{:?}|{filter:?}",
            c.client_id, c.organisation, c.scopes
        ),
    }
}

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
