//! Collecting input problems so a client learns about all of them in one round trip, and
//! the rules every input keeps whatever field it arrives in (dates, NUL characters).

use crate::error::{AppError, AppResult, FieldProblem};
use chrono::NaiveDate;

/// The first day the hub accepts. With [`LAST_DATE`] it keeps every date at a
/// four-digit year, the one range both databases handle alike: PostgreSQL has no dates
/// before 4713 BC, and SQLite compares dates as text, which orders `+10000-01-01` before
/// `2027-01-01`.
pub const FIRST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(1, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};
/// The last day the hub accepts (see [`FIRST_DATE`]).
pub const LAST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MAX,
};

/// Reads a date (`YYYY-MM-DD`) from a client: in a `Date` input or a cursor. Dates
/// outside [`FIRST_DATE`]..=[`LAST_DATE`] are refused.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("`{text}` is not a date of the form YYYY-MM-DD"))?;
    if !(FIRST_DATE..=LAST_DATE).contains(&date) {
        return Err(format!(
            "`{text}` is outside the dates the hub accepts ({FIRST_DATE} to {LAST_DATE})"
        ));
    }
    Ok(date)
}

/// Whether `text` holds a NUL character, which no field accepts: PostgreSQL refuses it in
/// text, and SQLite would store it, or end a comparison at it.
pub fn has_nul(text: &str) -> bool {
    text.contains('\0')
}

/// What a client is told about a NUL character in `field`.
pub fn nul_message(field: &str) -> String {
    format!("`{field}` contains a NUL character (U+0000), which no field accepts")
}

/// The name a partner knows an enum value by (`KNOWLEDGE_TEST`): the serialised name,
/// which every shared enum keeps equal to its GraphQL name. Messages use it, never the
/// Rust variant.
pub fn value_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::from("?"),
    }
}

/// Problems found in one input.
#[derive(Debug, Default)]
pub struct Problems(Vec<FieldProblem>);

impl Problems {
    /// Records a problem with `field` unless `ok`.
    pub fn check(&mut self, ok: bool, field: &str, message: impl Into<String>) {
        if !ok {
            self.0.push(FieldProblem {
                field: field.to_owned(),
                message: message.into(),
            });
        }
    }

    /// `Ok` if nothing was found; otherwise a `BAD_USER_INPUT` naming the first field
    /// and listing all problems.
    pub fn finish(self) -> AppResult<()> {
        let Some(first) = self.0.first().cloned() else {
            return Ok(());
        };
        Err(AppError::BadUserInput {
            message: AppError::summary(&self.0),
            field: Some(first.field),
            problems: self.0,
        })
    }
}

/// A change to an optional field: leave it, clear it, or set it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Patch<T> {
    /// The field stays as it is.
    #[default]
    Keep,
    /// The field becomes empty.
    Clear,
    /// The field takes this value.
    Set(T),
}

impl<T> Patch<T> {
    /// The field's value after the change.
    pub fn apply(self, current: Option<T>) -> Option<T> {
        match self {
            Patch::Keep => current,
            Patch::Clear => None,
            Patch::Set(v) => Some(v),
        }
    }
}

/// Number of characters of the trimmed text.
pub fn chars(text: &str) -> usize {
    text.trim().chars().count()
}

/// Parses a decimal amount (`1250`, `1250.5`, `1250.00`) into minor units.
pub fn parse_amount(text: &str) -> Option<i64> {
    let text = text.trim();
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 2
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = format!("{frac:0<2}").parse().ok()?;
    whole.checked_mul(100)?.checked_add(frac)
}

/// Minor units as a decimal text with two fraction digits (`125000` → `1250.00`): the
/// inverse of [`parse_amount`].
pub fn format_amount(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_keep_to_four_digit_years() {
        assert_eq!(parse_date("2027-03-01").unwrap().to_string(), "2027-03-01");
        assert_eq!(parse_date("0001-01-01").unwrap(), FIRST_DATE);
        assert_eq!(parse_date("9999-12-31").unwrap(), LAST_DATE);
        for bad in [
            "+10000-01-01",
            "-4714-11-24",
            "0000-12-31",
            "June",
            "2027-02-30",
        ] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
        assert_eq!(FIRST_DATE.to_string(), "0001-01-01");
    }

    #[test]
    fn amounts_parse_to_minor_units() {
        assert_eq!(parse_amount("1250"), Some(125_000));
        assert_eq!(parse_amount("1250.5"), Some(125_050));
        assert_eq!(parse_amount("0.05"), Some(5));
        assert_eq!(format_amount(630_000_000), "6300000.00");
        assert_eq!(format_amount(-5), "-0.05");
        for bad in ["", "-1", "1,50", "1.234", "abc", "1e3", ".5"] {
            assert_eq!(parse_amount(bad), None, "{bad}");
        }
    }

    #[test]
    fn all_problems_are_reported_with_the_first_field() {
        let mut p = Problems::default();
        p.check(true, "a", "fine");
        p.check(false, "input.title", "too short");
        p.check(false, "input.seatsMin", "at least 1");
        match p.finish().unwrap_err() {
            AppError::BadUserInput {
                field, problems, ..
            } => {
                assert_eq!(field.as_deref(), Some("input.title"));
                assert_eq!(problems.len(), 2);
            }
            other => panic!("{other:?}"),
        }
    }
}
