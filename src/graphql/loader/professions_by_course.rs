//! The professions each course is for (`Course.professions`).

use super::LoaderEnv;
use super::batch::BatchFn;
use crate::error::AppResult;
use crate::service::courses;
use std::collections::HashMap;
use std::sync::Arc;

pub struct ProfessionsByCourseLoader(pub Arc<LoaderEnv>);

impl BatchFn for ProfessionsByCourseLoader {
    type Key = i64;
    /// Profession keys, in reference order.
    type Value = Vec<String>;

    async fn load(&self, keys: Vec<i64>) -> AppResult<HashMap<i64, Self::Value>> {
        let env = &self.0;
        courses::professions_of(&env.db, &env.principal, &env.reference.professions, &keys).await
    }
}
