//! DataLoaders: every relation of the graph is fetched through one of these, so a
//! request issues one `WHERE key IN (…)` statement per relation and depth, never one per
//! row. Loaders apply the caller's row rules, so they are built per request.

pub mod batch;
mod course_by_id;
mod course_run_by_id;
mod courses_by_provider;
mod next_run_by_course;
mod organisation_by_id;
mod professions_by_course;
mod runs_by_course;

pub use course_by_id::CourseByIdLoader;
pub use course_run_by_id::CourseRunByIdLoader;
pub use courses_by_provider::{
    CourseCountByProviderLoader, CoursesByProviderLoader, CoursesPageKey,
};
pub use next_run_by_course::NextRunByCourseLoader;
pub use organisation_by_id::OrganisationByIdLoader;
pub use professions_by_course::ProfessionsByCourseLoader;
pub use runs_by_course::{
    RunCountByCourseLoader, RunCountKey, RunsByCourseLoader, RunsPageKey, RunsQuery,
};

use crate::auth::Principal;
use crate::state::Reference;
use batch::{BatchLoader, Scheduler};
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
    pub organisation: BatchLoader<OrganisationByIdLoader>,
    pub course: BatchLoader<CourseByIdLoader>,
    pub course_run: BatchLoader<CourseRunByIdLoader>,
    pub professions_by_course: BatchLoader<ProfessionsByCourseLoader>,
    pub courses_by_provider: BatchLoader<CoursesByProviderLoader>,
    pub course_count_by_provider: BatchLoader<CourseCountByProviderLoader>,
    pub runs_by_course: BatchLoader<RunsByCourseLoader>,
    pub run_count_by_course: BatchLoader<RunCountByCourseLoader>,
    pub next_run_by_course: BatchLoader<NextRunByCourseLoader>,
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
        Loaders {
            organisation: BatchLoader::new(OrganisationByIdLoader(env.clone()), s.clone()),
            course: BatchLoader::new(CourseByIdLoader(env.clone()), s.clone()),
            course_run: BatchLoader::new(CourseRunByIdLoader(env.clone()), s.clone()),
            professions_by_course: BatchLoader::new(
                ProfessionsByCourseLoader(env.clone()),
                s.clone(),
            ),
            courses_by_provider: BatchLoader::new(CoursesByProviderLoader(env.clone()), s.clone()),
            course_count_by_provider: BatchLoader::new(
                CourseCountByProviderLoader(env.clone()),
                s.clone(),
            ),
            runs_by_course: BatchLoader::new(RunsByCourseLoader(env.clone()), s.clone()),
            run_count_by_course: BatchLoader::new(RunCountByCourseLoader(env.clone()), s.clone()),
            next_run_by_course: BatchLoader::new(NextRunByCourseLoader(env), s.clone()),
        }
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
