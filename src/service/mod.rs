//! Business rules and row visibility, one file per domain, callable without GraphQL.
//!
//! Every domain exposes `visible_to(&Principal) -> Select<…>`: the one place that says
//! which rows a caller may see. Lists, lookups, loaders and mutations start from it, so
//! the rule is always applied inside the SQL.

pub mod audit;
pub mod candidates;
pub mod cases;
pub mod clients;
pub mod countries;
pub mod course_runs;
pub mod courses;
pub mod organisations;
pub mod pagination;
pub mod professions;
pub mod regions;
pub mod validation;

/// Today's date (UTC), the reference for "upcoming" and "still open".
pub fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
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
