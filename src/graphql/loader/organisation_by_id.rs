//! Organisations by id (a course's provider, `node`, `organisation`).

use super::LoaderEnv;
use super::batch::BatchFn;
use crate::error::AppResult;
use crate::service::organisations;
use entity::organisation;
use std::collections::HashMap;
use std::sync::Arc;

pub struct OrganisationByIdLoader(pub Arc<LoaderEnv>);

impl BatchFn for OrganisationByIdLoader {
    type Key = i64;
    type Value = organisation::Model;

    async fn load(&self, keys: Vec<i64>) -> AppResult<HashMap<i64, Self::Value>> {
        let rows = organisations::by_ids(&self.0.db, &self.0.principal, &keys).await?;
        Ok(rows.into_iter().map(|m| (m.id, m)).collect())
    }
}
