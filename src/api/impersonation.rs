//! Acting on behalf of a sub-organization: start, stop, switch to write mode, the writes that
//! write mode allows, and the hand-off to PostGrid's dashboard.

use axum::extract::{Path, Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;
use tower_sessions::Session;

use super::{current, read_form, show_again, unavailable, FormFeedback};
use crate::audit::{Action, NewEvent, Outcome};
use crate::auth::session::origin_of;
use crate::auth::{CurrentStaff, Permission};
use crate::config::PostgridMode;
use crate::domain::{CountryCode, Email, SubOrgId};
use crate::http::acting::Acting;
use crate::impersonation::{self, Denial, Impersonation, Mode, StartRequest, MIN_REASON_CHARS};
use crate::postgrid::models::{NewContact, NewLetter, TemplateFields};
use crate::postgrid::PostgridError;
use crate::state::AppState;

pub const START_FORM: &str = "impersonation-start";
pub const MODE_FORM: &str = "impersonation-mode";
pub const CONTACT_FORM: &str = "acting-contact";
pub const TEMPLATE_FORM: &str = "acting-template";
pub const LETTER_FORM: &str = "acting-letter";

/// Renders `path` instead of the path posted to (the form lives on another page).
fn at(mut parts: Parts, path: &str) -> Parts {
    if let Ok(uri) = path.parse::<Uri>() {
        parts.uri = uri;
    }
    parts
}

#[derive(Deserialize, Default)]
struct StartForm {
    #[serde(default)]
    sub_org_id: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    ticket: String,
    #[serde(default)]
    minutes: String,
}

pub async fn start(State(state): State<AppState>, session: Session, req: Request) -> Response {
    let (parts, form) = read_form::<StartForm>(req).await;
    let Some(me) = current(&parts) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let form = form.unwrap_or_default();
    let Ok(sub_org) = SubOrgId::parse(&form.sub_org_id) else {
        return (StatusCode::NOT_FOUND, "There is no such sub-organization.").into_response();
    };
    let origin = origin_of(&parts, Some(&me));
    let minutes = form.minutes.trim().parse::<u32>().unwrap_or(0);
    let request = StartRequest {
        sub_org: sub_org.clone(),
        reason: form.reason.clone(),
        ticket: Some(form.ticket.clone()),
        minutes,
    };
    match impersonation::start(&state, &me, &session, &origin, request).await {
        Ok(_) => Redirect::to("/impersonation").into_response(),
        Err(denial) => {
            let field = match denial {
                Denial::ReasonTooShort => "reason",
                Denial::BadDuration { .. } => "minutes",
                _ => "",
            };
            let status = match denial {
                Denial::ReasonTooShort | Denial::BadDuration { .. } => {
                    StatusCode::UNPROCESSABLE_ENTITY
                }
                Denial::AlreadyActive => StatusCode::CONFLICT,
                Denial::Unrecorded => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::FORBIDDEN,
            };
            let feedback = FormFeedback::new(START_FORM)
                .value("reason", form.reason.trim())
                .value("ticket", form.ticket.trim())
                .value("minutes", form.minutes.trim())
                .error(field, denial.message());
            show_again(
                state,
                at(parts, &format!("/sub-orgs/{sub_org}")),
                feedback,
                status,
            )
            .await
        }
    }
}

pub async fn stop(State(state): State<AppState>, session: Session, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let me = current(&parts);
    let origin = origin_of(&parts, me.as_ref());
    match impersonation::stop(&state, &session, &origin).await {
        Ok(Some(imp)) => {
            Redirect::to(&format!("/sub-orgs/{}?stopped=1", imp.sub_org_id)).into_response()
        }
        Ok(None) => Redirect::to("/sub-orgs").into_response(),
        Err(err) => {
            tracing::error!(error = %err, "impersonation could not be stopped");
            unavailable()
        }
    }
}

fn acting(parts: &Parts) -> Option<Impersonation> {
    parts.extensions.get::<Acting>().map(|a| a.0.clone())
}

/// No impersonation in force: nothing is done as a sub-organization.
fn not_acting() -> Response {
    Redirect::to("/impersonation").into_response()
}

#[derive(Deserialize, Default)]
struct ModeForm {
    #[serde(default)]
    why: String,
}

pub async fn enable_writes(State(state): State<AppState>, req: Request) -> Response {
    let (parts, form) = read_form::<ModeForm>(req).await;
    let (Some(me), Some(imp)) = (current(&parts), acting(&parts)) else {
        return not_acting();
    };
    let why = form.unwrap_or_default().why.trim().to_owned();
    if why.chars().count() < MIN_REASON_CHARS {
        let feedback = FormFeedback::new(MODE_FORM).value("why", &why).error(
            "why",
            format!("Say why you need to make changes, in at least {MIN_REASON_CHARS} characters."),
        );
        return show_again(
            state,
            at(parts, "/impersonation"),
            feedback,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    if imp.mode() == Mode::Write {
        return Redirect::to("/impersonation").into_response();
    }
    match impersonation::enable_writes(&state, &imp, &why, &origin_of(&parts, Some(&me))).await {
        Ok(()) => Redirect::to("/impersonation?mode=write").into_response(),
        Err(_) => unavailable(),
    }
}

/// Write mode or a recorded refusal: read-only impersonations change nothing, however the
/// request was made.
async fn writable(
    state: &AppState,
    parts: &Parts,
    operation: &str,
) -> Result<(CurrentStaff, Impersonation), Response> {
    let (Some(me), Some(imp)) = (current(parts), acting(parts)) else {
        return Err(not_acting());
    };
    if imp.mode() == Mode::Write {
        return Ok((me, imp));
    }
    let mut event = NewEvent::new(
        Action::ImpersonationDenied,
        Outcome::Denied,
        origin_of(parts, Some(&me)),
    )
    .detail(json!({"refusal": "read_only", "operation": operation}));
    event.sub_org_id = Some(imp.sub_org_id.clone());
    event.impersonation_id = Some(imp.id.clone());
    let _ = state.audit.append(event).await;
    Err((
        StatusCode::FORBIDDEN,
        "This impersonation is read-only. Switch to write mode, with a reason, to make changes.",
    )
        .into_response())
}

fn text(raw: &str) -> Option<String> {
    Some(raw.trim().to_owned()).filter(|s| !s.is_empty())
}

/// PostGrid's refusal, beside the form, in words.
fn upstream_feedback(feedback: FormFeedback, error: &PostgridError) -> (FormFeedback, StatusCode) {
    let status = match error {
        PostgridError::Validation { .. }
        | PostgridError::Rejected { .. }
        | PostgridError::NotFound { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        PostgridError::NotAllowed | PostgridError::Forbidden { .. } => StatusCode::FORBIDDEN,
        _ => StatusCode::BAD_GATEWAY,
    };
    (feedback.error("", error.user_message()), status)
}

#[derive(Deserialize, Default)]
struct ContactForm {
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    company_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    address_line1: String,
    #[serde(default)]
    address_line2: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    province_or_state: String,
    #[serde(default)]
    postal_or_zip: String,
    #[serde(default)]
    country_code: String,
    #[serde(default)]
    description: String,
}

pub async fn create_contact(State(state): State<AppState>, req: Request) -> Response {
    let (parts, form) = read_form::<ContactForm>(req).await;
    let (me, imp) = match writable(&state, &parts, "contacts.create").await {
        Ok(ok) => ok,
        Err(res) => return res,
    };
    let f = form.unwrap_or_default();
    let mut feedback = FormFeedback::new(CONTACT_FORM);
    for (name, value) in [
        ("first_name", &f.first_name),
        ("last_name", &f.last_name),
        ("company_name", &f.company_name),
        ("email", &f.email),
        ("address_line1", &f.address_line1),
        ("address_line2", &f.address_line2),
        ("city", &f.city),
        ("province_or_state", &f.province_or_state),
        ("postal_or_zip", &f.postal_or_zip),
        ("country_code", &f.country_code),
        ("description", &f.description),
    ] {
        feedback = feedback.value(name, value.trim());
    }
    if text(&f.first_name).is_none() && text(&f.company_name).is_none() {
        feedback = feedback.error("first_name", "Enter a first name or a company name.");
    }
    if text(&f.address_line1).is_none() {
        feedback = feedback.error("address_line1", "Enter the first line of the address.");
    }
    let country = CountryCode::parse(&f.country_code);
    if country.is_err() {
        feedback = feedback.error("country_code", "Choose the country from the list.");
    }
    if text(&f.email).is_some() && Email::parse(&f.email).is_err() {
        feedback = feedback.error(
            "email",
            "Enter an email such as name@example.com, or leave it empty.",
        );
    }
    let (Ok(country), false) = (country, feedback.has_errors()) else {
        return show_again(state, parts, feedback, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let new = NewContact {
        first_name: text(&f.first_name),
        last_name: text(&f.last_name),
        company_name: text(&f.company_name),
        email: text(&f.email),
        phone_number: None,
        address_line1: f.address_line1.trim().to_owned(),
        address_line2: text(&f.address_line2),
        city: text(&f.city),
        province_or_state: text(&f.province_or_state),
        postal_or_zip: text(&f.postal_or_zip),
        country_code: country.to_string(),
        description: text(&f.description),
    };
    let Some(client) = impersonation::org_client(&state, &imp, origin_of(&parts, Some(&me))) else {
        return not_acting();
    };
    match client.create_contact(&new).await {
        Ok(contact) => Redirect::to(&format!("/impersonation/contacts/{}?created=1", contact.id))
            .into_response(),
        Err(error) => {
            let (feedback, status) = upstream_feedback(feedback, &error);
            show_again(state, parts, feedback, status).await
        }
    }
}

#[derive(Deserialize, Default)]
struct TemplateForm {
    #[serde(default)]
    description: String,
    #[serde(default)]
    html: String,
}

async fn save_template(
    state: AppState,
    parts: Parts,
    form: Option<TemplateForm>,
    id: Option<String>,
) -> Response {
    let operation = if id.is_some() {
        "templates.update"
    } else {
        "templates.create"
    };
    let (me, imp) = match writable(&state, &parts, operation).await {
        Ok(ok) => ok,
        Err(res) => return res,
    };
    let f = form.unwrap_or_default();
    let mut feedback = FormFeedback::new(TEMPLATE_FORM)
        .value("description", f.description.trim())
        .value("html", &f.html);
    if text(&f.description).is_none() {
        feedback = feedback.error(
            "description",
            "Describe the template, so it can be found again.",
        );
    }
    if f.html.trim().is_empty() {
        feedback = feedback.error("html", "Enter the template's HTML.");
    }
    if feedback.has_errors() {
        return show_again(state, parts, feedback, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let fields = TemplateFields {
        description: text(&f.description),
        html: Some(f.html),
    };
    let Some(client) = impersonation::org_client(&state, &imp, origin_of(&parts, Some(&me))) else {
        return not_acting();
    };
    let saved = match &id {
        Some(id) => client.update_template(id, &fields).await,
        None => client.create_template(&fields).await,
    };
    match saved {
        Ok(template) => Redirect::to(&format!("/impersonation/templates/{}?saved=1", template.id))
            .into_response(),
        Err(error) => {
            let (feedback, status) = upstream_feedback(feedback, &error);
            show_again(state, parts, feedback, status).await
        }
    }
}

pub async fn create_template(State(state): State<AppState>, req: Request) -> Response {
    let (parts, form) = read_form::<TemplateForm>(req).await;
    save_template(state, parts, form, None).await
}

pub async fn update_template(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let (parts, form) = read_form::<TemplateForm>(req).await;
    save_template(state, parts, form, Some(id)).await
}

#[derive(Deserialize, Default)]
struct LetterForm {
    #[serde(default)]
    to: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    template: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    confirm_live: Option<String>,
}

/// Which chosen resource PostGrid says is not the sub-organization's.
fn foreign_reference(error: &PostgridError) -> Option<(&'static str, &'static str)> {
    let PostgridError::NotFound { message } = error else {
        return None;
    };
    match crate::postgrid::field_named_in(message).as_deref() {
        Some("to") => Some((
            "to",
            "The recipient contact does not belong to this sub-organization.",
        )),
        Some("from") => Some((
            "from",
            "The sender contact does not belong to this sub-organization.",
        )),
        Some("template") => Some((
            "template",
            "The template does not belong to this sub-organization.",
        )),
        _ => None,
    }
}

pub async fn create_letter(State(state): State<AppState>, req: Request) -> Response {
    let (parts, form) = read_form::<LetterForm>(req).await;
    let (me, imp) = match writable(&state, &parts, "letters.create").await {
        Ok(ok) => ok,
        Err(res) => return res,
    };
    let f = form.unwrap_or_default();
    let mut feedback = FormFeedback::new(LETTER_FORM)
        .value("to", f.to.trim())
        .value("from", f.from.trim())
        .value("template", f.template.trim())
        .value("description", f.description.trim());
    for (field, value, message) in [
        ("to", &f.to, "Choose who the letter goes to."),
        ("from", &f.from, "Choose who the letter is from."),
        ("template", &f.template, "Choose a template."),
    ] {
        if text(value).is_none() {
            feedback = feedback.error(field, message);
        }
    }
    if state.config.postgrid_mode == PostgridMode::Live && f.confirm_live.as_deref() != Some("yes")
    {
        feedback = feedback.error(
            "confirm_live",
            "Confirm that this letter is printed, mailed and charged to the sub-organization.",
        );
    }
    if feedback.has_errors() {
        return show_again(state, parts, feedback, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let new = NewLetter {
        to: f.to.trim().to_owned(),
        from: f.from.trim().to_owned(),
        template: f.template.trim().to_owned(),
        description: text(&f.description),
    };
    let Some(client) = impersonation::org_client(&state, &imp, origin_of(&parts, Some(&me))) else {
        return not_acting();
    };
    match client.create_letter(&new).await {
        Ok(letter) => {
            Redirect::to(&format!("/impersonation/letters/{}?created=1", letter.id)).into_response()
        }
        Err(error) => {
            let (feedback, status) = match foreign_reference(&error) {
                Some((field, message)) => (
                    feedback.error(field, message),
                    StatusCode::UNPROCESSABLE_ENTITY,
                ),
                None => upstream_feedback(feedback, &error),
            };
            show_again(state, parts, feedback, status).await
        }
    }
}

#[derive(Deserialize, Default)]
struct HandoffForm {
    #[serde(default)]
    sub_org_id: String,
    #[serde(default)]
    email: String,
}

/// Records the hand-off, then sends the admin to PostGrid's dashboard impersonation login.
pub async fn handoff(State(state): State<AppState>, req: Request) -> Response {
    let (parts, form) = read_form::<HandoffForm>(req).await;
    let Some(me) = current(&parts).filter(|me| me.can(Permission::Impersonate)) else {
        return StatusCode::FORBIDDEN.into_response();
    };
    let form = form.unwrap_or_default();
    let (Ok(sub_org), Ok(email)) = (SubOrgId::parse(&form.sub_org_id), Email::parse(&form.email))
    else {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose a user of a sub-organization.",
        )
            .into_response();
    };
    let mut event = NewEvent::new(
        Action::DashboardHandoff,
        Outcome::Ok,
        origin_of(&parts, Some(&me)),
    )
    .detail(json!({"user_email": email.as_str()}));
    event.sub_org_id = Some(sub_org.to_string());
    if state.audit.append(event).await.is_err() {
        return unavailable();
    }
    Redirect::to(state.config.postgrid_dashboard_url.as_str()).into_response()
}
