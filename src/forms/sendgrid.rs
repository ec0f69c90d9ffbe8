//! SendGrid's writes: enabling or disabling a subuser (parent), and, in write mode while
//! acting for a sub-account, removing an address from a suppression list or activating a
//! template version. Each sends once and puts SendGrid's refusal on the page it came from.

use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::acting::in_write_mode;
use super::{at, show_again, FormFeedback};
use crate::sendgrid::{ActingOperation, SendgridError, SuppressionKind, Username};
use crate::state::AppState;
use crate::web::extract::{need, ActingSendgrid, Allowed, FormData};
use crate::web::paths::resource_path;
use crate::web::{AppError, FormId};

/// SendGrid's refusal above the form it came from, with the status of the one table.
async fn refused(
    state: AppState,
    head: Parts,
    page: &str,
    feedback: FormFeedback,
    error: SendgridError,
) -> Response {
    let status = error.status();
    let message = error.user_message();
    AppError::from(error).log();
    show_again(state, at(head, page), feedback.error("", message), status).await
}

#[derive(Deserialize, Default)]
pub struct StatusForm {
    #[serde(default)]
    disabled: String,
}

pub async fn set_status(
    State(state): State<AppState>,
    Allowed(me, _): Allowed<need::ManageSubusers>,
    Path(name): Path<String>,
    FormData { head, fields }: FormData<StatusForm>,
) -> Result<Response, AppError> {
    let name = Username::parse(&name)
        .map_err(|_| AppError::NotFound("There is no SendGrid subuser by that name."))?;
    let disabled = match fields.disabled.as_str() {
        "true" => true,
        "false" => false,
        _ => {
            return Err(AppError::BadForm(
                "disabled must be true or false".to_owned(),
            ))
        }
    };
    let client = state.sendgrid_client(crate::web::request::origin_of(&head, Some(&me)))?;
    let page = resource_path("/sendgrid/subusers", name.as_str(), "/status");
    match client.set_disabled(&name, disabled).await {
        Ok(()) => {
            let now = if disabled { "disabled" } else { "enabled" };
            let to = resource_path(
                "/sendgrid/subusers",
                name.as_str(),
                &format!("?status={now}"),
            );
            Ok(Redirect::to(&to).into_response())
        }
        Err(error) => {
            let feedback = FormFeedback::new(FormId::SubuserStatus);
            Ok(refused(state, head, &page, feedback, error).await)
        }
    }
}

#[derive(Deserialize, Default)]
pub struct RemoveForm {
    #[serde(default)]
    email: String,
    /// The list's search, kept on the way back.
    #[serde(default)]
    search: String,
}

pub async fn remove_suppression(
    State(state): State<AppState>,
    acting: ActingSendgrid,
    Path(kind): Path<String>,
    FormData { head, fields }: FormData<RemoveForm>,
) -> Result<Response, AppError> {
    let kind = SuppressionKind::from_slug(&kind)
        .ok_or(AppError::NotFound("There is no such suppression list."))?;
    let search = fields.search.trim();
    let page = list_page(kind, search, None);
    let feedback = FormFeedback::new(FormId::SuppressionRemove);
    let operation = ActingOperation::RemoveSuppression(kind).name();
    let head = at(head, &page);
    if let Err(refusal) =
        in_write_mode(&state, &head, &acting.me, &acting.imp, operation, &feedback).await
    {
        return Ok(refusal);
    }
    let email = fields.email.trim();
    if email.is_empty() || email.len() > 320 || email.chars().any(char::is_control) {
        let feedback = feedback.error("", "Choose an address from the list to remove.");
        return Ok(show_again(
            state,
            head,
            feedback,
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await);
    }
    match acting.client.remove_suppression(kind, email).await {
        Ok(()) => Ok(Redirect::to(&list_page(kind, search, Some(email))).into_response()),
        Err(error) => Ok(refused(state, head, &page, feedback, error).await),
    }
}

/// The list's page, with its search kept and the address just removed named.
fn list_page(kind: SuppressionKind, search: &str, removed: Option<&str>) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if !search.is_empty() {
        query.append_pair("search", search);
    }
    if let Some(email) = removed {
        query.append_pair("removed", email);
    }
    format!(
        "/sendgrid/acting/suppressions/{}?{}",
        kind.slug(),
        query.finish()
    )
}

pub async fn activate_version(
    State(state): State<AppState>,
    acting: ActingSendgrid,
    Path((template, version)): Path<(String, String)>,
    head: Parts,
) -> Result<Response, AppError> {
    let page = resource_path("/sendgrid/acting/templates", &template, "");
    let feedback = FormFeedback::new(FormId::VersionActivate);
    let head = at(head, &page);
    let operation = ActingOperation::ActivateVersion.name();
    if let Err(refusal) =
        in_write_mode(&state, &head, &acting.me, &acting.imp, operation, &feedback).await
    {
        return Ok(refusal);
    }
    match acting.client.activate_version(&template, &version).await {
        Ok(_) => {
            let to = resource_path("/sendgrid/acting/templates", &template, "?activated=1");
            Ok(Redirect::to(&to).into_response())
        }
        // SendGrid said yes in words the portal cannot read: the page shows which is active.
        Err(SendgridError::UnreadableSuccess { .. }) => {
            let to = resource_path(
                "/sendgrid/acting/templates",
                &template,
                "?activated=probably",
            );
            Ok(Redirect::to(&to).into_response())
        }
        Err(error) => Ok(refused(state, head, &page, feedback, error).await),
    }
}
