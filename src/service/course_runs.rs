//! Course runs: the dated sessions of courses, and the "where can I start soon" search.

use crate::auth::Principal;
use crate::error::AppResult;
use crate::graphql::input::CourseRunFilter;
use crate::service::courses;
use crate::service::pagination::{self, Ordering, Page, PageRequest, SortKind};
use crate::service::professions::ProfessionCatalog;
use crate::service::regions::RegionTree;
use chrono::NaiveDate;
use entity::course_run::{self, Column, Entity, RunStatus};
use entity::{course, course_profession};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryTrait, Select,
};
use std::collections::HashMap;

/// Runs are sorted by start date, then id.
pub const BY_START: Ordering<Entity> = Ordering {
    name: "course_run.start",
    sort: Some((Column::StartDate, SortKind::Date)),
    id: Column::Id,
    sort_value: |m| Some(m.start_date.to_string()),
    row_id: |m| m.id,
};

/// Rows of `course_run` the caller may see: runs of the courses the caller may see.
pub fn visible_to(principal: &Principal) -> Select<Entity> {
    Entity::find().filter(
        Column::CourseId.in_subquery(
            courses::visible_to(principal)
                .select_only()
                .column(course::Column::Id)
                .into_query(),
        ),
    )
}

/// Runs with a free seat: planned or open, fewer seats taken than offered.
pub fn with_free_seats() -> Condition {
    Condition::all()
        .add(Column::Status.is_in([RunStatus::Planned, RunStatus::Open]))
        .add(Expr::col((Entity, Column::SeatsTaken)).lt(Expr::col((Entity, Column::SeatsMax))))
}

/// Runs one can still register for on `today`: a free seat, not yet started, and the
/// registration deadline (if any) not passed.
pub fn bookable(today: NaiveDate) -> Condition {
    with_free_seats().add(Column::StartDate.gte(today)).add(
        Condition::any()
            .add(Column::RegistrationDeadline.is_null())
            .add(Column::RegistrationDeadline.gte(today)),
    )
}

/// The runs matching `filter` that the caller may see.
pub fn filtered(
    principal: &Principal,
    regions: &RegionTree,
    professions: &ProfessionCatalog,
    filter: &CourseRunFilter,
) -> AppResult<Select<Entity>> {
    let mut select = visible_to(principal);
    if let Some(key) = &filter.profession {
        professions.require(key, "filter.profession")?;
        select = select.filter(
            Column::CourseId.in_subquery(
                Query::select()
                    .column(course_profession::Column::CourseId)
                    .from(course_profession::Entity)
                    .and_where(course_profession::Column::ProfessionKey.eq(key.as_str()))
                    .to_owned(),
            ),
        );
    }
    if let Some(t) = filter.course_type {
        select = select.filter(
            Column::CourseId.in_subquery(
                Query::select()
                    .column(course::Column::Id)
                    .from(course::Entity)
                    .and_where(course::Column::CourseType.eq(t))
                    .to_owned(),
            ),
        );
    }
    if let Some(codes) = regions.filter_codes(filter.region.as_deref(), "filter.region")? {
        select = select.filter(Column::RegionCode.is_in(codes));
    }
    if let Some(from) = filter.from {
        select = select.filter(Column::StartDate.gte(from.0));
    }
    if let Some(to) = filter.to {
        select = select.filter(Column::StartDate.lte(to.0));
    }
    if let Some(format) = filter.format {
        select = select.filter(Column::Format.eq(format));
    }
    if let Some(status) = filter.status {
        select = select.filter(Column::Status.eq(status));
    }
    if let Some(free) = filter.has_free_seats {
        select = select.filter(if free {
            with_free_seats()
        } else {
            with_free_seats().not()
        });
    }
    Ok(select)
}

/// The runs with these ids that the caller may see.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    principal: &Principal,
    ids: &[i64],
) -> AppResult<Vec<course_run::Model>> {
    Ok(visible_to(principal)
        .filter(Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?)
}

/// One page of the runs matching `filter` for each course, in one statement.
pub async fn pages_by_course(
    db: &impl ConnectionTrait,
    select: Select<Entity>,
    course_ids: &[i64],
    page: &PageRequest,
) -> AppResult<HashMap<i64, Page<course_run::Model>>> {
    pagination::fetch_child_pages(
        db,
        select,
        Column::CourseId,
        course_ids,
        |m| m.course_id,
        &BY_START,
        page,
    )
    .await
}

/// Number of runs matching `select` per course.
pub async fn count_by_course(
    db: &impl ConnectionTrait,
    select: Select<Entity>,
    course_ids: &[i64],
) -> AppResult<HashMap<i64, u64>> {
    pagination::count_children(db, select, Column::CourseId, course_ids).await
}

/// The next run of each course that has not started yet and is not cancelled.
pub async fn next_by_course(
    db: &impl ConnectionTrait,
    principal: &Principal,
    course_ids: &[i64],
    today: NaiveDate,
) -> AppResult<HashMap<i64, course_run::Model>> {
    let upcoming = visible_to(principal)
        .filter(Column::StartDate.gte(today))
        .filter(Column::Status.is_in([RunStatus::Planned, RunStatus::Open, RunStatus::Full]));
    let first = PageRequest {
        limit: 1,
        backward: false,
        after: None,
        before: None,
    };
    let pages = pages_by_course(db, upcoming, course_ids, &first).await?;
    Ok(pages
        .into_iter()
        .filter_map(|(course, page)| page.items.into_iter().next().map(|(_, run)| (course, run)))
        .collect())
}

use sea_orm::QuerySelect;
