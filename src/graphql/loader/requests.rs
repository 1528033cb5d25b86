//! The loaders of advisory requests and their timelines: one statement for a batch of
//! ids each, with the caller's row rules applied inside it.

use super::LoaderEnv;
use super::keyed::by_id;
use crate::error::AppResult;
use crate::service::requests;
use entity::{advisory_request, advisory_request_event};
use futures::FutureExt;
use futures::future::BoxFuture;
use std::collections::HashMap;

type Batch<'a, V> = BoxFuture<'a, AppResult<HashMap<i64, V>>>;

/// Advisory requests by id.
pub fn advisory_requests_by_id<'a>(
    e: &'a LoaderEnv,
    ids: &'a [i64],
) -> Batch<'a, advisory_request::Model> {
    async move {
        Ok(by_id(
            requests::by_ids(&e.db, &e.principal, ids).await?,
            |m| m.id,
        ))
    }
    .boxed()
}

/// The timeline of each request.
pub fn events_by_advisory_request<'a>(
    e: &'a LoaderEnv,
    ids: &'a [i64],
) -> Batch<'a, Vec<advisory_request_event::Model>> {
    requests::events_of(&e.db, &e.principal, ids).boxed()
}
