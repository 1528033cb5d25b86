//! `GET /stats.csv`: the table `statistics` answers, as CSV for the overviews networks
//! send around. Same token, scope (`stats:read`), rules and rate limit as the GraphQL
//! query; the parameters are its arguments (README, "Statistics as CSV").

use super::client_addr::ClientAddr;
use super::graphql::{identify, settle};
use super::refusal::error_response;
use super::state::AppState;
use crate::error::AppError;
use crate::graphql::CostBudget;
use crate::graphql::id::{self, NodeType};
use crate::service::disclosure::{Flag, Policy};
use crate::service::statistics::{self as stats, Cell, Dimension, Filter, Table};
use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use entity::enums::Lang;
use entity::recognition_case::{CaseOrigin, CaseStatus};
use sea_orm::ActiveEnum;

/// The statistics table of the query string's parameters, as CSV.
pub async fn get(
    State(state): State<AppState>,
    Extension(addr): Extension<ClientAddr>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let caller = match identify(&state, &headers, addr).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let response = answer(&state, &caller.principal, caller.budget.as_deref(), query).await;
    settle(caller.budget.as_ref(), response)
}

async fn answer(
    state: &AppState,
    principal: &crate::auth::Principal,
    budget: Option<&super::rate_limit::RequestBudget>,
    query: Option<String>,
) -> Response {
    let (group_by, filter, lang) = match parameters(query.as_deref().unwrap_or("")) {
        Ok(p) => p,
        Err(err) => return refused(err),
    };
    let policy = Policy::with_threshold(state.limits.stats_threshold).unwrap_or_default();
    let table = match stats::table(
        &state.db,
        principal,
        &state.reference,
        policy,
        &group_by,
        &filter,
        lang,
    )
    .await
    {
        Ok(t) => t,
        Err(err) => return refused(err),
    };
    // Charged like the GraphQL query: a value per figure of every row.
    let rows = table.cells.len() + table.margins.iter().map(|m| m.cells.len()).sum::<usize>() + 1;
    if let Some(budget) = budget
        && let Err(err) = budget.charge((rows * (group_by.len() * 2 + 5)) as u64)
    {
        return refused(err);
    }
    match render(&table, policy) {
        Ok(body) => (
            StatusCode::OK,
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/csv; charset=utf-8"),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    HeaderValue::from_static("attachment; filename=\"statistics.csv\""),
                ),
            ],
            body,
        )
            .into_response(),
        Err(err) => refused(err),
    }
}

/// An error as the GraphQL endpoint would report it, with its HTTP status.
fn refused(err: AppError) -> Response {
    let status = match &err {
        AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::BadUserInput { .. } => StatusCode::BAD_REQUEST,
        AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    error_response(status, err.code(), err.to_string())
}

/// `groupBy`, the filter and `lang` from `groupBy=STATE,PROFESSION&region=DE-SN&…`.
/// A parameter may repeat where the argument is a list (`groupBy`, `status`), or list
/// its values with commas.
fn parameters(query: &str) -> Result<(Vec<Dimension>, Filter, Lang), AppError> {
    let mut group_by = Vec::new();
    let mut filter = Filter::default();
    let mut lang = Lang::En;
    let date = |name: &str, v: &str| {
        NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
            AppError::bad_input(
                format!("filter.{name}"),
                format!("`{v}` is not a date (YYYY-MM-DD)"),
            )
        })
    };
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let value = value.trim().to_owned();
        let list = || value.split(',').map(str::trim).filter(|v| !v.is_empty());
        match name.as_ref() {
            "groupBy" => {
                for v in list() {
                    group_by.push(Dimension::parse(v).ok_or_else(|| {
                        AppError::bad_input("groupBy", format!("unknown dimension `{v}`"))
                    })?);
                }
            }
            "region" => filter.region = Some(value),
            "profession" => filter.profession = Some(value),
            "countryOfTraining" => filter.country_of_training = Some(value),
            "origin" => {
                filter.origin = Some(CaseOrigin::try_from_value(&value).map_err(|_| {
                    AppError::bad_input("filter.origin", format!("unknown origin `{value}`"))
                })?)
            }
            "status" => {
                let statuses = filter.status.get_or_insert_with(Vec::new);
                for v in list() {
                    statuses.push(CaseStatus::try_from_value(&v.to_owned()).map_err(|_| {
                        AppError::bad_input("filter.status", format!("unknown status `{v}`"))
                    })?);
                }
            }
            "authority" => {
                filter.authority = Some(id::decode_as(
                    &value,
                    NodeType::Organisation,
                    "filter.authority",
                )?)
            }
            "submittedFrom" => filter.submitted_from = Some(date("submittedFrom", &value)?),
            "submittedTo" => filter.submitted_to = Some(date("submittedTo", &value)?),
            "lang" => {
                lang = match value.to_ascii_lowercase().as_str() {
                    "de" => Lang::De,
                    "en" => Lang::En,
                    "sv" => Lang::Sv,
                    _ => {
                        return Err(AppError::bad_input(
                            "lang",
                            format!("unknown language `{value}`; use de, en or sv"),
                        ));
                    }
                }
            }
            other => {
                return Err(AppError::bad_input(
                    other.to_owned(),
                    format!("unknown parameter `{other}`"),
                ));
            }
        }
    }
    Ok((group_by, filter, lang))
}

fn flag_name(f: Flag) -> &'static str {
    match f {
        Flag::Rounded => "ROUNDED",
        Flag::Suppressed => "SUPPRESSED",
        Flag::SecondarySuppressed => "SECONDARY_SUPPRESSED",
    }
}

/// One line per cell, then per margin cell, then the total: the part (`CELL`,
/// `MARGIN`, `TOTAL`), each dimension's value and label (empty where a margin sums
/// over it), the count (empty when withheld), its text, the flags, the medians and the
/// overdue share, and the disclosure rule.
fn render(table: &Table, policy: Policy) -> Result<String, AppError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["part".to_owned()];
    for d in &table.group_by {
        header.push(d.name().to_owned());
        header.push(format!("{}_LABEL", d.name()));
    }
    header.extend(
        [
            "count",
            "display",
            "flags",
            "median_days_to_decision",
            "median_days_to_licence",
            "overdue_share",
            "disclosure",
        ]
        .map(str::to_owned),
    );
    let rule = format!(
        "cell key method; counts 1-{} withheld; others rounded to multiples of {}",
        policy.threshold - 1,
        policy.rounding_base()
    );
    let csv_error = |e: csv::Error| AppError::Internal(format!("CSV: {e}"));
    out.write_record(&header).map_err(csv_error)?;
    let mut line = |part: &str, cell: &Cell| -> Result<(), AppError> {
        let mut record = vec![part.to_owned()];
        for d in &table.group_by {
            match cell.key.iter().find(|k| k.dimension == *d) {
                Some(k) => {
                    record.push(if *d == Dimension::Authority {
                        k.value
                            .parse::<i64>()
                            .map(|v| id::encode(NodeType::Organisation, v).to_string())
                            .unwrap_or_else(|_| k.value.clone())
                    } else {
                        k.value.clone()
                    });
                    record.push(k.label.clone());
                }
                None => record.extend([String::new(), String::new()]),
            }
        }
        let text = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
        record.push(text(cell.count.count.map(|n| n as i64)));
        record.push(cell.count.display());
        record.push(
            cell.count
                .flags
                .iter()
                .map(|f| flag_name(*f))
                .collect::<Vec<_>>()
                .join(" "),
        );
        record.push(text(cell.median_days_to_decision));
        record.push(text(cell.median_days_to_licence));
        record.push(
            cell.overdue_share
                .map(|s| s.to_string())
                .unwrap_or_default(),
        );
        record.push(rule.clone());
        out.write_record(&record).map_err(csv_error)
    };
    for cell in &table.cells {
        line("CELL", cell)?;
    }
    for margin in &table.margins {
        for cell in &margin.cells {
            line("MARGIN", cell)?;
        }
    }
    line("TOTAL", &table.total)?;
    let bytes = out
        .into_inner()
        .map_err(|e| AppError::Internal(format!("CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| AppError::Internal(format!("CSV: {e}")))
}
