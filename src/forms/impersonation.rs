//! Acting on behalf of a sub-organization: start, stop, switch to write mode, the writes that
//! write mode allows, and the hand-off to PostGrid's dashboard.

use axum::extract::{Path, Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;
use tower_sessions::Session;

use super::{current, read_form, see_resource, show_again, unavailable, FormFeedback};
use crate::audit::{Action, NewEvent, Origin, Outcome};
use crate::auth::{CurrentStaff, Permission};
use crate::config::PostgridMode;
use crate::domain::text::{LINE_MAX_CHARS, TEMPLATE_HTML_MAX_CHARS};
use crate::domain::Reason;
use crate::domain::{CountryCode, Email, SubOrgId};
use crate::impersonation::{self, Denial, Impersonation, Mode, StartRequest};
use crate::postgrid::models::User;
use crate::postgrid::models::{NewContact, NewLetter, TemplateFields};
use crate::postgrid::{Page, PostgridError, MAX_PAGE_SIZE};
use crate::state::AppState;
use crate::web::request::origin_of;
use crate::web::request::Acting;

pub const START_FORM: crate::web::FormId = crate::web::FormId::ImpersonationStart;
pub const MODE_FORM: crate::web::FormId = crate::web::FormId::ImpersonationMode;
pub const CONTACT_FORM: crate::web::FormId = crate::web::FormId::Contact;
pub const TEMPLATE_FORM: crate::web::FormId = crate::web::FormId::Template;
pub const LETTER_FORM: crate::web::FormId = crate::web::FormId::Letter;
pub const HANDOFF_FORM: crate::web::FormId = crate::web::FormId::Handoff;

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
                Denial::BadReason(_) => "reason",
                Denial::TicketTooLong => "ticket",
                Denial::BadDuration { .. } => "minutes",
                _ => "",
            };
            let status = match denial {
                Denial::BadReason(_) | Denial::TicketTooLong | Denial::BadDuration { .. } => {
                    StatusCode::UNPROCESSABLE_ENTITY
                }
                Denial::AlreadyActive => StatusCode::CONFLICT,
                Denial::Unrecorded => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::FORBIDDEN,
            };
            let feedback = FormFeedback::new(START_FORM)
                // The page then offers to stop the open one, wherever it was started.
                .value(
                    "acting_elsewhere",
                    if denial == Denial::AlreadyActive {
                        "yes"
                    } else {
                        ""
                    },
                )
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
    match impersonation::stop(&state, &session, me.as_ref(), &origin).await {
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
    /// `read_only` to give write mode up; anything else asks for it.
    #[serde(default)]
    mode: String,
}

/// Switches write mode on (with its own reason) or back off; the session id changes either
/// way, as it does at start and stop, because what the session may do has changed.
pub async fn change_mode(
    State(state): State<AppState>,
    session: Session,
    req: Request,
) -> Response {
    let (parts, form) = read_form::<ModeForm>(req).await;
    let (Some(me), Some(imp)) = (current(&parts), acting(&parts)) else {
        return not_acting();
    };
    let form = form.unwrap_or_default();
    let origin = origin_of(&parts, Some(&me));
    let (to, why) = if form.mode == "read_only" {
        (Mode::ReadOnly, None)
    } else {
        match Reason::parse(&form.why) {
            Ok(why) => (Mode::Write, Some(why)),
            Err(problem) => {
                let feedback = FormFeedback::new(MODE_FORM)
                    .value("why", form.why.trim())
                    .error(
                        "why",
                        format!("Say why you need to make changes. {problem}"),
                    );
                return show_again(
                    state,
                    at(parts, "/impersonation"),
                    feedback,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
        }
    };
    if imp.mode() == to {
        return Redirect::to("/impersonation").into_response();
    }
    if let Err(err) = impersonation::change_mode(&state, &imp, to, why.as_ref(), &origin).await {
        tracing::error!(error = %err, "the mode could not be changed");
        return unavailable();
    }
    if let Err(err) = session.cycle_id().await {
        tracing::error!(error = %err, "the session id could not be renewed");
        return unavailable();
    }
    let target = match to {
        Mode::Write => "/impersonation?mode=write",
        Mode::ReadOnly => "/impersonation?mode=read_only",
    };
    Redirect::to(target).into_response()
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
        feedback = feedback
            .value(name, value.trim())
            .within(name, value, LINE_MAX_CHARS);
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
        Ok(contact) => see_resource("/impersonation/contacts", &contact.id, "?created=1"),
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
    feedback = feedback
        .within("description", &f.description, LINE_MAX_CHARS)
        .within("html", &f.html, TEMPLATE_HTML_MAX_CHARS);
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
        Ok(template) => see_resource("/impersonation/templates", &template.id, "?saved=1"),
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
        feedback = feedback.within(field, value, LINE_MAX_CHARS);
    }
    feedback = feedback.within("description", &f.description, LINE_MAX_CHARS);
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
        Ok(letter) => see_resource("/impersonation/letters", &letter.id, "?created=1"),
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

/// Why a hand-off was refused, as recorded.
enum HandoffRefusal {
    Invalid,
    NotAChild,
    NotAUser,
    /// PostGrid could not be asked (down, rate limited, …): nothing was confirmed.
    Unconfirmed(PostgridError),
}

impl HandoffRefusal {
    fn code(&self) -> &'static str {
        match self {
            Self::Invalid => "invalid",
            Self::NotAChild => "not_a_child",
            Self::NotAUser => "not_a_user",
            Self::Unconfirmed(_) => "not_confirmed",
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
            Self::NotAChild | Self::NotAUser => StatusCode::FORBIDDEN,
            Self::Unconfirmed(_) => StatusCode::BAD_GATEWAY,
        }
    }

    fn message(&self) -> String {
        match self {
            Self::Invalid => "Choose a user from a sub-organization's user list.".to_owned(),
            Self::NotAChild => "PostGrid does not confirm this sub-organization as one of yours, so there is nothing to hand off.".to_owned(),
            Self::NotAUser => "PostGrid does not list this email among the sub-organization's users, so there is nothing to hand off.".to_owned(),
            Self::Unconfirmed(error) => format!("The portal could not confirm the user with PostGrid. {}", error.user_message()),
        }
    }
}

/// Confirms with PostGrid that `sub_org` is the parent's and `email` one of its users.
async fn confirm_user(
    state: &AppState,
    origin: Origin,
    sub_org: &SubOrgId,
    email: &Email,
) -> Result<(String, User), HandoffRefusal> {
    let parent = state.parent_client(origin);
    let org = parent.get_sub_org(sub_org).await.map_err(|err| match err {
        PostgridError::NotFound { .. } | PostgridError::Forbidden { .. } => {
            HandoffRefusal::NotAChild
        }
        other => HandoffRefusal::Unconfirmed(other),
    })?;
    let page = Page {
        limit: MAX_PAGE_SIZE,
        skip: 0,
        search: Some(email.to_string()),
    };
    let users = parent
        .list_sub_org_users(sub_org, &page)
        .await
        .map_err(HandoffRefusal::Unconfirmed)?;
    users
        .into_iter()
        .find(|u| u.email.trim().eq_ignore_ascii_case(email.as_str()))
        .map(|user| (org.name, user))
        .ok_or(HandoffRefusal::NotAUser)
}

/// Hands off to PostGrid's dashboard impersonation login, for a sub-organization PostGrid
/// confirms as the parent's and one of its users. The portal's CSP allows forms to post only
/// to itself (and a redirect after a post counts), so the answer is a page with a plain link
/// to the dashboard's login, which works with JavaScript off; the event records exactly that.
pub async fn handoff(State(state): State<AppState>, req: Request) -> Response {
    let (parts, form) = read_form::<HandoffForm>(req).await;
    let Some(me) = current(&parts).filter(|me| me.can(Permission::Impersonate)) else {
        return StatusCode::FORBIDDEN.into_response();
    };
    let form = form.unwrap_or_default();
    let origin = origin_of(&parts, Some(&me));
    let parsed = SubOrgId::parse(&form.sub_org_id)
        .ok()
        .zip(Email::parse(&form.email).ok());
    let confirmed = match &parsed {
        Some((sub_org, email)) => confirm_user(&state, origin.clone(), sub_org, email).await,
        None => Err(HandoffRefusal::Invalid),
    };
    let dashboard = state.config.postgrid_dashboard_url.as_str().to_owned();
    let typed_email: String = form.email.trim().chars().take(LINE_MAX_CHARS).collect();
    let typed_org: String = form
        .sub_org_id
        .trim()
        .chars()
        .take(LINE_MAX_CHARS)
        .collect();
    let (outcome, detail) = match &confirmed {
        Ok((_, user)) => (
            Outcome::Ok,
            json!({"user_email": user.email, "user_id": user.id, "shown": "dashboard_link", "dashboard_url": dashboard}),
        ),
        Err(refusal) => (
            Outcome::Denied,
            json!({"user_email": typed_email, "refusal": refusal.code()}),
        ),
    };
    let mut event = NewEvent::new(Action::DashboardHandoff, outcome, origin).detail(detail);
    event.sub_org_id = Some(typed_org.clone());
    if state.audit.append(event).await.is_err() {
        return unavailable();
    }
    let feedback = FormFeedback::new(HANDOFF_FORM)
        .value("sub_org_id", &typed_org)
        .value("email", &typed_email);
    let (feedback, status) = match confirmed {
        Ok((name, user)) => (
            feedback
                .value("sub_org_name", &name)
                .value("email", &user.email)
                .value("dashboard", &dashboard),
            StatusCode::OK,
        ),
        Err(refusal) => (feedback.error("", refusal.message()), refusal.status()),
    };
    show_again(state, parts, feedback, status).await
}
