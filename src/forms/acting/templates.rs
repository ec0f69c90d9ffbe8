//! Creating (once per rendered form), editing and deleting a template: its HTML, description
//! and metadata.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::{
    after_submit, delete_confirmed, parse_metadata, text, upstream_feedback, writable, ConfirmForm,
    Doomed,
};
use crate::domain::text::{LINE_MAX_CHARS, TEMPLATE_HTML_MAX_CHARS};
use crate::forms::once::{keep_or_renew, submit_once};
use crate::forms::{show_again, FormFeedback};
use crate::postgrid::models::{Template, TemplateFields};
use crate::postgrid::{OrgOperation, PostgridError};
use crate::state::AppState;
use crate::web::extract::{ActingNow, FormData};
use crate::web::paths::see_resource;
use crate::web::{AppError, FormId};

const LIST: &str = "/impersonation/templates";

#[derive(Deserialize, Default)]
pub struct TemplateForm {
    #[serde(default)]
    description: String,
    #[serde(default)]
    html: String,
    #[serde(default)]
    metadata: String,
    #[serde(default)]
    token: String,
}

impl TemplateForm {
    fn typed(&self) -> FormFeedback {
        FormFeedback::new(FormId::Template)
            .value("description", self.description.trim())
            .value("html", &self.html)
            .value("metadata", self.metadata.trim())
    }
}

impl TryFrom<&TemplateForm> for TemplateFields {
    type Error = FormFeedback;

    fn try_from(f: &TemplateForm) -> Result<Self, FormFeedback> {
        let mut feedback = f.typed();
        if text(&f.description).is_none() {
            feedback = feedback.error(
                "description",
                "Describe the template, so it can be found again.",
            );
        }
        if f.html.trim().is_empty() {
            feedback = feedback.error("html", "Enter the template's HTML.");
        }
        feedback = feedback
            .within("description", &f.description, LINE_MAX_CHARS)
            .within("html", &f.html, TEMPLATE_HTML_MAX_CHARS);
        let metadata = parse_metadata(&f.metadata);
        if let Err(problem) = &metadata {
            feedback = feedback.error("metadata", problem.clone());
        }
        let (Ok(metadata), false) = (metadata, feedback.has_errors()) else {
            return Err(feedback);
        };
        Ok(Self {
            description: text(&f.description),
            html: Some(f.html.clone()),
            // An edit that clears the metadata sends an empty object, so it is cleared.
            metadata: Some(metadata.unwrap_or_else(|| serde_json::json!({}))),
        })
    }
}

pub async fn create(
    State(state): State<AppState>,
    acting: ActingNow,
    FormData { head, fields: form }: FormData<TemplateForm>,
) -> Result<Response, AppError> {
    if let Err(refused) = writable(
        &state,
        &head,
        &acting,
        OrgOperation::TemplatesCreate,
        &form.typed(),
    )
    .await
    {
        return Ok(refused);
    }
    let typed = keep_or_renew(&state, acting.me.id, &form.token, form.typed());
    let fields = match TemplateFields::try_from(&form) {
        Ok(fields) if !typed.has_errors() => fields,
        Ok(_) => return Ok(show_again(state, head, typed, StatusCode::UNPROCESSABLE_ENTITY).await),
        Err(problems) => {
            let problems = problems.merged(&typed);
            return Ok(show_again(state, head, problems, StatusCode::UNPROCESSABLE_ENTITY).await);
        }
    };
    let client = acting.client.clone();
    let submitted = submit_once(
        &state,
        &form.token,
        acting.me.id,
        |t: &Template| &t.id,
        |key| async move { client.create_template(&fields, &key).await },
    )
    .await?;
    Ok(
        after_submit(state, head, acting.me.id, typed, submitted, LIST, |t| {
            see_resource(LIST, &t.id, "?saved=1")
        })
        .await,
    )
}

/// Saving an edit needs no token: sending the same fields twice leaves the same template.
pub async fn update(
    State(state): State<AppState>,
    acting: ActingNow,
    Path(id): Path<String>,
    FormData { head, fields: form }: FormData<TemplateForm>,
) -> Response {
    let typed = form.typed();
    if let Err(refused) = writable(
        &state,
        &head,
        &acting,
        OrgOperation::TemplatesUpdate,
        &typed,
    )
    .await
    {
        return refused;
    }
    let fields = match TemplateFields::try_from(&form) {
        Ok(fields) => fields,
        Err(problems) => {
            return show_again(state, head, problems, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    };
    match acting.client.clone().update_template(&id, &fields).await {
        Ok(template) => see_resource(LIST, &template.id, "?saved=1"),
        Err(PostgridError::UnreadableSuccess { .. }) => see_resource(LIST, &id, "?unconfirmed=1"),
        Err(error) => {
            let (feedback, status) = upstream_feedback(typed, error);
            show_again(state, head, feedback, status).await
        }
    }
}

/// Deletes a template after its confirmation page; PostGrid cannot undo it.
pub async fn delete(
    State(state): State<AppState>,
    acting: ActingNow,
    Path(id): Path<String>,
    FormData { head, fields: form }: FormData<ConfirmForm>,
) -> Response {
    let doomed = Doomed {
        operation: OrgOperation::TemplatesDelete,
        form: FormId::TemplateDelete,
        what: "template",
        list: LIST,
    };
    let client = acting.client.clone();
    let send = |id: String| async move { client.delete_template(&id).await.map(|_| ()) };
    delete_confirmed(state, head, acting, id, form, doomed, send).await
}
