//! The loaders by id of exam sessions and enrolments: one function per loader, each one
//! statement for a batch of ids, with the caller's row rules applied inside it.

use super::LoaderEnv;
use super::keyed::by_id;
use crate::error::AppResult;
use crate::service::{enrolments, exam_sessions};
use entity::{enrolment, enrolment_event, exam_session};
use futures::FutureExt;
use futures::future::BoxFuture;
use std::collections::HashMap;

type Batch<'a, V> = BoxFuture<'a, AppResult<HashMap<i64, V>>>;

/// Exam sessions by id.
pub fn exam_sessions_by_id<'a>(e: &'a LoaderEnv, ids: &'a [i64]) -> Batch<'a, exam_session::Model> {
    async move {
        Ok(by_id(
            exam_sessions::by_ids(&e.db, &e.principal, ids).await?,
            |m| m.id,
        ))
    }
    .boxed()
}

/// The profession keys of each exam session.
pub fn professions_by_session<'a>(e: &'a LoaderEnv, ids: &'a [i64]) -> Batch<'a, Vec<String>> {
    exam_sessions::professions_of(&e.db, &e.reference.professions, ids).boxed()
}

/// Enrolments by id.
pub fn enrolments_by_id<'a>(e: &'a LoaderEnv, ids: &'a [i64]) -> Batch<'a, enrolment::Model> {
    async move {
        Ok(by_id(
            enrolments::by_ids(&e.db, &e.principal, ids).await?,
            |m| m.id,
        ))
    }
    .boxed()
}

/// The enrolments of each candidate.
pub fn enrolments_by_candidate<'a>(
    e: &'a LoaderEnv,
    ids: &'a [i64],
) -> Batch<'a, Vec<enrolment::Model>> {
    enrolments::of_candidates(&e.db, &e.principal, ids).boxed()
}

/// The history of each enrolment.
pub fn history_by_enrolment<'a>(
    e: &'a LoaderEnv,
    ids: &'a [i64],
) -> Batch<'a, Vec<enrolment_event::Model>> {
    enrolments::events_of(
        &e.db,
        &e.principal,
        enrolment_event::Column::EnrolmentId,
        ids,
    )
    .boxed()
}

/// The enrolment history of each candidate.
pub fn enrolment_events_by_candidate<'a>(
    e: &'a LoaderEnv,
    ids: &'a [i64],
) -> Batch<'a, Vec<enrolment_event::Model>> {
    enrolments::events_of(
        &e.db,
        &e.principal,
        enrolment_event::Column::CandidateId,
        ids,
    )
    .boxed()
}
