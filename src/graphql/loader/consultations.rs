//! The loaders of consultation groups, consultations, their threads and case facts:
//! one statement for a batch of ids each, with the caller's row rules applied inside it.

use super::LoaderEnv;
use super::keyed::by_id;
use crate::error::AppResult;
use crate::service::consultations::{self, CaseFacts};
use entity::{consultation, consultation_answer, consultation_group};
use futures::FutureExt;
use futures::future::BoxFuture;
use std::collections::HashMap;

type Batch<'a, V> = BoxFuture<'a, AppResult<HashMap<i64, V>>>;

/// Consultation groups by id.
pub fn consultation_groups_by_id<'a>(
    e: &'a LoaderEnv,
    ids: &'a [i64],
) -> Batch<'a, consultation_group::Model> {
    async move {
        Ok(by_id(
            consultations::groups_by_ids(&e.db, &e.principal, ids).await?,
            |m| m.id,
        ))
    }
    .boxed()
}

/// The member organisations' ids of each group.
pub fn members_by_consultation_group<'a>(e: &'a LoaderEnv, ids: &'a [i64]) -> Batch<'a, Vec<i64>> {
    consultations::members_of(&e.db, &e.principal, ids).boxed()
}

/// Consultations by id.
pub fn consultations_by_id<'a>(e: &'a LoaderEnv, ids: &'a [i64]) -> Batch<'a, consultation::Model> {
    async move {
        Ok(by_id(
            consultations::by_ids(&e.db, &e.principal, ids).await?,
            |m| m.id,
        ))
    }
    .boxed()
}

/// The thread of each consultation.
pub fn answers_by_consultation<'a>(
    e: &'a LoaderEnv,
    ids: &'a [i64],
) -> Batch<'a, Vec<consultation_answer::Model>> {
    consultations::answers_of(&e.db, &e.principal, ids).boxed()
}

/// The case facts of each consultation that may show them.
pub fn case_facts_by_consultation<'a>(e: &'a LoaderEnv, ids: &'a [i64]) -> Batch<'a, CaseFacts> {
    consultations::case_facts_of(&e.db, &e.principal, ids).boxed()
}
