//! The writes an impersonation in write mode may make for a sub-organization. Each handler:
//! refuse (and record) in read-only mode, check every field before anything is sent, send
//! once, and put PostGrid's refusal beside the field it names.

pub mod contacts;
pub mod letters;
pub mod templates;

use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{json, Map, Value};

use super::once::{Created, Submitted};
use super::{show_again, FormFeedback};
use crate::audit::{Action, NewEvent, Outcome};
use crate::auth::CurrentStaff;
use crate::config::PostgridMode;
use crate::domain::text::LINE_MAX_CHARS;
use crate::impersonation::{InForce, Mode};
use crate::postgrid::{OrgOperation, PostgridError};
use crate::state::AppState;
use crate::web::error::upstream_status;
use crate::web::extract::ActingNow;
use crate::web::request::origin_of;
use crate::web::AppError;

/// Write mode, or a recorded refusal that shows the form again with what was typed: a
/// read-only impersonation changes nothing, however the request was made.
async fn writable(
    state: &AppState,
    head: &Parts,
    acting: &ActingNow,
    operation: OrgOperation,
    feedback: &FormFeedback,
) -> Result<(), Response> {
    in_write_mode(
        state,
        head,
        &acting.me,
        &acting.imp,
        operation.name(),
        feedback,
    )
    .await
}

/// As [`writable`], for any impersonation and operation (SendGrid's too).
pub async fn in_write_mode(
    state: &AppState,
    head: &Parts,
    me: &CurrentStaff,
    imp: &InForce,
    operation: &str,
    feedback: &FormFeedback,
) -> Result<(), Response> {
    if imp.mode == Mode::Write {
        return Ok(());
    }
    let mut event = NewEvent::new(
        Action::ImpersonationDenied,
        Outcome::Denied,
        origin_of(head, Some(me)),
    )
    .detail(json!({"refusal": "read_only", "operation": operation}));
    event.provider = Some(imp.target.provider());
    event.sub_org_id = Some(imp.target.acting_for());
    event.impersonation_id = Some(imp.id.to_string());
    let _ = state.audit.append(event).await;
    let feedback = feedback.clone().error(
        "",
        "This impersonation is read-only. Switch to write mode, with a reason, to make changes.",
    );
    Err(show_again(state.clone(), head.clone(), feedback, StatusCode::FORBIDDEN).await)
}

fn text(raw: &str) -> Option<String> {
    Some(raw.trim().to_owned()).filter(|s| !s.is_empty())
}

fn is_live(state: &AppState) -> bool {
    state.config.postgrid_mode == PostgridMode::Live
}

/// The form's name for a field PostGrid names (`addressLine1` → `address_line1`).
fn form_field(postgrid_field: &str) -> String {
    let mut out = String::new();
    for c in postgrid_field.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// PostGrid's refusal in words: beside the field it names when the form has that field,
/// above the form otherwise; with the status of the one table.
fn upstream_feedback(feedback: FormFeedback, error: PostgridError) -> (FormFeedback, StatusCode) {
    let status = upstream_status(&error);
    let beside = match &error {
        PostgridError::Validation {
            field: Some(field),
            message,
        } => Some((form_field(field), message.clone()))
            .filter(|(f, _)| feedback.values.contains_key(f)),
        _ => None,
    };
    let message = error.user_message();
    AppError::from(error).log();
    let feedback = match beside {
        Some((field, said)) => {
            feedback.error(&field, format!("PostGrid did not accept this: {said}"))
        }
        None => feedback.error("", message),
    };
    (feedback, status)
}

/// Where a create form lands: the new thing, or, when PostGrid's yes could not be read, its
/// list with a notice to check there (never the form again, which would invite a resubmit).
fn landing(list: &str, created: Created, notice: &str) -> Response {
    match created {
        Created::Id(id) => crate::web::paths::see_resource(list, &id, notice),
        Created::Unconfirmed => Redirect::to(&format!("{list}?unconfirmed=1")).into_response(),
    }
}

/// The answer to a create form, whatever came of submitting it.
async fn after_submit<T>(
    state: AppState,
    head: Parts,
    me: crate::domain::StaffId,
    typed: FormFeedback,
    submitted: Submitted<T>,
    list: &str,
    done: impl FnOnce(T) -> Response,
) -> Response {
    let (feedback, status) = match submitted {
        Submitted::Sent(Ok(made)) => return done(made),
        Submitted::Earlier(created) => return landing(list, created, "?again=1"),
        Submitted::Sent(Err(PostgridError::UnreadableSuccess { .. })) => {
            return landing(list, Created::Unconfirmed, "")
        }
        Submitted::Sent(Err(error)) => {
            let typed = crate::forms::once::after_refusal(&state, me, typed, &error);
            upstream_feedback(typed, error)
        }
        Submitted::Busy => (
            typed.error(
                "",
                "This form is already being submitted. Check the list before trying again.",
            ),
            StatusCode::CONFLICT,
        ),
    };
    show_again(state, head, feedback, status).await
}

#[derive(serde::Deserialize, Default)]
pub struct ConfirmForm {
    #[serde(default)]
    confirm_live: Option<String>,
}

/// What a confirmed delete removes, and where the person lands after.
struct Doomed {
    operation: OrgOperation,
    form: crate::web::FormId,
    what: &'static str,
    list: &'static str,
}

/// A delete, sent from its confirmation page: refused in read-only mode, and in live mode
/// without the tick that names the sub-organization.
async fn delete_confirmed<Fut>(
    state: AppState,
    head: Parts,
    acting: ActingNow,
    id: String,
    form: ConfirmForm,
    doomed: Doomed,
    send: impl FnOnce(String) -> Fut,
) -> Response
where
    Fut: std::future::Future<Output = Result<(), PostgridError>>,
{
    let typed = FormFeedback::new(doomed.form).value("id", &id);
    if let Err(refused) = writable(&state, &head, &acting, doomed.operation, &typed).await {
        return refused;
    }
    if is_live(&state) && form.confirm_live.as_deref() != Some("yes") {
        let feedback = typed.error(
            "confirm_live",
            format!(
                "Confirm that this {} of {} is deleted for good.",
                doomed.what, acting.imp.sub_org_name
            ),
        );
        return show_again(state, head, feedback, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    match send(id).await {
        Ok(()) => Redirect::to(&format!("{}?deleted=1", doomed.list)).into_response(),
        Err(PostgridError::UnreadableSuccess { .. }) => {
            landing(doomed.list, Created::Unconfirmed, "")
        }
        Err(error) => {
            let (feedback, status) = upstream_feedback(typed, error);
            show_again(state, head, feedback, status).await
        }
    }
}

/// Metadata as support staff type it: one `key: value` per line, both plain text. Keys are
/// letters, digits, `_`, `-` and `.`, so they also work in a structured search.
pub fn parse_metadata(raw: &str) -> Result<Option<Value>, String> {
    let mut map = Map::new();
    for (n, line) in raw
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let Some((key, value)) = line.split_once(':') else {
            return Err(format!("Line {}: write it as key: value.", n + 1));
        };
        let key = key.trim();
        if !is_metadata_key(key) {
            return Err(format!(
                "Line {}: a key is up to 40 letters, digits, _, - or . characters.",
                n + 1
            ));
        }
        if value.trim().chars().count() > LINE_MAX_CHARS {
            return Err(format!(
                "Line {}: a value is up to {LINE_MAX_CHARS} characters.",
                n + 1
            ));
        }
        map.insert(key.to_owned(), Value::String(value.trim().to_owned()));
    }
    Ok((!map.is_empty()).then_some(Value::Object(map)))
}

pub fn is_metadata_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 40
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// Metadata as the form shows it again: `key: value` lines.
pub fn metadata_lines(metadata: Option<&Value>) -> String {
    let Some(Value::Object(map)) = metadata else {
        return String::new();
    };
    map.iter()
        .map(|(k, v)| match v {
            Value::String(s) => format!("{k}: {s}"),
            other => format!("{k}: {other}"),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_is_typed_as_lines_of_key_and_value() {
        assert_eq!(
            parse_metadata("campaign: spring\n\n  region : north east "),
            Ok(Some(json!({"campaign": "spring", "region": "north east"})))
        );
        assert_eq!(parse_metadata("  \n"), Ok(None));
        assert!(parse_metadata("no colon").is_err());
        assert!(parse_metadata("a key: x").is_err());
        let shown = metadata_lines(Some(&json!({"campaign": "spring"})));
        assert_eq!(
            parse_metadata(&shown),
            Ok(Some(json!({"campaign": "spring"})))
        );
    }

    #[test]
    fn postgrid_fields_name_form_fields() {
        assert_eq!(form_field("addressLine1"), "address_line1");
        assert_eq!(form_field("to"), "to");
        assert_eq!(form_field("mergeVariables"), "merge_variables");
    }
}
