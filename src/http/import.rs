//! `POST /import/courses`: a school's or provider's catalogue as a file (CSV or JSON
//! Lines), imported by `service::imports` with the token's organisation as provider
//! (scope `courses:write`). The body is first written to a temporary file as it arrives
//! (at most `--import-max-bytes`), so that no database transaction waits for a slow
//! client; the file is then read a record at a time on a blocking thread and handed to
//! the import through a short queue, so an import holds a few hundred records in memory
//! however long the file is. The answer is the import's report as JSON, with the field
//! names of the `importCourses` mutation's report (README, "Bulk import of courses").

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
use serde_json::{Value, json};

/// Records parsed ahead of the import: the queue between the reader and the writer.
const QUEUE: usize = 256;

/// An upload written to a temporary file, removed when dropped.
struct Spool {
    path: std::path::PathBuf,
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Writes `body` to a temporary file as it arrives, at most `limit` bytes: the file and
/// its size.
async fn spool(body: Body, limit: u64) -> Result<(Spool, u64), AppError> {
    use futures::StreamExt;
    use tokio::io::AsyncWriteExt;
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let spool = Spool {
        path: std::env::temp_dir().join(format!("knotenpunkt-import-{}-{n}", std::process::id())),
    };
    let unstored = |e: std::io::Error| AppError::Internal(format!("storing the upload: {e}"));
    let mut file = tokio::fs::File::create(&spool.path)
        .await
        .map_err(unstored)?;
    let mut stream = body.into_data_stream();
    let mut size: u64 = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            AppError::bad_input(imports::file::FILE, format!("the upload broke off: {e}"))
        })?;
        size += chunk.len() as u64;
        if size > limit {
            return Err(imports::file::too_large(limit));
        }
        file.write_all(&chunk).await.map_err(unstored)?;
    }
    file.flush().await.map_err(unstored)?;
    Ok((spool, size))
}

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

    // The upload is written to a temporary file first, so that no transaction waits
    // for a slow or stalled client.
    let limit = state.limits.import_max_bytes;
    let timeout = std::time::Duration::from_secs(state.limits.import_timeout_secs);
    let (spool, size) = match tokio::time::timeout(timeout, spool(body, limit)).await {
        Ok(Ok(spooled)) => spooled,
        Ok(Err(err)) => return refused(err),
        Err(_) => {
            return refused(AppError::bad_input(
                imports::file::FILE,
                "the upload took too long; send the file faster or split it",
            ));
        }
    };
    // Charged before it runs: a point per 100 bytes of the file.
    if let Some(budget) = caller.budget.as_deref()
        && let Err(err) = budget.charge(size / 100 + 1)
    {
        return refused(err);
    }
    options.deadline = Some(tokio::time::Instant::now() + timeout);
    let file = match std::fs::File::open(&spool.path) {
        Ok(f) => f,
        Err(e) => return refused(AppError::Internal(format!("reopening the upload: {e}"))),
    };
    let (tx, rx) = tokio::sync::mpsc::channel(QUEUE);
    let reading = tokio::task::spawn_blocking(move || {
        let ended =
            imports::file::read(format, file, limit, |row| tx.blocking_send(Ok(row)).is_ok());
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
    drop(spool);
    let report = match result {
        Ok(report) => report,
        Err(err) => return refused(err),
    };
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
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
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
