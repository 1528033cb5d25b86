//! The loaders of funding programmes, applications, their timelines and figures: one
//! function per loader, each one statement (the figures two) for a batch of ids, with
//! the caller's row rules applied inside it.

use super::LoaderEnv;
use super::keyed::by_id;
use crate::error::AppResult;
use crate::service::funding::statistics::{self, ProgrammeStatistics};
use crate::service::funding::{self, applications};
use entity::{funding_application, funding_application_event, funding_programme};
use futures::FutureExt;
use futures::future::BoxFuture;
use std::collections::HashMap;

type Batch<'a, V> = BoxFuture<'a, AppResult<HashMap<i64, V>>>;

/// Funding programmes by id.
pub fn programmes_by_id<'a>(
    e: &'a LoaderEnv,
    ids: &'a [i64],
) -> Batch<'a, funding_programme::Model> {
    async move {
        Ok(by_id(
            funding::by_ids(&e.db, &e.principal, ids).await?,
            |m| m.id,
        ))
    }
    .boxed()
}

/// The profession keys of each programme.
pub fn professions_by_programme<'a>(e: &'a LoaderEnv, ids: &'a [i64]) -> Batch<'a, Vec<String>> {
    funding::professions_of(&e.db, &e.reference.professions, ids).boxed()
}

/// Funding applications by id.
pub fn applications_by_id<'a>(
    e: &'a LoaderEnv,
    ids: &'a [i64],
) -> Batch<'a, funding_application::Model> {
    async move {
        Ok(by_id(
            applications::by_ids(&e.db, &e.principal, ids).await?,
            |m| m.id,
        ))
    }
    .boxed()
}

/// The timeline of each application.
pub fn history_by_application<'a>(
    e: &'a LoaderEnv,
    ids: &'a [i64],
) -> Batch<'a, Vec<funding_application_event::Model>> {
    applications::events_of(&e.db, &e.principal, ids).boxed()
}

/// The figures of each programme. The resolver asks only for programmes the caller
/// runs (`funding::runs`).
pub fn statistics_by_programme<'a>(
    e: &'a LoaderEnv,
    ids: &'a [i64],
) -> Batch<'a, ProgrammeStatistics> {
    statistics::of_programmes(&e.db, &e.reference.professions, ids).boxed()
}
