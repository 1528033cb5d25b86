//! `POST /import/courses`: a school's or provider's catalogue as a file (CSV or JSON
//! Lines), imported by `service::imports` with the token's organisation as provider
//! (scope `courses:write`). The body is read as it arrives, a record at a time, on a
//! blocking thread, and handed over through a short queue, so an import holds a few
//! hundred records in memory however long the file is. The answer is the import's
//! report as JSON, with the field names of the `importCourses` mutation's report (README,
//! "Bulk import of courses").

use super::client_addr::ClientAddr;
use super::graphql::{identify, settle};
use super::refusal::{UNSUPPORTED_MEDIA_TYPE, error_response};
use super::state::AppState;
use crate::auth::{Scope, ScopeRequirement};
use crate::error::AppError;
use crate::graphql::CostBudget;
use crate::id::{self, NodeType};
use crate::service::imports::{self, ImportOptions, ImportReport, Outcome, file::Format};
use axum::Extension;
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::TryStreamExt;
use serde_json::{Value, json};

/// Records parsed ahead of the import: the queue between the reader and the writer.
const QUEUE: usize = 256;

/// Imports the body as the caller's catalogue.
pub async fn courses(
    State(state): State<AppState>,
    Extension(addr): Extension<ClientAddr>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Body,
) -> Response {
    let caller = match identify(&state, &headers, addr).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let response = answer(&state, &caller, &headers, query, body).await;
    settle(caller.budget.as_ref(), response)
}

async fn answer(
    state: &AppState,
    caller: &super::graphql::Caller,
    headers: &HeaderMap,
    query: Option<String>,
    body: Body,
) -> Response {
    let principal = &caller.principal;
    if let Err(err) = ScopeRequirement::All(&[Scope::CoursesWrite]).check(principal) {
        return refused(err);
    }
    let format = match format(headers) {
        Ok(f) => f,
        Err(response) => return *response,
    };
    let mut options = match options(query.as_deref().unwrap_or("")) {
        Ok(o) => o,
        Err(err) => return refused(err),
    };
    options.deadline = Some(
        tokio::time::Instant::now()
            + std::time::Duration::from_secs(state.limits.import_timeout_secs),
    );

    let (tx, rx) = tokio::sync::mpsc::channel(QUEUE);
    let stream = body.into_data_stream().map_err(std::io::Error::other);
    let reader = tokio_util::io::SyncIoBridge::new(tokio_util::io::StreamReader::new(stream));
    let limit = state.limits.import_max_bytes;
    let reading = tokio::task::spawn_blocking(move || {
        let ended = imports::file::read(format, reader, limit, |row| {
            tx.blocking_send(Ok(row)).is_ok()
        });
        if let Err(err) = ended {
            // The import rolls back when it receives this.
            let _ = tx.blocking_send(Err(err));
        }
    });
    let rows =
        futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|r| (r, rx)) });
    let result = imports::import(&state.db, principal, &state.reference, options, rows).await;
    // The reader stops at its next record once the queue is gone.
    let _ = reading.await;
    let report = match result {
        Ok(report) => report,
        Err(err) => return refused(err),
    };
    // Charged like a mutation that returns a value per field of every row.
    if let Some(budget) = caller.budget.as_deref()
        && let Err(err) = budget.charge((report.rows.len() as u64 + 1) * 8)
    {
        return refused(err);
    }
    (StatusCode::OK, axum::Json(report_json(&report))).into_response()
}

/// The format of the body, from `Content-Type`.
fn format(headers: &HeaderMap) -> Result<Format, Box<Response>> {
    let unsupported = |message: String| {
        Box::new(error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            UNSUPPORTED_MEDIA_TYPE,
            message,
        ))
    };
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return Err(unsupported(
            "send the catalogue as text/csv or application/x-ndjson (JSON Lines)".into(),
        ));
    };
    let mut parts = value.split(';').map(|p| p.trim().to_ascii_lowercase());
    let media = parts.next().unwrap_or_default();
    for parameter in parts {
        if let Some(charset) = parameter.strip_prefix("charset=")
            && !matches!(charset.trim_matches('"'), "utf-8" | "utf8")
        {
            return Err(unsupported(format!(
                "the catalogue must be UTF-8, not {charset}; convert it first"
            )));
        }
    }
    match media.as_str() {
        "text/csv" | "application/csv" => Ok(Format::Csv),
        "application/x-ndjson"
        | "application/jsonl"
        | "application/jsonlines"
        | "application/x-jsonlines" => Ok(Format::JsonLines),
        other => Err(unsupported(format!(
            "`{other}` is not a catalogue format; send text/csv or application/x-ndjson (JSON Lines)"
        ))),
    }
}

/// `dryRun`, `atomic` and `removeMissing` from the query string (`true` or `false`).
fn options(query: &str) -> Result<ImportOptions, AppError> {
    let mut options = ImportOptions::default();
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let flag = match value.trim() {
            "" | "true" | "1" => true,
            "false" | "0" => false,
            other => {
                return Err(AppError::bad_input(
                    name.to_string(),
                    format!("`{other}` is not true or false"),
                ));
            }
        };
        match name.as_ref() {
            "dryRun" => options.dry_run = flag,
            "atomic" => options.atomic = flag,
            "removeMissing" => options.remove_missing = flag,
            other => {
                return Err(AppError::bad_input(
                    other.to_owned(),
                    format!(
                        "unknown parameter `{other}`; the parameters are dryRun, atomic and removeMissing"
                    ),
                ));
            }
        }
    }
    Ok(options)
}

/// The report as JSON, with the names of the mutation's `CourseImportReport`.
pub fn report_json(report: &ImportReport) -> Value {
    let course = |id: Option<i64>| id.map(|i| id::encode(NodeType::Course, i));
    let run = |id: Option<i64>| id.map(|i| id::encode(NodeType::CourseRun, i));
    json!({
        "dryRun": report.options.dry_run,
        "atomic": report.options.atomic,
        "removeMissing": report.options.remove_missing,
        "written": report.written,
        "created": report.count(Outcome::Created),
        "updated": report.count(Outcome::Updated),
        "unchanged": report.count(Outcome::Unchanged),
        "failed": report.count(Outcome::Failed),
        "rows": report.rows.iter().map(|r| json!({
            "line": r.line,
            "externalId": r.external_id,
            "runExternalId": r.run_external_id,
            "outcome": r.outcome,
            "courseId": course(r.course_id),
            "courseRunId": run(r.course_run_id),
            "fieldErrors": r.problems.iter().map(|p| json!({"field": p.field, "message": p.message})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "missing": report.missing.iter().map(|m| json!({
            "externalId": m.external_id,
            "runExternalId": m.run_external_id,
            "courseId": course(Some(m.course_id)),
            "courseRunId": run(m.course_run_id),
            "cancelled": m.cancelled,
        })).collect::<Vec<_>>(),
    })
}

/// An error as the GraphQL endpoint would report it, with its HTTP status: a file that
/// cannot be read is a 400 (413 when too large) naming the line and what is wrong.
fn refused(err: AppError) -> Response {
    let status = match &err {
        AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::BadUserInput { field, .. }
            if field.as_deref() == Some(imports::file::FILE_SIZE) =>
        {
            StatusCode::PAYLOAD_TOO_LARGE
        }
        AppError::BadUserInput { .. } => StatusCode::BAD_REQUEST,
        AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let mut extensions = json!({ "code": err.code() });
    if let AppError::BadUserInput { field: Some(f), .. } = &err {
        extensions["field"] = json!(f);
    }
    let message = match &err {
        AppError::Internal(_) => "internal error".to_owned(),
        other => other.to_string(),
    };
    if let AppError::Internal(cause) = &err {
        tracing::error!(%cause, "import failed");
    }
    let body = json!({ "errors": [{ "message": message, "extensions": extensions }] });
    (status, axum::Json(body)).into_response()
}
