//! Course runs by id (`node`, `courseRun`).

use super::LoaderEnv;
use super::batch::BatchFn;
use crate::error::AppResult;
use crate::service::course_runs;
use entity::course_run;
use std::collections::HashMap;
use std::sync::Arc;

pub struct CourseRunByIdLoader(pub Arc<LoaderEnv>);

impl BatchFn for CourseRunByIdLoader {
    type Key = i64;
    type Value = course_run::Model;

    async fn load(&self, keys: Vec<i64>) -> AppResult<HashMap<i64, Self::Value>> {
        let rows = course_runs::by_ids(&self.0.db, &self.0.principal, &keys).await?;
        Ok(rows.into_iter().map(|m| (m.id, m)).collect())
    }
}
