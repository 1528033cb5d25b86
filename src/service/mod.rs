//! Business rules and row visibility, one file (or folder) per domain, callable without
//! GraphQL: bulk imports, subscriptions and federation entities call them as the
//! resolvers do. Nothing here knows GraphQL or HTTP (`tests/architecture.rs`).
//!
//! Every domain has the same shape:
//! - its own command and filter types (`courses::NewCourse`, `CourseFilter`); errors
//!   name the fields of those (`title`), the caller says where they sit (`input.title`);
//! - `visible_to(&Principal) -> Select<…>`: the one place that says which rows a caller
//!   may see. Lists, lookups, loaders and mutations start from it, so the rule is always
//!   applied inside the SQL;
//! - for a writable entity, `editable_by(&Principal) -> Select<…>` and a
//!   [`access::WriteRule`] that finds a row to change through it, with one rule for
//!   `NOT_FOUND` and `FORBIDDEN`;
//! - writes in one transaction each (`crate::db::write`);
//! - nested lists as a [`pagination::ChildList`], which the loaders serve for many
//!   parents in one statement.

pub mod access;
pub mod audit;
pub mod candidates;
pub mod cases;
pub mod clients;
pub mod consultations;
pub mod countries;
pub mod course_runs;
pub mod courses;
pub mod disclosure;
pub mod enrolments;
pub mod events;
pub mod exam_sessions;
pub mod funding;
pub mod imports;
pub mod json_select;
pub mod labels;
pub mod live;
pub mod organisations;
pub mod pagination;
pub mod placements;
pub mod professions;
pub mod regions;
pub mod requests;
pub mod statistics;
pub mod validation;

use crate::error::AppResult;
use professions::ProfessionCatalog;
use regions::RegionTree;
use sea_orm::DatabaseConnection;

/// Reference data (regions, professions), immutable between migrations.
#[derive(Debug, Default)]
pub struct Reference {
    pub regions: RegionTree,
    pub professions: ProfessionCatalog,
}

impl Reference {
    /// Reads the reference tables.
    pub async fn load(db: &DatabaseConnection) -> AppResult<Reference> {
        Ok(Reference {
            regions: RegionTree::load(db).await?,
            professions: ProfessionCatalog::load(db).await?,
        })
    }
}

/// Today's date (UTC), the reference for "upcoming" and "still open".
pub fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Rows grouped by their parent key, with an empty list for every parent asked for
/// that has none (so a loader can tell "none" from "not loaded").
pub fn group_by_parent<M, V>(
    parents: &[i64],
    rows: Vec<M>,
    split: impl Fn(M) -> (i64, V),
) -> std::collections::HashMap<i64, Vec<V>> {
    let mut out: std::collections::HashMap<i64, Vec<V>> =
        parents.iter().map(|id| (*id, Vec::new())).collect();
    for row in rows {
        let (parent, value) = split(row);
        out.entry(parent).or_default().push(value);
    }
    out
}

/// A `LIKE` pattern matching `text` anywhere, with `%`, `_` and `\` escaped.
pub fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for ch in text.to_lowercase().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(ch);
    }
    pattern.push('%');
    pattern
}

/// `column IN (ids)` written so that the statement's text does not depend on how many
/// ids there are: `column = ANY($1)` with one array parameter on PostgreSQL, whose
/// prepared statement is then reused by every batch; a plain `IN (…)` on SQLite, which
/// prepares statements cheaply.
pub fn one_of<C: sea_orm::ColumnTrait>(
    backend: sea_orm::DbBackend,
    column: C,
    ids: &[i64],
) -> sea_orm::sea_query::SimpleExpr {
    use sea_orm::sea_query::{Expr, ExprTrait, extension::postgres::PgFunc};
    match backend {
        sea_orm::DbBackend::Postgres => Expr::col((column.entity_name(), column))
            .eq(PgFunc::any(Expr::val(sea_orm::Value::from(ids.to_vec())))),
        _ => column.is_in(ids.iter().copied()),
    }
}
