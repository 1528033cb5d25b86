//! The loader for every relation keyed by one id: a function from the request's
//! environment and a batch of ids to the values found (row rules applied inside it).

use super::LoaderEnv;
use super::batch::BatchFn;
use crate::error::AppResult;
use futures::future::BoxFuture;
use std::collections::HashMap;
use std::sync::Arc;

/// Loads the values of many ids in one statement.
pub type Fetch<V> =
    for<'a> fn(&'a LoaderEnv, &'a [i64]) -> BoxFuture<'a, AppResult<HashMap<i64, V>>>;

/// A loader of values by id.
pub struct Keyed<V> {
    env: Arc<LoaderEnv>,
    fetch: Fetch<V>,
}

impl<V> Keyed<V> {
    pub fn new(env: Arc<LoaderEnv>, fetch: Fetch<V>) -> Self {
        Keyed { env, fetch }
    }
}

impl<V: Clone + Send + Sync + 'static> BatchFn for Keyed<V> {
    type Key = i64;
    type Value = V;

    async fn load(&self, keys: Vec<i64>) -> AppResult<HashMap<i64, V>> {
        (self.fetch)(&self.env, &keys).await
    }
}

/// Rows by their id.
pub fn by_id<M>(rows: Vec<M>, id: fn(&M) -> i64) -> HashMap<i64, M> {
    rows.into_iter().map(|m| (id(&m), m)).collect()
}
