//! The partner directory: who takes part in the network, where, and how to reach them.

use crate::auth::Principal;
use crate::error::AppResult;
use crate::graphql::input::OrganisationFilter;
use crate::service::contains_pattern;
use crate::service::pagination::{Ordering, SortKind};
use crate::service::regions::RegionTree;
use entity::organisation::{self, Column, Entity};
use sea_orm::sea_query::Expr;
use sea_orm::sea_query::{ExprTrait, LikeExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Select};

/// Organisations are sorted by name, then id.
pub const BY_NAME: Ordering<Entity> = Ordering {
    name: "organisation.name",
    sort: Some((Column::Name, SortKind::Text)),
    id: Column::Id,
    sort_value: |m| Some(m.name.clone()),
    row_id: |m| m.id,
};

/// Rows of `organisation` the caller may see: every partner's public profile is public.
pub fn visible_to(_principal: &Principal) -> Select<Entity> {
    Entity::find()
}

/// The organisations matching `filter` that the caller may see.
pub fn filtered(
    principal: &Principal,
    regions: &RegionTree,
    filter: &OrganisationFilter,
) -> AppResult<Select<Entity>> {
    let mut select = visible_to(principal);
    if let Some(kind) = filter.kind {
        select = select.filter(Column::Kind.eq(kind));
    }
    if let Some(codes) = regions.filter_codes(filter.region.as_deref(), "filter.region")? {
        select = select.filter(Column::RegionCode.is_in(codes));
    }
    if let Some(search) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        select = select.filter(
            Expr::col((Entity, Column::SearchText))
                .like(LikeExpr::new(contains_pattern(search)).escape('\\')),
        );
    }
    Ok(select)
}

/// The organisations with these ids that the caller may see.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    principal: &Principal,
    ids: &[i64],
) -> AppResult<Vec<organisation::Model>> {
    Ok(visible_to(principal)
        .filter(Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?)
}

/// The lower-cased text that `search` matches against.
pub fn search_text(name: &str, city: &str) -> String {
    format!("{name} {city}").to_lowercase()
}
