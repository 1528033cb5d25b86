//! The partner directory: who takes part in the network, where, and how to reach them.

use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::service::contains_pattern;
use crate::service::pagination::{Ordering, SortKind};
use crate::service::regions::RegionTree;
use crate::service::validation::{Problems, chars};
use chrono::{NaiveDate, Utc};
use entity::organisation::{self, Column, EmployerType, Entity, OrganisationKind};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::sea_query::{ExprTrait, LikeExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Select};

/// Narrows the directory; every condition given must hold. Errors name these fields
/// (`region`, `search`).
#[derive(Debug, Clone, Default)]
pub struct OrganisationFilter {
    pub kind: Option<OrganisationKind>,
    /// Region code: located in it or below it.
    pub region: Option<String>,
    /// Text the name or city contains, case-insensitive.
    pub search: Option<String>,
}

/// A new partner organisation. Errors name the fields as partners know them (`name`,
/// `postalCode`).
#[derive(Debug, Clone)]
pub struct NewOrganisation {
    pub kind: OrganisationKind,
    pub employer_type: Option<EmployerType>,
    pub name: String,
    /// Region code.
    pub region: String,
    pub city: String,
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
    pub provider_number: Option<String>,
    pub azav_valid_until: Option<NaiveDate>,
}

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

/// The longest text `search` takes, in characters. Longer text cannot match a name and
/// city anyway, and an unbounded `LIKE` pattern is too complex for SQLite (from 50,000
/// bytes).
pub const MAX_SEARCH_CHARS: usize = 200;

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
    if let Some(codes) = regions.filter_codes(filter.region.as_deref(), "region")? {
        select = select.filter(Column::RegionCode.is_in(codes));
    }
    if let Some(search) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if search.chars().count() > MAX_SEARCH_CHARS {
            return Err(AppError::bad_input(
                "search",
                format!("search for at most {MAX_SEARCH_CHARS} characters"),
            ));
        }
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
        .filter(crate::service::one_of(
            db.get_database_backend(),
            Column::Id,
            ids,
        ))
        .all(db)
        .await?)
}

/// The lower-cased text that `search` matches against.
pub fn search_text(name: &str, city: &str) -> String {
    format!("{name} {city}").to_lowercase()
}

// ---------------------------------------------------------------------------------
// Writing: the hub operator registers partners.

/// Registers a partner organisation (operators only; the caller's `admin` scope is
/// checked by the field guard).
pub async fn register(
    db: &impl ConnectionTrait,
    regions: &RegionTree,
    input: &NewOrganisation,
) -> AppResult<organisation::Model> {
    let trimmed = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let name = input.name.trim().to_owned();
    let city = input.city.trim().to_owned();
    let region = input.region.trim().to_owned();
    let email = trimmed(&input.email);
    let website = trimmed(&input.website);
    let mut p = Problems::default();
    p.check(
        (2..=200).contains(&chars(&name)),
        "name",
        "the name needs 2 to 200 characters",
    );
    p.check(
        (1..=100).contains(&chars(&city)),
        "city",
        "the city needs 1 to 100 characters",
    );
    p.check(
        regions.get(&region).is_some(),
        "region",
        format!("unknown region `{region}`"),
    );
    p.check(
        input.employer_type.is_none() || input.kind == OrganisationKind::Employer,
        "employerType",
        "only employers have an employer type",
    );
    p.check(
        email
            .as_deref()
            .is_none_or(|e| e.contains('@') && !e.contains(' ') && e.len() <= 200),
        "email",
        "not an e-mail address",
    );
    for (value, field, max) in [
        (&input.street, "street", 200),
        (&input.postal_code, "postalCode", 16),
        (&input.phone, "phone", 50),
        (&input.provider_number, "providerNumber", 32),
    ] {
        p.check(
            trimmed(value).is_none_or(|v| chars(&v) <= max),
            field,
            format!("at most {max} characters"),
        );
    }
    p.check(
        website.as_deref().is_none_or(|w| {
            (w.starts_with("https://") || w.starts_with("http://")) && w.len() <= 200
        }),
        "website",
        "a website starts with https://",
    );
    p.finish()?;
    let now = Utc::now();
    Ok(Entity::insert(organisation::ActiveModel {
        kind: Set(input.kind),
        employer_type: Set(input.employer_type),
        search_text: Set(search_text(&name, &city)),
        name: Set(name),
        region_code: Set(region),
        city: Set(city),
        street: Set(trimmed(&input.street)),
        postal_code: Set(trimmed(&input.postal_code)),
        email: Set(email),
        phone: Set(trimmed(&input.phone)),
        website: Set(website),
        provider_number: Set(trimmed(&input.provider_number)),
        azav_valid_until: Set(input.azav_valid_until),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    })
    .exec_with_returning(db)
    .await?)
}
