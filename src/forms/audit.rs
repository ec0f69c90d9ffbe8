//! The streamed audit exports and the "verify now" button.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{json, Value};
use tokio_util::io::ReaderStream;

use crate::app::render::render_page_with;
use crate::audit::{format_time, Action, Filter, Format, NewEvent, Origin, Outcome};
use crate::auth::CurrentStaff;
use crate::state::AppState;
use crate::web::audit_filter::FilterQuery;
use crate::web::extract::{need, Allowed};
use crate::web::request::origin_of;
use crate::web::AppError;

pub async fn export_csv(
    State(state): State<AppState>,
    Allowed(me, _): Allowed<need::ReviewAudit>,
    parts: Parts,
) -> Result<Response, AppError> {
    export(state, me, parts, Format::Csv).await
}

pub async fn export_jsonl(
    State(state): State<AppState>,
    Allowed(me, _): Allowed<need::ReviewAudit>,
    parts: Parts,
) -> Result<Response, AppError> {
    export(state, me, parts, Format::Jsonl).await
}

/// Streams the filtered events as a download, with constant memory however many there are.
/// An `audit.exported` event (outcome `pending`) is written before the first byte, and one
/// with the row count after the last; if the first cannot be written, nothing is exported.
async fn export(
    state: AppState,
    me: CurrentStaff,
    parts: Parts,
    format: Format,
) -> Result<Response, AppError> {
    let query = FilterQuery::from_query(parts.uri.query());
    let (mut filter, problems) = query.parse();
    if !problems.is_empty() {
        // The audit page, with the same filters and each problem beside its field.
        let mut parts = parts;
        let page = match parts.uri.query() {
            Some(query) => format!("/audit?{query}"),
            None => "/audit".to_owned(),
        };
        parts.uri = page.parse().unwrap_or_else(|_| Uri::from_static("/audit"));
        let mut res =
            render_page_with(state, Request::from_parts(parts, Body::empty()), || {}).await;
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(res);
    }
    // The log as it stands now: not the export's own events, nor anything after.
    let head = state
        .audit
        .head_seq()
        .await
        .map_err(AppError::portal("reading the audit log's head"))?;
    filter.up_to_seq = Some(head);
    let origin = origin_of(&parts, Some(&me));
    let (kind, extension) = match format {
        Format::Csv => ("text/csv; charset=utf-8", "csv"),
        Format::Jsonl => ("application/x-ndjson; charset=utf-8", "jsonl"),
    };
    let started = NewEvent::new(Action::AuditExported, Outcome::Pending, origin.clone())
        .detail(json!({"filters": query.as_detail(), "format": extension}));
    state
        .audit
        .append(started)
        .await
        .map_err(AppError::portal("recording the export"))?;
    let (writer, reader) = tokio::io::duplex(64 * 1024);
    let log = state.audit.clone();
    tokio::spawn(finish_export(
        log,
        filter,
        format,
        writer,
        origin,
        query.as_detail(),
        extension,
    ));
    let filename = format!(
        "attachment; filename=\"audit-{}.{extension}\"",
        format_time(state.clock.now()).replace([':', '.'], "-")
    );
    Ok((
        [
            (header::CONTENT_TYPE, kind.to_owned()),
            (header::CONTENT_DISPOSITION, filename),
        ],
        Body::from_stream(ReaderStream::new(reader)),
    )
        .into_response())
}

async fn finish_export(
    log: crate::audit::AuditLog,
    filter: Filter,
    format: Format,
    writer: tokio::io::DuplexStream,
    origin: Origin,
    filters: Value,
    extension: &'static str,
) {
    let result = log.export(&filter, format, writer).await;
    let (outcome, detail) = match &result {
        Ok(rows) => (
            Outcome::Ok,
            json!({"filters": filters, "format": extension, "rows": rows}),
        ),
        Err(err) => (
            Outcome::Error,
            json!({"filters": filters, "format": extension, "error": err.to_string()}),
        ),
    };
    if let Err(err) = log
        .append(NewEvent::new(Action::AuditExported, outcome, origin).detail(detail))
        .await
    {
        tracing::error!(error = %err, "the end of an export could not be recorded");
    }
}

/// Starts a verification of the whole chain (admins); the page shows its progress.
pub async fn verify_now(
    State(state): State<AppState>,
    Allowed(me, _): Allowed<need::VerifyAudit>,
) -> Result<Response, AppError> {
    state
        .audit
        .start_verification(&me.email)
        .await
        .map_err(AppError::portal("starting a verification"))?;
    Ok(Redirect::to("/audit?verifying=1").into_response())
}
