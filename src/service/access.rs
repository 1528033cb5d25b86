//! Who may change a row: one [`WriteRule`] per writable entity, and one way to say no.
//!
//! A rule names the entity's `visible_to` and `editable_by` selects and the role a
//! writer needs. [`WriteRule::editable`] loads the row through `editable_by` inside the
//! write transaction, so the permission is part of the SQL that finds the row, and
//! refuses by the same rule for every entity:
//!
//! 1. a row the caller may not see, or that does not exist: `NOT_FOUND`, the same words
//!    for both, so existence never leaks;
//! 2. a row the caller sees but may not change, when it may not change rows of this
//!    kind at all: `FORBIDDEN`, naming the role that may;
//! 3. otherwise (someone else's row): `FORBIDDEN`, naming whose it is.
//!
//! The scopes an operation needs are not checked here: the entry point declares them
//! once (`auth::ScopeRequirement`, the GraphQL field guard). Rules here are roles and
//! rows.

use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::id::{self, NodeType};
use entity::organisation::OrganisationKind;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Select};

/// The write permission of one entity.
pub struct WriteRule<E: EntityTrait> {
    /// What a row is called in messages (`course run`).
    pub what: &'static str,
    /// The type of the row's global ID, for `NOT_FOUND` messages.
    pub node: NodeType,
    /// The primary key column.
    pub id: E::Column,
    /// Rows the caller may see.
    pub visible_to: fn(&Principal) -> Select<E>,
    /// Rows the caller may change: a subset of `visible_to`, empty for a caller who is
    /// not a writer. The one query of a permitted change.
    pub editable_by: fn(&Principal) -> Select<E>,
    /// The caller's organisation if it may change rows of this kind at all, otherwise
    /// the `FORBIDDEN` that says which role may.
    pub writer: fn(&Principal) -> AppResult<i64>,
    /// The refusal of a row the caller sees but someone else owns.
    pub foreign: &'static str,
}

impl<E> WriteRule<E>
where
    E: EntityTrait,
    E::Model: Send + Sync,
{
    /// The row `id` if the caller may change it; see the module for the refusals.
    pub async fn editable(
        &self,
        db: &impl ConnectionTrait,
        principal: &Principal,
        id: i64,
    ) -> AppResult<E::Model> {
        if let Some(row) = (self.editable_by)(principal)
            .filter(self.id.eq(id))
            .one(db)
            .await?
        {
            return Ok(row);
        }
        if (self.visible_to)(principal)
            .filter(self.id.eq(id))
            .one(db)
            .await?
            .is_some()
        {
            (self.writer)(principal)?;
            return Err(AppError::Forbidden(self.foreign.into()));
        }
        Err(self.not_found(id))
    }

    /// The `NOT_FOUND` of row `id`.
    pub fn not_found(&self, id: i64) -> AppError {
        AppError::NotFound(format!("{} `{}`", self.what, id::encode(self.node, id)))
    }
}

/// The caller's organisation if it is of one of `kinds`: the `writer` of a
/// [`WriteRule`]; otherwise `FORBIDDEN` with `refusal`, which names who may.
pub fn organisation_of_kind(
    principal: &Principal,
    kinds: &[OrganisationKind],
    refusal: &str,
) -> AppResult<i64> {
    match principal.organisation() {
        Some(org) if kinds.contains(&org.kind) => Ok(org.id),
        _ => Err(AppError::Forbidden(refusal.into())),
    }
}

/// A condition no row meets: the `editable_by` of a caller who writes nothing.
pub fn nothing() -> sea_orm::Condition {
    sea_orm::Condition::all().add(sea_orm::sea_query::Expr::cust("1 = 0"))
}
