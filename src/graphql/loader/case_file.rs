//! The loaders by id of the shared case file: one function per loader, each one
//! statement for a batch of ids, with the caller's row rules applied inside it.

use super::LoaderEnv;
use super::batch::BatchFn;
use super::keyed::by_id;
use crate::error::AppResult;
use crate::service::{candidates, cases};
use entity::{candidate, candidate_personal, case_event, consent, decision, recognition_case};
use futures::FutureExt;
use futures::future::BoxFuture;
use std::collections::HashMap;
use std::sync::Arc;

type Batch<'a, V> = BoxFuture<'a, AppResult<HashMap<i64, V>>>;

/// Candidates by id.
pub fn candidates_by_id<'a>(e: &'a LoaderEnv, ids: &'a [i64]) -> Batch<'a, candidate::Model> {
    async move {
        Ok(by_id(
            candidates::by_ids(&e.db, &e.principal, ids).await?,
            |m| m.id,
        ))
    }
    .boxed()
}

/// Candidates by their pseudonymous code, where the caller may see them.
pub struct CandidatesByCode(pub(super) Arc<LoaderEnv>);

impl BatchFn for CandidatesByCode {
    type Key = String;
    type Value = candidate::Model;

    async fn load(&self, codes: Vec<String>) -> AppResult<HashMap<String, candidate::Model>> {
        let env = &self.0;
        Ok(candidates::by_codes(&env.db, &env.principal, &codes)
            .await?
            .into_iter()
            .map(|m| (m.code.clone(), m))
            .collect())
    }
}

/// The personal data of each candidate, where the caller may read it.
pub fn personal_by_candidate<'a>(
    e: &'a LoaderEnv,
    ids: &'a [i64],
) -> Batch<'a, candidate_personal::Model> {
    candidates::personal_of(&e.db, &e.principal, ids).boxed()
}

/// The consents of each candidate.
pub fn consents_by_candidate<'a>(
    e: &'a LoaderEnv,
    ids: &'a [i64],
) -> Batch<'a, Vec<consent::Model>> {
    candidates::consents_of(&e.db, &e.principal, ids).boxed()
}

/// Consents by id.
pub fn consents_by_id<'a>(e: &'a LoaderEnv, ids: &'a [i64]) -> Batch<'a, consent::Model> {
    async move {
        let rows = candidates::consents_by_ids(&e.db, &e.principal, ids).await?;
        Ok(by_id(rows, |m| m.id))
    }
    .boxed()
}

/// The cases of each candidate.
pub fn cases_by_candidate<'a>(
    e: &'a LoaderEnv,
    ids: &'a [i64],
) -> Batch<'a, Vec<recognition_case::Model>> {
    cases::of_candidates(&e.db, &e.principal, ids).boxed()
}

/// Cases by id.
pub fn cases_by_id<'a>(e: &'a LoaderEnv, ids: &'a [i64]) -> Batch<'a, recognition_case::Model> {
    async move {
        Ok(by_id(cases::by_ids(&e.db, &e.principal, ids).await?, |m| {
            m.id
        }))
    }
    .boxed()
}

/// The timeline of each case.
pub fn events_by_case<'a>(e: &'a LoaderEnv, ids: &'a [i64]) -> Batch<'a, Vec<case_event::Model>> {
    cases::events_of(&e.db, &e.principal, ids).boxed()
}

/// The decision of each case that has one.
pub fn decision_by_case<'a>(e: &'a LoaderEnv, ids: &'a [i64]) -> Batch<'a, decision::Model> {
    cases::decisions_of(&e.db, &e.principal, ids).boxed()
}
