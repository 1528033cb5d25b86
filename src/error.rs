//! The one error type of the hub and how it reaches a GraphQL client.
//!
//! Resolvers return `AppError` with `?`; async-graphql keeps it as the error's source,
//! and the schema extension (`graphql::extensions`, through `graphql::errors`) turns it
//! into `extensions.code` when the response is assembled, so no call site can forget
//! the code. This module knows nothing of GraphQL: services and HTTP handlers use it
//! alike.
//!
//! Every variant maps to a stable `extensions.code`; partners program against the code,
//! never against the message. Internal details (SQL, driver errors) are logged with a
//! correlation id and replaced by a generic message, so nothing about the database
//! leaks to a caller.

use sea_orm::DbErr;

/// An error a resolver, service function or HTTP handler can return.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AppError {
    /// No valid credentials for an operation that needs them (`UNAUTHENTICATED`).
    #[error("{0}")]
    Unauthenticated(String),
    /// The caller is known but lacks a scope or role (`FORBIDDEN`).
    #[error("{0}")]
    Forbidden(String),
    /// The object does not exist or the caller may not see it (`NOT_FOUND`); both read
    /// the same, so existence never leaks.
    #[error("{0} not found")]
    NotFound(String),
    /// The input is invalid (`BAD_USER_INPUT`); `field` names the offending input path,
    /// for example `filter.region` or `first`.
    #[error("{message}")]
    BadUserInput {
        /// What is wrong, in words a partner's developer can act on.
        message: String,
        /// Path of the offending argument or input field.
        field: Option<String>,
        /// Every problem found, when an input has more than one (`extensions.fieldErrors`).
        problems: Vec<FieldProblem>,
    },
    /// The object changed since the caller read it (`CONFLICT`).
    #[error("{0}")]
    Conflict(String),
    /// A grant larger than what remains of a programme's budget (`BUDGET_EXCEEDED`);
    /// `remaining` says how much is left, as a decimal amount of `currency`.
    #[error(
        "the programme has {remaining} {currency} left; {requested} {currency} cannot be granted"
    )]
    BudgetExceeded {
        remaining: String,
        requested: String,
        currency: String,
    },
    /// The caller sent too many requests (`RATE_LIMITED`).
    #[error("too many requests; retry after {retry_after_secs} s")]
    RateLimited {
        /// Seconds until a new request will be accepted.
        retry_after_secs: u64,
    },
    /// Anything else (`INTERNAL_SERVER_ERROR`); the cause is logged, not sent.
    #[error("internal error")]
    Internal(String),
}

/// One invalid input field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

impl AppError {
    /// A `BAD_USER_INPUT` error about `field`.
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::BadUserInput {
            message: message.into(),
            field: Some(field.into()),
            problems: Vec::new(),
        }
    }

    /// The message of an input with these problems: the one problem's message, or
    /// every problem with its field.
    pub fn summary(problems: &[FieldProblem]) -> String {
        match problems {
            [one] => one.message.clone(),
            many => many
                .iter()
                .map(|p| format!("{}: {}", p.field, p.message))
                .collect::<Vec<_>>()
                .join("; "),
        }
    }

    /// The same error with every input path rewritten by `rename`: a service names the
    /// fields of its own command (`scopes`), the GraphQL layer says where they are in
    /// the operation (`input.scopes`). A message that lists several problems names
    /// them by the new paths too.
    pub fn map_fields(self, rename: impl Fn(&str) -> String) -> Self {
        match self {
            AppError::BadUserInput {
                message,
                field,
                problems,
            } => {
                let problems: Vec<FieldProblem> = problems
                    .into_iter()
                    .map(|p| FieldProblem {
                        field: rename(&p.field),
                        message: p.message,
                    })
                    .collect();
                let message = if problems.len() > 1 {
                    AppError::summary(&problems)
                } else {
                    message
                };
                AppError::BadUserInput {
                    message,
                    field: field.map(|f| rename(&f)),
                    problems,
                }
            }
            other => other,
        }
    }

    /// The value of `extensions.code` for this error.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated(_) => "UNAUTHENTICATED",
            AppError::Forbidden(_) => "FORBIDDEN",
            AppError::NotFound(_) => "NOT_FOUND",
            AppError::BadUserInput { .. } => "BAD_USER_INPUT",
            AppError::Conflict(_) => "CONFLICT",
            AppError::BudgetExceeded { .. } => "BUDGET_EXCEEDED",
            AppError::RateLimited { .. } => "RATE_LIMITED",
            AppError::Internal(_) => "INTERNAL_SERVER_ERROR",
        }
    }
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        AppError::Internal(format!("database: {err}"))
    }
}

impl From<std::sync::Arc<DbErr>> for AppError {
    fn from(err: std::sync::Arc<DbErr>) -> Self {
        AppError::Internal(format!("database: {err}"))
    }
}

/// Result of a service function.
pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moved_fields_keep_their_paths_in_the_message_too() {
        let problems = vec![
            FieldProblem {
                field: "title".into(),
                message: "too short".into(),
            },
            FieldProblem {
                field: "cost.amount".into(),
                message: "not a number".into(),
            },
        ];
        let err = AppError::BadUserInput {
            message: AppError::summary(&problems),
            field: Some("title".into()),
            problems,
        }
        .map_fields(|f| format!("input.{f}"));
        match err {
            AppError::BadUserInput {
                message,
                field,
                problems,
            } => {
                assert_eq!(
                    message,
                    "input.title: too short; input.cost.amount: not a number"
                );
                assert_eq!(field.as_deref(), Some("input.title"));
                assert_eq!(problems[1].field, "input.cost.amount");
            }
            other => panic!("{other:?}"),
        }
        let one = AppError::bad_input("title", "too short").map_fields(|f| format!("input.{f}"));
        assert_eq!(one.to_string(), "too short");
    }
}
