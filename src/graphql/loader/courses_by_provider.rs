//! A page of each organisation's courses, and their counts (`Organisation.courses`).

use super::batch::BatchFn;
use super::{LoaderEnv, group_by_query};
use crate::error::AppResult;
use crate::service::courses;
use crate::service::pagination::{Page, PageRequest};
use entity::course;
use std::collections::HashMap;
use std::sync::Arc;

/// One organisation's page of courses.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CoursesPageKey {
    pub provider_id: i64,
    pub page: Arc<PageRequest>,
}

pub struct CoursesByProviderLoader(pub Arc<LoaderEnv>);

impl BatchFn for CoursesByProviderLoader {
    type Key = CoursesPageKey;
    type Value = Page<course::Model>;

    async fn load(
        &self,
        keys: Vec<CoursesPageKey>,
    ) -> AppResult<HashMap<CoursesPageKey, Self::Value>> {
        let env = &self.0;
        let mut out = HashMap::new();
        for (page, providers) in
            group_by_query(keys.iter().map(|k| (k.page.clone(), k.provider_id)))
        {
            let pages =
                courses::pages_by_provider(&env.db, &env.principal, &providers, &page).await?;
            out.extend(pages.into_iter().map(|(provider_id, p)| {
                (
                    CoursesPageKey {
                        provider_id,
                        page: page.clone(),
                    },
                    p,
                )
            }));
        }
        Ok(out)
    }
}
