//! Professions: reference data held in memory, in the order of the reference file.

use crate::error::{AppError, AppResult};
use entity::profession;
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};

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
