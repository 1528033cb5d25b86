//! DataLoaders: every relation of the graph is fetched through one of these, so a
//! request issues one `WHERE key IN (…)` statement per relation and depth, never one per
//! row. Loaders apply the caller's row rules, so they are built per request.

pub mod batch;
mod courses_by_provider;
pub mod keyed;
mod runs_by_course;

pub use courses_by_provider::{CoursesByProviderLoader, CoursesPageKey};
pub use runs_by_course::{
    RunCountByCourseLoader, RunCountKey, RunsByCourseLoader, RunsPageKey, RunsQuery,
};

use crate::auth::Principal;
use crate::service::Reference;
use crate::service::{candidates, cases, course_runs, courses, organisations, today};
use batch::{BatchLoader, Scheduler};
use entity::{
    candidate, candidate_personal, case_event, consent, course, course_run, decision, organisation,
    recognition_case,
};
use futures::FutureExt;
use keyed::{Keyed, by_id};
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// What every loader of one request shares: the pool, reference data and the caller.
pub struct LoaderEnv {
    pub db: DatabaseConnection,
    pub reference: Arc<Reference>,
    pub principal: Principal,
}

/// The loaders of one request.
pub struct Loaders {
    pub organisation: BatchLoader<Keyed<organisation::Model>>,
    pub course: BatchLoader<Keyed<course::Model>>,
    pub course_run: BatchLoader<Keyed<course_run::Model>>,
    pub professions_by_course: BatchLoader<Keyed<Vec<String>>>,
    pub course_count_by_provider: BatchLoader<Keyed<u64>>,
    pub next_run_by_course: BatchLoader<Keyed<course_run::Model>>,
    pub courses_by_provider: BatchLoader<CoursesByProviderLoader>,
    pub runs_by_course: BatchLoader<RunsByCourseLoader>,
    pub run_count_by_course: BatchLoader<RunCountByCourseLoader>,
    pub candidate: BatchLoader<Keyed<candidate::Model>>,
    pub personal_by_candidate: BatchLoader<Keyed<candidate_personal::Model>>,
    pub consents_by_candidate: BatchLoader<Keyed<Vec<consent::Model>>>,
    pub consent: BatchLoader<Keyed<consent::Model>>,
    pub cases_by_candidate: BatchLoader<Keyed<Vec<recognition_case::Model>>>,
    pub case: BatchLoader<Keyed<recognition_case::Model>>,
    pub events_by_case: BatchLoader<Keyed<Vec<case_event::Model>>>,
    pub decision_by_case: BatchLoader<Keyed<decision::Model>>,
    scheduler: Arc<Scheduler>,
}

impl Loaders {
    /// Fresh loaders for one request of `principal`, flushed by `scheduler`.
    pub fn new(
        db: DatabaseConnection,
        reference: Arc<Reference>,
        principal: Principal,
        scheduler: &Arc<Scheduler>,
    ) -> Loaders {
        let env = Arc::new(LoaderEnv {
            db,
            reference,
            principal,
        });
        let s = scheduler;
        macro_rules! keyed {
            ($fetch:expr) => {
                BatchLoader::new(Keyed::new(env.clone(), $fetch), s.clone())
            };
        }
        Loaders {
            organisation: keyed!(|e, ids| async move {
                Ok(by_id(
                    organisations::by_ids(&e.db, &e.principal, ids).await?,
                    |m| m.id,
                ))
            }
            .boxed()),
            course: keyed!(|e, ids| async move {
                Ok(by_id(
                    courses::by_ids(&e.db, &e.principal, ids).await?,
                    |m| m.id,
                ))
            }
            .boxed()),
            course_run: keyed!(|e, ids| async move {
                Ok(by_id(
                    course_runs::by_ids(&e.db, &e.principal, ids).await?,
                    |m| m.id,
                ))
            }
            .boxed()),
            professions_by_course: keyed!(|e, ids| courses::professions_of(
                &e.db,
                &e.principal,
                &e.reference.professions,
                ids
            )
            .boxed()),
            course_count_by_provider: keyed!(|e, ids| courses::count_by_provider(
                &e.db,
                &e.principal,
                ids
            )
            .boxed()),
            next_run_by_course: keyed!(|e, ids| course_runs::next_by_course(
                &e.db,
                &e.principal,
                ids,
                today()
            )
            .boxed()),
            courses_by_provider: BatchLoader::new(CoursesByProviderLoader(env.clone()), s.clone()),
            runs_by_course: BatchLoader::new(RunsByCourseLoader(env.clone()), s.clone()),
            run_count_by_course: BatchLoader::new(RunCountByCourseLoader(env.clone()), s.clone()),
            candidate: keyed!(|e, ids| async move {
                Ok(by_id(
                    candidates::by_ids(&e.db, &e.principal, ids).await?,
                    |m| m.id,
                ))
            }
            .boxed()),
            personal_by_candidate: keyed!(|e, ids| candidates::personal_of(
                &e.db,
                &e.principal,
                ids
            )
            .boxed()),
            consents_by_candidate: keyed!(|e, ids| candidates::consents_of(
                &e.db,
                &e.principal,
                ids
            )
            .boxed()),
            consent: keyed!(|e, ids| async move {
                Ok(by_id(
                    candidates::consents_by_ids(&e.db, &e.principal, ids).await?,
                    |m| m.id,
                ))
            }
            .boxed()),
            cases_by_candidate: keyed!(
                |e, ids| cases::of_candidates(&e.db, &e.principal, ids).boxed()
            ),
            case: keyed!(|e, ids| async move {
                Ok(by_id(cases::by_ids(&e.db, &e.principal, ids).await?, |m| {
                    m.id
                }))
            }
            .boxed()),
            events_by_case: keyed!(|e, ids| cases::events_of(&e.db, &e.principal, ids).boxed()),
            decision_by_case: keyed!(|e, ids| cases::decisions_of(&e.db, &e.principal, ids).boxed()),
            scheduler: scheduler.clone(),
        }
    }

    /// Forgets everything loaded so far in this request. Mutations that take data away
    /// (erasure, revocation) call it, so that later fields of the same request never
    /// show what was removed.
    pub fn forget_all(&self) {
        self.scheduler.forget_all();
    }
}

/// Groups keys that share a query (same filter and page) so each group is one statement.
fn group_by_query<Q: Clone + Eq + std::hash::Hash>(
    keys: impl IntoIterator<Item = (Q, i64)>,
) -> std::collections::HashMap<Q, Vec<i64>> {
    let mut groups: std::collections::HashMap<Q, Vec<i64>> = std::collections::HashMap::new();
    for (q, id) in keys {
        groups.entry(q).or_default().push(id);
    }
    groups
}
