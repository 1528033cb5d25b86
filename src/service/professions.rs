//! Professions: reference data held in memory, in the order of the reference file.

use crate::error::{AppError, AppResult};
use entity::profession;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use std::collections::HashMap;

/// The professions the hub knows, loaded once at start-up.
#[derive(Debug, Default)]
pub struct ProfessionCatalog {
    professions: Vec<profession::Model>,
}

impl ProfessionCatalog {
    /// Reads all professions from the database.
    pub async fn load(db: &impl ConnectionTrait) -> AppResult<ProfessionCatalog> {
        let professions = profession::Entity::find()
            .order_by_asc(profession::Column::SortOrder)
            .all(db)
            .await?;
        Ok(ProfessionCatalog { professions })
    }

    /// Number of professions.
    pub fn len(&self) -> usize {
        self.all().len()
    }

    /// Whether the catalogue is empty.
    pub fn is_empty(&self) -> bool {
        self.all().is_empty()
    }

    /// All professions.
    pub fn all(&self) -> &[profession::Model] {
        &self.professions
    }

    /// The profession with this key, if any.
    pub fn get(&self, key: &str) -> Option<&profession::Model> {
        self.professions.iter().find(|p| p.key == key)
    }

    /// Sorts profession keys into the order of the reference file.
    pub fn sort_keys(&self, keys: &mut [String]) {
        keys.sort_by_key(|k| self.professions.iter().position(|p| &p.key == k));
    }

    /// The profession with this key, or a `BAD_USER_INPUT` error about `field`.
    pub fn require(&self, key: &str, field: &str) -> AppResult<&profession::Model> {
        self.get(key).ok_or_else(|| {
            let known: Vec<&str> = self.professions.iter().map(|p| p.key.as_str()).collect();
            AppError::bad_input(
                field,
                format!("unknown profession `{key}`; known: {}", known.join(", ")),
            )
        })
    }
}

/// Normalises a list of profession keys given for `professions` (trimmed, sorted, no
/// duplicates) and records a problem for an empty list or an unknown key.
pub fn check_keys(
    keys: &mut Vec<String>,
    catalog: &ProfessionCatalog,
    p: &mut crate::service::validation::Problems,
) {
    for key in keys.iter_mut() {
        *key = key.trim().to_owned();
    }
    keys.sort();
    keys.dedup();
    p.check(
        !keys.is_empty(),
        "professions",
        "name at least one profession",
    );
    for key in keys.iter() {
        p.check(
            catalog.get(key).is_some(),
            "professions",
            format!("unknown profession `{key}`"),
        );
    }
}

/// The profession keys of each parent in a join table of professions (`parent` the
/// column of the parent's id), in reference order: the professions of exam sessions,
/// placement offers and funding programmes, one statement for a batch.
pub async fn keys_of<E>(
    db: &impl ConnectionTrait,
    catalog: &ProfessionCatalog,
    parent: E::Column,
    ids: &[i64],
    split: fn(E::Model) -> (i64, String),
) -> AppResult<HashMap<i64, Vec<String>>>
where
    E: EntityTrait,
    E::Model: Sync,
{
    let rows = E::find()
        .filter(crate::service::one_of(
            db.get_database_backend(),
            parent,
            ids,
        ))
        .order_by_asc(parent)
        .all(db)
        .await?;
    let mut out = crate::service::group_by_parent(ids, rows, split);
    for keys in out.values_mut() {
        catalog.sort_keys(keys);
    }
    Ok(out)
}

/// Replaces the profession keys of parent `id` in a join table of professions; `row`
/// makes the row of one key.
pub async fn store_keys<E, A>(
    txn: &impl ConnectionTrait,
    parent: E::Column,
    id: i64,
    keys: &[String],
    row: impl Fn(i64, String) -> A,
) -> AppResult<()>
where
    E: EntityTrait,
    A: ActiveModelTrait<Entity = E> + Send,
{
    E::delete_many().filter(parent.eq(id)).exec(txn).await?;
    if !keys.is_empty() {
        E::insert_many(keys.iter().map(|k| row(id, k.clone())))
            .exec(txn)
            .await?;
    }
    Ok(())
}
