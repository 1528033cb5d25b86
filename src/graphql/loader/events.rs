//! The loaders of network events, their modules, registrations and attendance: one
//! statement for a batch of ids each, with the caller's row rules applied inside it.

use super::LoaderEnv;
use super::keyed::by_id;
use crate::error::AppResult;
use crate::service::events;
use entity::{event_attendance, event_registration, network_event};
use futures::FutureExt;
use futures::future::BoxFuture;
use std::collections::HashMap;

type Batch<'a, V> = BoxFuture<'a, AppResult<HashMap<i64, V>>>;

/// Events by id.
pub fn network_events_by_id<'a>(
    e: &'a LoaderEnv,
    ids: &'a [i64],
) -> Batch<'a, network_event::Model> {
    async move {
        Ok(by_id(
            events::by_ids(&e.db, &e.principal, ids).await?,
            |m| m.id,
        ))
    }
    .boxed()
}

/// Registrations by id.
pub fn event_registrations_by_id<'a>(
    e: &'a LoaderEnv,
    ids: &'a [i64],
) -> Batch<'a, event_registration::Model> {
    async move {
        Ok(by_id(
            events::registrations_by_ids(&e.db, &e.principal, ids).await?,
            |m| m.id,
        ))
    }
    .boxed()
}

/// The modules of each series.
pub fn modules_by_series<'a>(
    e: &'a LoaderEnv,
    ids: &'a [i64],
) -> Batch<'a, Vec<network_event::Model>> {
    events::modules_of(&e.db, ids).boxed()
}

/// The registrations of each event the caller may see.
pub fn registrations_by_event<'a>(
    e: &'a LoaderEnv,
    ids: &'a [i64],
) -> Batch<'a, Vec<event_registration::Model>> {
    events::registrations_of(&e.db, &e.principal, ids).boxed()
}

/// The attendance of each registration.
pub fn attendance_by_registration<'a>(
    e: &'a LoaderEnv,
    ids: &'a [i64],
) -> Batch<'a, Vec<event_attendance::Model>> {
    events::attendance_of(&e.db, &e.principal, ids).boxed()
}
