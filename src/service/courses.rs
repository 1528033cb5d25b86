//! The course catalogue: offers of schools and providers and the professions they serve.

use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::id::NodeType;
use crate::service::access::{WriteRule, nothing};
use crate::service::course_runs;
use crate::service::pagination::{ChildList, Ordering, SortKind};
use crate::service::professions::ProfessionCatalog;
use crate::service::regions::RegionTree;
use crate::service::validation::{Patch, Problems, chars};
use chrono::{NaiveDate, Utc};
use entity::course::{self, Column, CourseType, Entity};
use entity::course_run::{CourseFormat, RunStatus};
use entity::enums::LanguageLevel;
use entity::organisation::OrganisationKind;
use entity::{course_profession, course_run, organisation};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Select,
};
use std::collections::HashMap;

/// Narrows the catalogue; every condition given must hold. Errors name these fields
/// (`region`, `profession`).
#[derive(Debug, Clone, Default)]
pub struct CourseFilter {
    /// Profession key, such as `nurse`.
    pub profession: Option<String>,
    pub course_type: Option<CourseType>,
    /// Region code: the provider or one of the runs is in it or below it.
    pub region: Option<String>,
    /// A run (not cancelled) in this format.
    pub format: Option<CourseFormat>,
    pub bildungsgutschein: Option<bool>,
    /// A run one can still register for (true), or none (false).
    pub has_open_run: Option<bool>,
}

/// A new course of the caller's organisation. Errors name the fields as partners know
/// them (`title`, `azavMeasureNumber`).
#[derive(Debug, Clone)]
pub struct NewCourse {
    pub course_type: CourseType,
    pub title: String,
    pub description: String,
    /// Profession keys, at least one.
    pub professions: Vec<String>,
    pub language_level: Option<LanguageLevel>,
    pub azav_measure_number: Option<String>,
    pub azav_valid_until: Option<NaiveDate>,
    pub bildungsgutschein: bool,
}

/// Changes to course `id`, based on `expected_version`; `None` and `Patch::Keep` leave
/// a field as it is.
#[derive(Debug, Clone)]
pub struct CourseChanges {
    pub id: i64,
    pub expected_version: i32,
    pub course_type: Option<CourseType>,
    pub title: Option<String>,
    pub description: Option<String>,
    /// Replaces the list.
    pub professions: Option<Vec<String>>,
    pub language_level: Patch<LanguageLevel>,
    pub azav_measure_number: Patch<String>,
    pub azav_valid_until: Patch<NaiveDate>,
    pub bildungsgutschein: Option<bool>,
}

/// Courses are sorted by title, then id.
pub const BY_TITLE: Ordering<Entity> = Ordering {
    name: "course.title",
    sort: Some((Column::Title, SortKind::Text)),
    id: Column::Id,
    sort_value: |m| Some(m.title.clone()),
    row_id: |m| m.id,
};

/// `SELECT course_id FROM course_profession WHERE profession_key = key`.
pub fn for_profession(key: &str) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(course_profession::Column::CourseId)
        .from(course_profession::Entity)
        .and_where(course_profession::Column::ProfessionKey.eq(key))
        .to_owned()
}

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
        professions.require(key, "profession")?;
        select = select.filter(Column::Id.in_subquery(for_profession(key)));
    }
    if let Some(t) = filter.course_type {
        select = select.filter(Column::CourseType.eq(t));
    }
    if let Some(codes) = regions.filter_codes(filter.region.as_deref(), "region")? {
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
        .filter(crate::service::one_of(
            db.get_database_backend(),
            Column::Id,
            ids,
        ))
        .all(db)
        .await?)
}

/// The courses of each provider (`Organisation.courses`), by title.
pub const OF_PROVIDER: ChildList<Entity, ()> = ChildList {
    order: &BY_TITLE,
    parent: Column::ProviderId,
    parent_of: |m| m.provider_id,
    select: |principal, _, _| Ok(visible_to(principal)),
};

/// The profession keys of each course, in reference order.
pub async fn professions_of(
    db: &impl ConnectionTrait,
    principal: &Principal,
    professions: &ProfessionCatalog,
    course_ids: &[i64],
) -> AppResult<HashMap<i64, Vec<String>>> {
    let rows = course_profession::Entity::find()
        .filter(crate::service::one_of(
            db.get_database_backend(),
            course_profession::Column::CourseId,
            course_ids,
        ))
        .filter(
            course_profession::Column::CourseId.in_subquery(sea_orm::QueryTrait::into_query(
                visible_to(principal)
                    .select_only()
                    .column(Column::Id)
                    .filter(crate::service::one_of(
                        db.get_database_backend(),
                        Column::Id,
                        course_ids,
                    )),
            )),
        )
        .order_by_asc(course_profession::Column::CourseId)
        .all(db)
        .await?;
    let mut out =
        crate::service::group_by_parent(course_ids, rows, |r| (r.course_id, r.profession_key));
    for keys in out.values_mut() {
        professions.sort_keys(keys);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------
// Writing: schools and providers register and maintain their own courses.

/// The organisation of a caller who may write courses: a school or provider. (The
/// `courses:write` scope is the operation's, checked where it is called.)
pub fn course_writer(principal: &Principal) -> AppResult<i64> {
    crate::service::access::organisation_of_kind(
        principal,
        &[OrganisationKind::School, OrganisationKind::Provider],
        "only schools and course providers register and change courses",
    )
}

/// Rows of `course` the caller may change: its own organisation's, if it may write
/// courses at all.
pub fn editable_by(principal: &Principal) -> Select<Entity> {
    match course_writer(principal) {
        Ok(org) => visible_to(principal).filter(Column::ProviderId.eq(org)),
        Err(_) => visible_to(principal).filter(nothing()),
    }
}

/// Who may change a course.
pub const WRITE: WriteRule<Entity> = WriteRule {
    what: "course",
    node: NodeType::Course,
    id: Column::Id,
    visible_to,
    editable_by,
    writer: course_writer,
    foreign: "this course belongs to another provider",
};

/// A course as it would be stored, for validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CourseDraft {
    pub(crate) course_type: course::CourseType,
    pub(crate) title: String,
    pub(crate) description: String,
    pub(crate) professions: Vec<String>,
    pub(crate) language_level: Option<LanguageLevel>,
    pub(crate) azav_measure_number: Option<String>,
    pub(crate) azav_valid_until: Option<NaiveDate>,
    pub(crate) bildungsgutschein: bool,
    pub(crate) external_id: Option<String>,
}

impl From<NewCourse> for CourseDraft {
    fn from(new: NewCourse) -> Self {
        CourseDraft {
            course_type: new.course_type,
            title: new.title,
            description: new.description,
            professions: new.professions,
            language_level: new.language_level,
            azav_measure_number: new.azav_measure_number,
            azav_valid_until: new.azav_valid_until,
            bildungsgutschein: new.bildungsgutschein,
            external_id: None,
        }
    }
}

impl CourseDraft {
    /// The course `stored` with its `professions`, as a draft.
    pub(crate) fn of(stored: &course::Model, professions: Vec<String>) -> Self {
        CourseDraft {
            course_type: stored.course_type,
            title: stored.title.clone(),
            description: stored.description.clone(),
            professions,
            language_level: stored.language_level,
            azav_measure_number: stored.azav_measure_number.clone(),
            azav_valid_until: stored.azav_valid_until,
            bildungsgutschein: stored.bildungsgutschein,
            external_id: stored.external_id.clone(),
        }
    }

    /// Tidies the draft (trims, drops repeated professions) and checks it; all problems
    /// at once.
    pub(crate) fn validate(
        &mut self,
        catalog: &ProfessionCatalog,
        today: NaiveDate,
    ) -> AppResult<()> {
        self.validate_with(catalog, today, Problems::default())
    }

    /// [`CourseDraft::validate`], adding to problems found before.
    pub(crate) fn validate_with(
        &mut self,
        catalog: &ProfessionCatalog,
        today: NaiveDate,
        mut p: Problems,
    ) -> AppResult<()> {
        self.title = self.title.trim().to_owned();
        self.azav_measure_number = self
            .azav_measure_number
            .take()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        let mut seen = std::collections::HashSet::new();
        self.professions.retain(|p| seen.insert(p.clone()));
        p.check(
            (3..=200).contains(&chars(&self.title)),
            "title",
            "the title needs 3 to 200 characters",
        );
        p.check(
            chars(&self.description) <= 5000,
            "description",
            "the description has at most 5,000 characters",
        );
        p.check(
            self.azav_measure_number
                .as_deref()
                .is_none_or(|n| chars(n) <= 64),
            "azavMeasureNumber",
            "the AZAV measure number has at most 64 characters",
        );
        p.check(
            !self.professions.is_empty(),
            "professions",
            "name at least one profession",
        );
        for key in &self.professions {
            p.check(
                catalog.get(key).is_some(),
                "professions",
                format!("unknown profession `{key}`"),
            );
        }
        if self.bildungsgutschein {
            p.check(
                self.azav_measure_number.is_some(),
                "azavMeasureNumber",
                "a Bildungsgutschein course needs its AZAV measure number",
            );
            p.check(
                self.azav_valid_until.is_some_and(|d| d > today),
                "azavValidUntil",
                "a Bildungsgutschein course needs an AZAV approval that is valid after today",
            );
        }
        p.finish()
    }
}

async fn write_professions(
    txn: &DatabaseTransaction,
    course_id: i64,
    keys: &[String],
) -> AppResult<()> {
    course_profession::Entity::delete_many()
        .filter(course_profession::Column::CourseId.eq(course_id))
        .exec(txn)
        .await?;
    course_profession::Entity::insert_many(keys.iter().map(|k| course_profession::ActiveModel {
        course_id: Set(course_id),
        profession_key: Set(k.clone()),
    }))
    .exec(txn)
    .await?;
    Ok(())
}

/// Registers a course of the caller's organisation.
pub async fn register(
    db: &DatabaseConnection,
    principal: &Principal,
    catalog: &ProfessionCatalog,
    new: NewCourse,
) -> AppResult<course::Model> {
    let provider = course_writer(principal)?;
    let mut draft = CourseDraft::from(new);
    draft.validate(catalog, crate::service::today())?;
    crate::db::write(db, async |txn| insert(txn, provider, draft).await).await
}

/// Stores `draft` (validated) as a new course of `provider`.
pub(crate) async fn insert(
    txn: &DatabaseTransaction,
    provider: i64,
    draft: CourseDraft,
) -> AppResult<course::Model> {
    let now = Utc::now();
    let course = Entity::insert(course::ActiveModel {
        provider_id: Set(provider),
        course_type: Set(draft.course_type),
        title: Set(draft.title),
        description: Set(draft.description),
        language_level: Set(draft.language_level),
        azav_measure_number: Set(draft.azav_measure_number),
        azav_valid_until: Set(draft.azav_valid_until),
        bildungsgutschein: Set(draft.bildungsgutschein),
        external_id: Set(draft.external_id),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    })
    .exec_with_returning(txn)
    .await?;
    write_professions(txn, course.id, &draft.professions).await?;
    Ok(course)
}

/// Applies `changes` to one of the caller's courses, if `expected_version` is current.
pub async fn update(
    db: &DatabaseConnection,
    principal: &Principal,
    catalog: &ProfessionCatalog,
    changes: CourseChanges,
) -> AppResult<course::Model> {
    let id = changes.id;
    crate::db::write(db, async |txn| {
        let current = WRITE.editable(txn, principal, id).await?;
        if current.version != changes.expected_version {
            return Err(stale("course", current.version));
        }
        let replaces_professions = changes.professions.is_some();
        let professions = match changes.professions {
            Some(p) => p,
            None => professions_of(txn, principal, catalog, &[id])
                .await?
                .remove(&id)
                .unwrap_or_default(),
        };
        let mut draft = CourseDraft {
            course_type: changes.course_type.unwrap_or(current.course_type),
            title: changes.title.unwrap_or(current.title),
            description: changes.description.unwrap_or(current.description),
            professions,
            language_level: changes.language_level.apply(current.language_level),
            azav_measure_number: changes
                .azav_measure_number
                .apply(current.azav_measure_number),
            azav_valid_until: changes.azav_valid_until.apply(current.azav_valid_until),
            bildungsgutschein: changes
                .bildungsgutschein
                .unwrap_or(current.bildungsgutschein),
            external_id: current.external_id,
        };
        draft.validate(catalog, crate::service::today())?;
        overwrite(
            txn,
            id,
            changes.expected_version,
            draft,
            replaces_professions,
        )
        .await
    })
    .await
}

/// Writes `draft` (validated) over course `id` if its version is still `expected`,
/// replacing its professions if `replaces_professions`.
pub(crate) async fn overwrite(
    txn: &DatabaseTransaction,
    id: i64,
    expected: i32,
    draft: CourseDraft,
    replaces_professions: bool,
) -> AppResult<course::Model> {
    // Its runs show the course (title, type, professions): their subscribers see it.
    let runs: Vec<i64> = course_run::Entity::find()
        .select_only()
        .column(course_run::Column::Id)
        .filter(course_run::Column::CourseId.eq(id))
        .into_tuple()
        .all(txn)
        .await?;
    for run in runs {
        crate::db::changes::record(crate::db::changes::Change::CourseRun(run));
    }
    let updated = Entity::update_many()
        .col_expr(Column::CourseType, Expr::value(draft.course_type))
        .col_expr(Column::Title, Expr::value(draft.title))
        .col_expr(Column::Description, Expr::value(draft.description))
        .col_expr(Column::LanguageLevel, Expr::value(draft.language_level))
        .col_expr(
            Column::AzavMeasureNumber,
            Expr::value(draft.azav_measure_number),
        )
        .col_expr(Column::AzavValidUntil, Expr::value(draft.azav_valid_until))
        .col_expr(
            Column::Bildungsgutschein,
            Expr::value(draft.bildungsgutschein),
        )
        .col_expr(Column::ExternalId, Expr::value(draft.external_id))
        .col_expr(Column::UpdatedAt, Expr::value(Utc::now()))
        .col_expr(Column::Version, Expr::col(Column::Version).add(1))
        .filter(Column::Id.eq(id))
        .filter(Column::Version.eq(expected))
        .exec_with_returning(txn)
        .await?;
    // Another writer may have committed between the read and this update.
    let Some(course) = updated.into_iter().next() else {
        let current = Entity::find_by_id(id)
            .one(txn)
            .await?
            .ok_or_else(|| AppError::Internal("updated course vanished".into()))?;
        return Err(stale("course", current.version));
    };
    if replaces_professions {
        write_professions(txn, id, &draft.professions).await?;
    }
    Ok(course)
}

/// Why an update that names the `expected` version and a capacity in its `WHERE`
/// changed no row, given the row's `version` now: someone changed it since it was read
/// (`CONFLICT`), or more of the capacity is taken than the update would leave
/// (`BAD_USER_INPUT` on `field`, saying `taken`).
pub fn stale_or_over(
    what: &str,
    expected: i32,
    version: i32,
    field: &str,
    taken: String,
) -> AppError {
    if version != expected {
        return stale(what, version);
    }
    AppError::bad_input(field, taken)
}

/// The `CONFLICT` of a write based on an old version.
pub fn stale(what: &str, current: i32) -> AppError {
    AppError::Conflict(format!(
        "the {what} changed since you read it (current version {current}); read it again and retry"
    ))
}
