//! The loaders of every nested list (`Course.runs`, `Organisation.courses`): one
//! statement per selection for the pages of all parents, one for their counts. A list
//! is a [`ChildList`] row in its service; these loaders serve them all.

use super::LoaderEnv;
use super::batch::{BatchFn, BatchLoader, Scheduler};
use crate::error::AppResult;
use crate::service::pagination::{ChildList, Page, PageRequest};
use sea_orm::{EntityTrait, FromQueryResult};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

/// One parent's page of a list under a query.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChildPageKey<Q> {
    pub parent: i64,
    pub query: Arc<(Q, PageRequest)>,
}

/// The length of one parent's list under a query.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChildCountKey<Q> {
    pub parent: i64,
    pub query: Arc<Q>,
}

/// Loads pages of a child list.
pub struct ChildPages<E: EntityTrait, Q: 'static> {
    env: Arc<LoaderEnv>,
    list: &'static ChildList<E, Q>,
}

/// Loads lengths of a child list.
pub struct ChildCounts<E: EntityTrait, Q: 'static> {
    env: Arc<LoaderEnv>,
    list: &'static ChildList<E, Q>,
}

/// The page and count loaders of one child list.
pub struct ChildLoader<E: EntityTrait, Q: 'static>
where
    ChildPages<E, Q>: BatchFn,
    ChildCounts<E, Q>: BatchFn,
{
    pub pages: BatchLoader<ChildPages<E, Q>>,
    pub counts: BatchLoader<ChildCounts<E, Q>>,
    pub list: &'static ChildList<E, Q>,
}

impl<E, Q> ChildLoader<E, Q>
where
    E: EntityTrait,
    Q: 'static,
    ChildPages<E, Q>: BatchFn,
    ChildCounts<E, Q>: BatchFn,
{
    pub fn new(
        env: &Arc<LoaderEnv>,
        list: &'static ChildList<E, Q>,
        scheduler: &Arc<Scheduler>,
    ) -> Self {
        ChildLoader {
            pages: BatchLoader::new(
                ChildPages {
                    env: env.clone(),
                    list,
                },
                scheduler.clone(),
            ),
            counts: BatchLoader::new(
                ChildCounts {
                    env: env.clone(),
                    list,
                },
                scheduler.clone(),
            ),
            list,
        }
    }
}

/// Groups the parents of keys that share a query, so each group is one statement.
fn by_query<Q: Clone + Eq + Hash>(
    keys: impl IntoIterator<Item = (Q, i64)>,
) -> HashMap<Q, Vec<i64>> {
    let mut groups: HashMap<Q, Vec<i64>> = HashMap::new();
    for (q, id) in keys {
        groups.entry(q).or_default().push(id);
    }
    groups
}

impl<E, Q> BatchFn for ChildPages<E, Q>
where
    E: EntityTrait,
    E::Model: FromQueryResult + Clone + Send + Sync,
    Q: Clone + Eq + Hash + Send + Sync + 'static,
    ChildList<E, Q>: Sync,
{
    type Key = ChildPageKey<Q>;
    type Value = Page<E::Model>;

    async fn load(&self, keys: Vec<Self::Key>) -> AppResult<HashMap<Self::Key, Self::Value>> {
        let env = &self.env;
        let mut out = HashMap::new();
        for (query, parents) in by_query(keys.iter().map(|k| (k.query.clone(), k.parent))) {
            let (q, page) = &*query;
            let pages = self
                .list
                .pages(&env.db, &env.principal, &env.reference, q, &parents, page)
                .await?;
            out.extend(pages.into_iter().map(|(parent, p)| {
                let key = ChildPageKey {
                    parent,
                    query: query.clone(),
                };
                (key, p)
            }));
        }
        Ok(out)
    }
}

impl<E, Q> BatchFn for ChildCounts<E, Q>
where
    E: EntityTrait,
    E::Model: FromQueryResult + Sync,
    Q: Clone + Eq + Hash + Send + Sync + 'static,
    ChildList<E, Q>: Sync,
{
    type Key = ChildCountKey<Q>;
    type Value = u64;

    async fn load(&self, keys: Vec<Self::Key>) -> AppResult<HashMap<Self::Key, u64>> {
        let env = &self.env;
        let mut out = HashMap::new();
        for (query, parents) in by_query(keys.iter().map(|k| (k.query.clone(), k.parent))) {
            let counts = self
                .list
                .counts(&env.db, &env.principal, &env.reference, &query, &parents)
                .await?;
            out.extend(counts.into_iter().map(|(parent, n)| {
                let key = ChildCountKey {
                    parent,
                    query: query.clone(),
                };
                (key, n)
            }));
        }
        Ok(out)
    }
}
