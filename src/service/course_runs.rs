//! Course runs: the dated sessions of courses, and the "where can I start soon" search.

use crate::auth::Principal;
use crate::error::AppResult;
use crate::graphql::input::CourseRunFilter;
use crate::service::courses;
use crate::service::pagination::{self, Ordering, Page, PageRequest, SortKind};
use crate::service::professions::ProfessionCatalog;
use crate::service::regions::RegionTree;
use chrono::NaiveDate;
use entity::course;
use entity::course_run::{self, Column, Entity, RunStatus};
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
        select = select.filter(Column::CourseId.in_subquery(courses::for_profession(key)));
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

// ---------------------------------------------------------------------------------
// Writing: a provider schedules, changes and cancels runs of its own courses.

use crate::error::AppError;
use crate::graphql::input::{
    CancelCourseRunInput, MoneyInput, ScheduleCourseRunInput, UpdateCourseRunInput,
};
use crate::id::{self, NodeType};
use crate::service::courses::stale;
use crate::service::validation::{Problems, chars, parse_amount, patch};
use chrono::Utc;
use entity::course_run::{CourseFormat, FundingOption, Schedule};
use sea_orm::ActiveValue::Set;
use sea_orm::{DatabaseConnection, DatabaseTransaction};

/// Rows of `course_run` the caller may change: runs of the courses it may change.
pub fn editable_by(principal: &Principal) -> Select<Entity> {
    visible_to(principal).filter(
        Column::CourseId.in_subquery(
            courses::editable_by(principal)
                .select_only()
                .column(course::Column::Id)
                .into_query(),
        ),
    )
}

/// The run `id` if the caller may change it: `NOT_FOUND` if it cannot see it,
/// `FORBIDDEN` if it belongs to someone else.
async fn editable(
    txn: &DatabaseTransaction,
    principal: &Principal,
    id: i64,
) -> AppResult<course_run::Model> {
    if let Some(run) = editable_by(principal)
        .filter(Column::Id.eq(id))
        .one(txn)
        .await?
    {
        return Ok(run);
    }
    if visible_to(principal)
        .filter(Column::Id.eq(id))
        .one(txn)
        .await?
        .is_some()
    {
        courses::course_writer(principal)?;
        return Err(AppError::Forbidden(
            "this course run belongs to another provider".into(),
        ));
    }
    Err(AppError::NotFound(format!(
        "course run `{}`",
        id::encode(NodeType::CourseRun, id).as_str()
    )))
}

/// A run as it would be stored, for validation.
struct RunDraft {
    start: NaiveDate,
    end: NaiveDate,
    hours: i32,
    format: CourseFormat,
    schedule: Schedule,
    seats_min: i32,
    seats_max: i32,
    seats_taken: i32,
    region: String,
    city: String,
    cost_minor: i64,
    currency: String,
    funding: Vec<FundingOption>,
    deadline: Option<NaiveDate>,
    rolling_entry: bool,
    status: RunStatus,
}

fn money(input: &MoneyInput, p: &mut Problems) -> (i64, String) {
    let minor = parse_amount(&input.amount);
    p.check(
        minor.is_some(),
        "input.cost.amount",
        "the amount is a decimal number such as `1250.00`, not negative",
    );
    let currency = input.currency.trim().to_ascii_uppercase();
    p.check(
        currency.len() == 3 && currency.chars().all(|c| c.is_ascii_alphabetic()),
        "input.cost.currency",
        "the currency is an ISO 4217 code such as `EUR` or `SEK`",
    );
    (minor.unwrap_or(0), currency)
}

impl RunDraft {
    fn validate(&mut self, regions: &RegionTree, mut p: Problems) -> AppResult<()> {
        self.city = self.city.trim().to_owned();
        let mut seen = std::collections::HashSet::new();
        self.funding.retain(|f| seen.insert(*f));
        p.check(
            self.end > self.start,
            "input.endDate",
            "the last day must be after the first",
        );
        p.check(
            (1..=5000).contains(&self.hours),
            "input.hours",
            "hours are between 1 and 5,000",
        );
        p.check(
            self.seats_min >= 1,
            "input.seatsMin",
            "at least one participant is needed",
        );
        p.check(
            self.seats_max >= self.seats_min,
            "input.seatsMax",
            "seatsMax must be at least seatsMin",
        );
        p.check(
            self.seats_max <= 1000,
            "input.seatsMax",
            "at most 1,000 seats",
        );
        p.check(
            self.seats_max >= self.seats_taken,
            "input.seatsMax",
            format!("{} seats are already taken", self.seats_taken),
        );
        p.check(
            regions.get(&self.region).is_some(),
            "input.region",
            format!("unknown region `{}`", self.region),
        );
        p.check(
            (1..=100).contains(&chars(&self.city)),
            "input.city",
            "the city needs 1 to 100 characters",
        );
        p.check(
            self.deadline.is_none_or(|d| d < self.start),
            "input.registrationDeadline",
            "the registration deadline must be before the first day",
        );
        p.finish()
    }
}

/// Schedules a run of one of the caller's courses.
pub async fn schedule(
    db: &DatabaseConnection,
    principal: &Principal,
    regions: &RegionTree,
    input: &ScheduleCourseRunInput,
) -> AppResult<course_run::Model> {
    let course_id = id::decode_as(&input.course_id, NodeType::Course, "input.courseId")?;
    let mut p = Problems::default();
    let (cost_minor, currency) = money(&input.cost, &mut p);
    let status = input.status.unwrap_or(RunStatus::Planned);
    p.check(
        matches!(status, RunStatus::Planned | RunStatus::Open),
        "input.status",
        "a new run is PLANNED or OPEN",
    );
    p.check(
        input.start_date.0 >= crate::service::today(),
        "input.startDate",
        "a new run cannot start in the past",
    );
    let mut draft = RunDraft {
        start: input.start_date.0,
        end: input.end_date.0,
        hours: input.hours,
        format: input.format,
        schedule: input.schedule,
        seats_min: input.seats_min,
        seats_max: input.seats_max,
        seats_taken: 0,
        region: input.region.trim().to_owned(),
        city: input.city.clone(),
        cost_minor,
        currency,
        funding: input.funding_options.clone(),
        deadline: input.registration_deadline.map(|d| d.0),
        rolling_entry: input.rolling_entry,
        status,
    };
    let txn = crate::db::begin_write(db).await?;
    let result: AppResult<_> = async {
        // Ownership first: someone else's course is refused whatever the input says.
        courses::editable(&txn, principal, course_id).await?;
        draft.validate(regions, p)?;
        let now = Utc::now();
        let run = Entity::insert(course_run::ActiveModel {
            course_id: Set(course_id),
            start_date: Set(draft.start),
            end_date: Set(draft.end),
            hours: Set(draft.hours),
            format: Set(draft.format),
            schedule: Set(draft.schedule),
            seats_min: Set(draft.seats_min),
            seats_max: Set(draft.seats_max),
            seats_taken: Set(0),
            region_code: Set(draft.region),
            city: Set(draft.city),
            cost_minor: Set(draft.cost_minor),
            currency: Set(draft.currency),
            funding_options: Set(serde_json::to_value(&draft.funding).unwrap_or_default()),
            registration_deadline: Set(draft.deadline),
            rolling_entry: Set(draft.rolling_entry),
            status: Set(draft.status),
            cancellation_reason: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            ..Default::default()
        })
        .exec_with_returning(&txn)
        .await?;
        Ok(run)
    }
    .await;
    crate::db::finish(txn, result).await
}

/// Writes `draft` over run `id` if its version is still `expected`.
async fn write(
    txn: &DatabaseTransaction,
    id: i64,
    expected: i32,
    draft: RunDraft,
    cancellation_reason: Option<String>,
) -> AppResult<course_run::Model> {
    let updated = Entity::update_many()
        .col_expr(Column::StartDate, Expr::value(draft.start))
        .col_expr(Column::EndDate, Expr::value(draft.end))
        .col_expr(Column::Hours, Expr::value(draft.hours))
        .col_expr(Column::Format, Expr::value(draft.format))
        .col_expr(Column::Schedule, Expr::value(draft.schedule))
        .col_expr(Column::SeatsMin, Expr::value(draft.seats_min))
        .col_expr(Column::SeatsMax, Expr::value(draft.seats_max))
        .col_expr(Column::RegionCode, Expr::value(draft.region))
        .col_expr(Column::City, Expr::value(draft.city))
        .col_expr(Column::CostMinor, Expr::value(draft.cost_minor))
        .col_expr(Column::Currency, Expr::value(draft.currency))
        .col_expr(
            Column::FundingOptions,
            Expr::value(serde_json::to_value(&draft.funding).unwrap_or_default()),
        )
        .col_expr(Column::RegistrationDeadline, Expr::value(draft.deadline))
        .col_expr(Column::RollingEntry, Expr::value(draft.rolling_entry))
        .col_expr(Column::Status, Expr::value(draft.status))
        .col_expr(Column::CancellationReason, Expr::value(cancellation_reason))
        .col_expr(Column::UpdatedAt, Expr::value(Utc::now()))
        .col_expr(Column::Version, Expr::col(Column::Version).add(1))
        .filter(Column::Id.eq(id))
        .filter(Column::Version.eq(expected))
        .exec(txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(stale("course run", expected + 1));
    }
    Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::Internal("updated course run vanished".into()))
}

fn draft_of(run: &course_run::Model) -> RunDraft {
    RunDraft {
        start: run.start_date,
        end: run.end_date,
        hours: run.hours,
        format: run.format,
        schedule: run.schedule,
        seats_min: run.seats_min,
        seats_max: run.seats_max,
        seats_taken: run.seats_taken,
        region: run.region_code.clone(),
        city: run.city.clone(),
        cost_minor: run.cost_minor,
        currency: run.currency.clone(),
        funding: serde_json::from_value(run.funding_options.clone()).unwrap_or_default(),
        deadline: run.registration_deadline,
        rolling_entry: run.rolling_entry,
        status: run.status,
    }
}

/// Applies `input` to one of the caller's runs, if `expectedVersion` is current.
pub async fn update(
    db: &DatabaseConnection,
    principal: &Principal,
    regions: &RegionTree,
    input: &UpdateCourseRunInput,
) -> AppResult<course_run::Model> {
    let id = id::decode_as(&input.id, NodeType::CourseRun, "input.id")?;
    let txn = crate::db::begin_write(db).await?;
    let result: AppResult<_> = async {
        let current = editable(&txn, principal, id).await?;
        if current.version != input.expected_version {
            return Err(stale("course run", current.version));
        }
        let mut p = Problems::default();
        p.check(
            current.status != RunStatus::Cancelled,
            "input.id",
            "a cancelled run cannot be changed",
        );
        p.check(
            input.status != Some(RunStatus::Cancelled),
            "input.status",
            "cancel a run with cancelCourseRun, giving a reason",
        );
        let mut draft = draft_of(&current);
        if let Some(cost) = &input.cost {
            (draft.cost_minor, draft.currency) = money(cost, &mut p);
        }
        draft.start = input.start_date.map_or(draft.start, |d| d.0);
        draft.end = input.end_date.map_or(draft.end, |d| d.0);
        draft.hours = input.hours.unwrap_or(draft.hours);
        draft.format = input.format.unwrap_or(draft.format);
        draft.schedule = input.schedule.unwrap_or(draft.schedule);
        draft.seats_min = input.seats_min.unwrap_or(draft.seats_min);
        draft.seats_max = input.seats_max.unwrap_or(draft.seats_max);
        draft.region = input
            .region
            .as_deref()
            .map_or(draft.region, |r| r.trim().to_owned());
        draft.city = input.city.clone().unwrap_or(draft.city);
        draft.funding = input.funding_options.clone().unwrap_or(draft.funding);
        draft.deadline = patch(
            input.registration_deadline.map_value(|d| d.0),
            draft.deadline,
        );
        draft.rolling_entry = input.rolling_entry.unwrap_or(draft.rolling_entry);
        draft.status = input.status.unwrap_or(draft.status);
        draft.validate(regions, p)?;
        let run = write(&txn, id, input.expected_version, draft, None).await?;
        Ok(run)
    }
    .await;
    crate::db::finish(txn, result).await
}

/// Cancels one of the caller's runs, recording why.
pub async fn cancel(
    db: &DatabaseConnection,
    principal: &Principal,
    input: &CancelCourseRunInput,
) -> AppResult<course_run::Model> {
    let id = id::decode_as(&input.id, NodeType::CourseRun, "input.id")?;
    let txn = crate::db::begin_write(db).await?;
    let result: AppResult<_> = async {
        let current = editable(&txn, principal, id).await?;
        if current.version != input.expected_version {
            return Err(stale("course run", current.version));
        }
        let reason = input.reason.trim().to_owned();
        let mut p = Problems::default();
        p.check(
            (3..=1000).contains(&chars(&reason)),
            "input.reason",
            "give a reason of 3 to 1,000 characters",
        );
        p.check(
            !matches!(current.status, RunStatus::Cancelled | RunStatus::Completed),
            "input.id",
            format!(
                "a run that is {} cannot be cancelled",
                sea_orm::ActiveEnum::to_value(&current.status)
            ),
        );
        p.finish()?;
        let mut draft = draft_of(&current);
        draft.status = RunStatus::Cancelled;
        let run = write(&txn, id, input.expected_version, draft, Some(reason)).await?;
        Ok(run)
    }
    .await;
    crate::db::finish(txn, result).await
}
