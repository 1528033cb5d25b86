//! The loaders by id of the public catalogue: one function per loader, each one
//! statement for a batch of ids, with the caller's row rules applied inside it.

use super::LoaderEnv;
use super::keyed::by_id;
use crate::error::AppResult;
use crate::service::{course_runs, courses, organisations, today};
use entity::{course, course_run, organisation};
use futures::FutureExt;
use futures::future::BoxFuture;
use std::collections::HashMap;

type Batch<'a, V> = BoxFuture<'a, AppResult<HashMap<i64, V>>>;

/// Organisations by id.
pub fn organisations_by_id<'a>(e: &'a LoaderEnv, ids: &'a [i64]) -> Batch<'a, organisation::Model> {
    async move {
        Ok(by_id(
            organisations::by_ids(&e.db, &e.principal, ids).await?,
            |m| m.id,
        ))
    }
    .boxed()
}

/// Courses by id.
pub fn courses_by_id<'a>(e: &'a LoaderEnv, ids: &'a [i64]) -> Batch<'a, course::Model> {
    async move {
        Ok(by_id(
            courses::by_ids(&e.db, &e.principal, ids).await?,
            |m| m.id,
        ))
    }
    .boxed()
}

/// Course runs by id.
pub fn course_runs_by_id<'a>(e: &'a LoaderEnv, ids: &'a [i64]) -> Batch<'a, course_run::Model> {
    async move {
        Ok(by_id(
            course_runs::by_ids(&e.db, &e.principal, ids).await?,
            |m| m.id,
        ))
    }
    .boxed()
}

/// The profession keys of each course.
pub fn professions_by_course<'a>(e: &'a LoaderEnv, ids: &'a [i64]) -> Batch<'a, Vec<String>> {
    courses::professions_of(&e.db, &e.principal, &e.reference.professions, ids).boxed()
}

/// The next run of each course.
pub fn next_run_by_course<'a>(e: &'a LoaderEnv, ids: &'a [i64]) -> Batch<'a, course_run::Model> {
    course_runs::next_by_course(&e.db, &e.principal, ids, today()).boxed()
}
