//! The course catalogue: offers of schools and providers and the professions they serve.

use crate::auth::Principal;
use crate::error::AppResult;
use crate::graphql::input::CourseFilter;
use crate::service::course_runs;
use crate::service::pagination::{self, Ordering, Page, PageRequest, SortKind};
use crate::service::professions::ProfessionCatalog;
use crate::service::regions::RegionTree;
use entity::course::{self, Column, Entity};
use entity::course_run::RunStatus;
use entity::{course_profession, course_run, organisation};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Select,
};
use std::collections::HashMap;

/// Courses are sorted by title, then id.
pub const BY_TITLE: Ordering<Entity> = Ordering {
    name: "course.title",
    sort: Some((Column::Title, SortKind::Text)),
    id: Column::Id,
    sort_value: |m| Some(m.title.clone()),
    row_id: |m| m.id,
};

/// Rows of `course` the caller may see: the catalogue is public.
pub fn visible_to(_principal: &Principal) -> Select<Entity> {
    Entity::find()
}

/// The courses matching `filter` that the caller may see.
pub fn filtered(
    principal: &Principal,
    regions: &RegionTree,
    professions: &ProfessionCatalog,
    filter: &CourseFilter,
) -> AppResult<Select<Entity>> {
    let mut select = visible_to(principal);
    if let Some(key) = &filter.profession {
        professions.require(key, "filter.profession")?;
        select = select.filter(
            Column::Id.in_subquery(
                Query::select()
                    .column(course_profession::Column::CourseId)
                    .from(course_profession::Entity)
                    .and_where(course_profession::Column::ProfessionKey.eq(key.as_str()))
                    .to_owned(),
            ),
        );
    }
    if let Some(t) = filter.course_type {
        select = select.filter(Column::CourseType.eq(t));
    }
    if let Some(codes) = regions.filter_codes(filter.region.as_deref(), "filter.region")? {
        select = select.filter(
            Condition::any()
                .add(
                    Column::ProviderId.in_subquery(
                        Query::select()
                            .column(organisation::Column::Id)
                            .from(organisation::Entity)
                            .and_where(organisation::Column::RegionCode.is_in(codes.clone()))
                            .to_owned(),
                    ),
                )
                .add(Column::Id.in_subquery(runs_where(
                    Condition::all().add(course_run::Column::RegionCode.is_in(codes)),
                ))),
        );
    }
    if let Some(format) = filter.format {
        select = select.filter(
            Column::Id.in_subquery(runs_where(
                Condition::all()
                    .add(course_run::Column::Format.eq(format))
                    .add(course_run::Column::Status.ne(RunStatus::Cancelled)),
            )),
        );
    }
    if let Some(b) = filter.bildungsgutschein {
        select = select.filter(Column::Bildungsgutschein.eq(b));
    }
    if let Some(open) = filter.has_open_run {
        let with_open_run = runs_where(course_runs::bookable(crate::service::today()));
        select = select.filter(if open {
            Column::Id.in_subquery(with_open_run)
        } else {
            Column::Id.not_in_subquery(with_open_run)
        });
    }
    Ok(select)
}

/// `SELECT course_id FROM course_run WHERE cond`.
fn runs_where(cond: Condition) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(course_run::Column::CourseId)
        .from(course_run::Entity)
        .cond_where(cond)
        .to_owned()
}

/// The courses with these ids that the caller may see.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    principal: &Principal,
    ids: &[i64],
) -> AppResult<Vec<course::Model>> {
    Ok(visible_to(principal)
        .filter(Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?)
}

/// One page of courses for each provider, in one statement.
pub async fn pages_by_provider(
    db: &impl ConnectionTrait,
    principal: &Principal,
    providers: &[i64],
    page: &PageRequest,
) -> AppResult<HashMap<i64, Page<course::Model>>> {
    pagination::fetch_child_pages(
        db,
        visible_to(principal),
        Column::ProviderId,
        providers,
        |m| m.provider_id,
        &BY_TITLE,
        page,
    )
    .await
}

/// Number of courses of each provider.
pub async fn count_by_provider(
    db: &impl ConnectionTrait,
    principal: &Principal,
    providers: &[i64],
) -> AppResult<HashMap<i64, u64>> {
    pagination::count_children(db, visible_to(principal), Column::ProviderId, providers).await
}

/// The profession keys of each course, in reference order.
pub async fn professions_of(
    db: &impl ConnectionTrait,
    principal: &Principal,
    professions: &ProfessionCatalog,
    course_ids: &[i64],
) -> AppResult<HashMap<i64, Vec<String>>> {
    let rows = course_profession::Entity::find()
        .filter(course_profession::Column::CourseId.is_in(course_ids.iter().copied()))
        .filter(
            course_profession::Column::CourseId.in_subquery(sea_orm::QueryTrait::into_query(
                visible_to(principal)
                    .select_only()
                    .column(Column::Id)
                    .filter(Column::Id.is_in(course_ids.iter().copied())),
            )),
        )
        .order_by_asc(course_profession::Column::CourseId)
        .all(db)
        .await?;
    let rank = |key: &str| professions.all().iter().position(|p| p.key == key);
    let mut out: HashMap<i64, Vec<String>> =
        course_ids.iter().map(|id| (*id, Vec::new())).collect();
    for row in rows {
        out.entry(row.course_id)
            .or_default()
            .push(row.profession_key);
    }
    for keys in out.values_mut() {
        keys.sort_by_key(|k| rank(k));
    }
    Ok(out)
}

use sea_orm::QuerySelect;
