//! Courses by id (a run's course, `node`, `course`).

use super::LoaderEnv;
use super::batch::BatchFn;
use crate::error::AppResult;
use crate::service::courses;
use entity::course;
use std::collections::HashMap;
use std::sync::Arc;

pub struct CourseByIdLoader(pub Arc<LoaderEnv>);

impl BatchFn for CourseByIdLoader {
    type Key = i64;
    type Value = course::Model;

    async fn load(&self, keys: Vec<i64>) -> AppResult<HashMap<i64, Self::Value>> {
        let rows = courses::by_ids(&self.0.db, &self.0.principal, &keys).await?;
        Ok(rows.into_iter().map(|m| (m.id, m)).collect())
    }
}
