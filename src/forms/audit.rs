//! The audit review's filters (shared by the page and the exports), the streamed exports and
//! the "verify now" button.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio_util::io::ReaderStream;

use crate::app::render::render_page_with;
use crate::audit::{format_time, parse_time, Action, Filter, Format, NewEvent, Origin, Outcome};
use crate::auth::{CurrentStaff, Role};
use crate::state::AppState;
use crate::web::extract::{need, Allowed, SignedIn};
use crate::web::request::origin_of;
use crate::web::AppError;

/// The filter form as typed, from the query string.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct FilterQuery {
    pub actor: String,
    pub action: String,
    pub outcome: String,
    pub sub_org: String,
    pub impersonation: String,
    /// `YYYY-MM-DDTHH:MM` (a `datetime-local` input), UTC.
    pub from: String,
    pub to: String,
    pub q: String,
    /// A UTC offset such as `+02:00` for the second time column (not a filter).
    pub tz: String,
}

/// `2026-11-23T10:00` (UTC) → the stored time format.
fn local_input_time(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let with_seconds = if raw.len() == 16 {
        format!("{raw}:00Z")
    } else {
        format!("{raw}Z")
    };
    parse_time(&with_seconds).or_else(|| parse_time(raw))
}

impl FilterQuery {
    pub fn from_query(query: Option<&str>) -> Self {
        serde_urlencoded::from_str(query.unwrap_or_default()).unwrap_or_default()
    }

    /// The filter, and a message for each field that could not be used.
    pub fn parse(&self) -> (Filter, Vec<(&'static str, &'static str)>) {
        let mut problems = Vec::new();
        let text = |raw: &str| Some(raw.trim().to_owned()).filter(|s| !s.is_empty());
        let action = text(&self.action).and_then(|a| {
            let parsed = Action::parse(&a);
            if parsed.is_none() {
                problems.push(("action", "Choose an action from the list."));
            }
            parsed
        });
        let outcome = text(&self.outcome).and_then(|o| {
            let parsed = Outcome::parse(&o);
            if parsed.is_none() {
                problems.push(("outcome", "Choose an outcome from the list."));
            }
            parsed
        });
        let mut time = |field: &'static str, raw: &str| {
            text(raw).and_then(|t| {
                let parsed = local_input_time(&t);
                if parsed.is_none() {
                    problems.push((
                        field,
                        "Enter a date and time such as 2026-11-23T09:30 (UTC).",
                    ));
                }
                parsed
            })
        };
        let since = time("from", &self.from);
        let until = time("to", &self.to);
        let filter = Filter {
            actor_email: text(&self.actor).map(|a| a.to_lowercase()),
            sub_org_id: text(&self.sub_org),
            action,
            outcome,
            impersonation_id: text(&self.impersonation),
            since,
            until,
            text: text(&self.q),
            up_to_seq: None,
        };
        (filter, problems)
    }

    /// The filters as they go into `audit.viewed` and `audit.exported` events.
    pub fn as_detail(&self) -> Value {
        let fields = [
            ("actor", &self.actor),
            ("action", &self.action),
            ("outcome", &self.outcome),
            ("sub_org", &self.sub_org),
            ("impersonation", &self.impersonation),
            ("from", &self.from),
            ("to", &self.to),
            ("q", &self.q),
            ("tz", &self.tz),
        ];
        Value::Object(
            fields
                .into_iter()
                .filter(|(_, v)| !v.trim().is_empty())
                .map(|(k, v)| (k.to_owned(), Value::String(v.trim().to_owned())))
                .collect(),
        )
    }

    /// The query string of these filters (for links that keep them).
    pub fn to_query(&self) -> String {
        serde_urlencoded::to_string(self.as_detail()).unwrap_or_default()
    }
}

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
    SignedIn(me): SignedIn,
) -> Result<Response, AppError> {
    if me.role != Role::Admin {
        return Err(AppError::Forbidden);
    }
    state
        .audit
        .start_verification(&me.email)
        .await
        .map_err(AppError::portal("starting a verification"))?;
    Ok(Redirect::to("/audit?verifying=1").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_and_bad_values_are_named() {
        let query = FilterQuery::from_query(Some(
            "actor=Ada%40Example.com&action=postgrid.request&outcome=ok&from=2026-11-23T09%3A30&q=typo",
        ));
        let (filter, problems) = query.parse();
        assert!(problems.is_empty());
        assert_eq!(filter.actor_email.as_deref(), Some("ada@example.com"));
        assert_eq!(filter.action, Some(Action::PostgridRequest));
        assert_eq!(filter.since.as_deref(), Some("2026-11-23T09:30:00.000000Z"));
        assert_eq!(filter.text.as_deref(), Some("typo"));
        let (_, problems) = FilterQuery::from_query(Some("action=made.up&to=yesterday")).parse();
        assert_eq!(
            problems.iter().map(|p| p.0).collect::<Vec<_>>(),
            ["action", "to"]
        );
    }
}
