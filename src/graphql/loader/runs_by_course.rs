//! A page of each course's runs under a filter, and their counts (`Course.runs`).

use super::batch::BatchFn;
use super::{LoaderEnv, group_by_query};
use crate::error::AppResult;
use crate::service::course_runs::{self, CourseRunFilter};
use crate::service::pagination::{Page, PageRequest};
use entity::course_run;
use std::collections::HashMap;
use std::sync::Arc;

/// The filter and page asked for; shared by all courses of one selection.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RunsQuery {
    pub filter: CourseRunFilter,
    pub page: PageRequest,
}

/// One course's page of runs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RunsPageKey {
    pub course_id: i64,
    pub query: Arc<RunsQuery>,
}

pub struct RunsByCourseLoader(pub Arc<LoaderEnv>);

impl BatchFn for RunsByCourseLoader {
    type Key = RunsPageKey;
    type Value = Page<course_run::Model>;

    async fn load(&self, keys: Vec<RunsPageKey>) -> AppResult<HashMap<RunsPageKey, Self::Value>> {
        let env = &self.0;
        let mut out = HashMap::new();
        for (query, courses) in group_by_query(keys.iter().map(|k| (k.query.clone(), k.course_id)))
        {
            let select = course_runs::filtered(
                &env.principal,
                &env.reference.regions,
                &env.reference.professions,
                &query.filter,
            )?;
            let pages =
                course_runs::pages_by_course(&env.db, select, &courses, &query.page).await?;
            out.extend(pages.into_iter().map(|(course_id, p)| {
                (
                    RunsPageKey {
                        course_id,
                        query: query.clone(),
                    },
                    p,
                )
            }));
        }
        Ok(out)
    }
}

/// Number of one course's runs under a filter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RunCountKey {
    pub course_id: i64,
    pub filter: Arc<CourseRunFilter>,
}

pub struct RunCountByCourseLoader(pub Arc<LoaderEnv>);

impl BatchFn for RunCountByCourseLoader {
    type Key = RunCountKey;
    type Value = u64;

    async fn load(&self, keys: Vec<RunCountKey>) -> AppResult<HashMap<RunCountKey, Self::Value>> {
        let env = &self.0;
        let mut out = HashMap::new();
        for (filter, courses) in
            group_by_query(keys.iter().map(|k| (k.filter.clone(), k.course_id)))
        {
            let select = course_runs::filtered(
                &env.principal,
                &env.reference.regions,
                &env.reference.professions,
                &filter,
            )?;
            let counts = course_runs::count_by_course(&env.db, select, &courses).await?;
            out.extend(counts.into_iter().map(|(course_id, n)| {
                (
                    RunCountKey {
                        course_id,
                        filter: filter.clone(),
                    },
                    n,
                )
            }));
        }
        Ok(out)
    }
}
