//! How an `AppError` reaches a GraphQL client: `extensions.code` and the details that
//! go with it.

use crate::error::AppError;
use async_graphql::ServerError;

/// Writes `code` (and `field`, `retryAfter`, `incident` where they apply) into the
/// extensions of the GraphQL error this one became, and logs internal causes.
pub fn decorate(app: &AppError, err: &mut ServerError) {
    let ext = err.extensions.get_or_insert_with(Default::default);
    ext.set("code", app.code());
    match app {
        AppError::BadUserInput {
            field, problems, ..
        } => {
            if let Some(field) = field {
                ext.set("field", field.as_str());
            }
            if !problems.is_empty() {
                let list: Vec<async_graphql::Value> = problems
                    .iter()
                    .map(|p| {
                        let mut m = async_graphql::indexmap::IndexMap::new();
                        m.insert(
                            async_graphql::Name::new("field"),
                            async_graphql::Value::from(p.field.as_str()),
                        );
                        m.insert(
                            async_graphql::Name::new("message"),
                            async_graphql::Value::from(p.message.as_str()),
                        );
                        async_graphql::Value::Object(m)
                    })
                    .collect();
                ext.set("fieldErrors", async_graphql::Value::List(list));
            }
        }
        AppError::RateLimited { retry_after_secs } => ext.set("retryAfter", *retry_after_secs),
        AppError::BudgetExceeded {
            remaining,
            currency,
            ..
        } => {
            ext.set("remaining", remaining.as_str());
            ext.set("currency", currency.as_str());
        }
        AppError::Internal(cause) => {
            // The id lets an operator find the cause from a partner's report.
            let incident = incident_id();
            tracing::error!(incident = %incident, cause = %cause, "internal error");
            ext.set("incident", incident.as_str());
            err.message = format!("internal error (incident {incident})");
        }
        _ => {}
    }
}

/// A short random identifier for correlating a reported error with the log.
fn incident_id() -> String {
    use rand::Rng;
    let n: u64 = rand::rng().random();
    format!("{n:016x}")
}
