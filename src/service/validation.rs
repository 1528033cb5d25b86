//! Collecting input problems so a client learns about all of them in one round trip.

use crate::error::{AppError, AppResult, FieldProblem};

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
        let message = if self.0.len() == 1 {
            first.message.clone()
        } else {
            self.0
                .iter()
                .map(|p| format!("{}: {}", p.field, p.message))
                .collect::<Vec<_>>()
                .join("; ")
        };
        Err(AppError::BadUserInput {
            message,
            field: Some(first.field),
            problems: self.0,
        })
    }
}

/// An optional field after a patch: absent keeps `current`, `null` clears it.
pub fn patch<T>(change: async_graphql::MaybeUndefined<T>, current: Option<T>) -> Option<T> {
    match change {
        async_graphql::MaybeUndefined::Undefined => current,
        async_graphql::MaybeUndefined::Null => None,
        async_graphql::MaybeUndefined::Value(v) => Some(v),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_to_minor_units() {
        assert_eq!(parse_amount("1250"), Some(125_000));
        assert_eq!(parse_amount("1250.5"), Some(125_050));
        assert_eq!(parse_amount("0.05"), Some(5));
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
