//! The next upcoming run of each course (`Course.nextRun`).

use super::LoaderEnv;
use super::batch::BatchFn;
use crate::error::AppResult;
use crate::service::{course_runs, today};
use entity::course_run;
use std::collections::HashMap;
use std::sync::Arc;

pub struct NextRunByCourseLoader(pub Arc<LoaderEnv>);

impl BatchFn for NextRunByCourseLoader {
    type Key = i64;
    type Value = course_run::Model;

    async fn load(&self, keys: Vec<i64>) -> AppResult<HashMap<i64, Self::Value>> {
        course_runs::next_by_course(&self.0.db, &self.0.principal, &keys, today()).await
    }
}
