//! Acting on behalf of a sub-organization: start, stop, switch to write mode, the writes that
//! write mode allows, and the hand-off to PostGrid's dashboard.

use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;
use tower_sessions::Session;

use super::{safe_next, see_resource, show_again, FormFeedback};
use crate::audit::{Action, NewEvent, Origin, Outcome};
use crate::config::PostgridMode;
use crate::domain::text::{LINE_MAX_CHARS, TEMPLATE_HTML_MAX_CHARS};
use crate::domain::Reason;
use crate::domain::{CountryCode, Email, SubOrgId};
use crate::impersonation::{self, Denial, Mode, StartRequest};
use crate::postgrid::models::User;
use crate::postgrid::models::{NewContact, NewLetter, TemplateFields};
use crate::postgrid::{OrgOperation, Page, PostgridError, MAX_PAGE_SIZE};
use crate::state::AppState;
use crate::web::error::upstream_status;
use crate::web::extract::{need, ActingNow, Allowed, FormData, SignedIn};
use crate::web::feedback::NextStep;
use crate::web::request::origin_of;
use crate::web::{AppError, FormId};

/// Renders `path` instead of the path posted to (the form lives on another page).
fn at(mut parts: Parts, path: &str) -> Parts {
    if let Ok(uri) = path.parse::<Uri>() {
        parts.uri = uri;
    }
    parts
}

#[derive(Deserialize, Default)]
pub struct StartForm {
    #[serde(default)]
    sub_org_id: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    ticket: String,
    #[serde(default)]
    minutes: String,
}

pub async fn start(
    State(state): State<AppState>,
    session: Session,
    Allowed(me, _): Allowed<need::Impersonate>,
    FormData { head, fields: form }: FormData<StartForm>,
) -> Result<Response, AppError> {
    let sub_org = SubOrgId::parse(&form.sub_org_id)
        .map_err(|_| AppError::NotFound("There is no such sub-organization."))?;
    let origin = origin_of(&head, Some(&me));
    let request = StartRequest {
        sub_org: sub_org.clone(),
        reason: form.reason.clone(),
        ticket: Some(form.ticket.clone()),
        minutes: form.minutes.trim().parse::<u32>().unwrap_or(0),
    };
    let Err(denial) = impersonation::start(&state, &me, &session, &origin, request).await else {
        return Ok(Redirect::to("/impersonation").into_response());
    };
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
    let mut feedback = FormFeedback::new(FormId::ImpersonationStart)
        .value("reason", form.reason.trim())
        .value("ticket", form.ticket.trim())
        .value("minutes", form.minutes.trim())
        .error(field, denial.message());
    if denial == Denial::AlreadyActive {
        // The page then offers to stop the open one, wherever it was started.
        feedback = feedback.next(NextStep::StopActing);
    }
    let head = at(head, &format!("/sub-orgs/{sub_org}"));
    Ok(show_again(state, head, feedback, status).await)
}

pub async fn stop(
    State(state): State<AppState>,
    session: Session,
    SignedIn(me): SignedIn,
    head: Parts,
) -> Result<Response, AppError> {
    let origin = origin_of(&head, Some(&me));
    let stopped = impersonation::stop(&state, &session, Some(&me), &origin)
        .await
        .map_err(AppError::portal("stopping the impersonation"))?;
    Ok(match stopped {
        Some(imp) => Redirect::to(&format!("/sub-orgs/{}?stopped=1", imp.sub_org_id)),
        None => Redirect::to("/sub-orgs"),
    }
    .into_response())
}

#[derive(Deserialize, Default)]
pub struct ModeForm {
    #[serde(default)]
    why: String,
    /// `read_only` to give write mode up; without it, the form asks for write mode.
    #[serde(default)]
    mode: Option<Mode>,
    /// The page the form was on, to return to.
    #[serde(default)]
    back: String,
}

/// Switches write mode on (with its own reason) or back off; the session id changes either
/// way, as it does at start and stop, because what the session may do has changed.
pub async fn change_mode(
    State(state): State<AppState>,
    session: Session,
    ActingNow { me, imp }: ActingNow,
    FormData { head, fields: form }: FormData<ModeForm>,
) -> Result<Response, AppError> {
    let back = Some(safe_next(Some(form.back.trim()))).filter(|back| back != "/");
    let back = back.unwrap_or_else(|| "/impersonation".to_owned());
    let origin = origin_of(&head, Some(&me));
    let (to, why) = if form.mode == Some(Mode::ReadOnly) {
        (Mode::ReadOnly, None)
    } else {
        match Reason::parse(&form.why) {
            Ok(why) => (Mode::Write, Some(why)),
            Err(problem) => {
                let feedback = FormFeedback::new(FormId::ImpersonationMode)
                    .value("why", form.why.trim())
                    .error(
                        "why",
                        format!("Say why you need to make changes. {problem}"),
                    );
                let head = at(head, &back);
                return Ok(
                    show_again(state, head, feedback, StatusCode::UNPROCESSABLE_ENTITY).await,
                );
            }
        }
    };
    if imp.mode != to {
        impersonation::change_mode(&state, &imp, to, why.as_ref(), &origin)
            .await
            .map_err(AppError::portal("changing the mode"))?;
        session
            .cycle_id()
            .await
            .map_err(AppError::portal("renewing the session id"))?;
    }
    let target = match (to, back.as_str()) {
        (Mode::Write, "/impersonation") => "/impersonation?mode=write".to_owned(),
        (Mode::ReadOnly, "/impersonation") => "/impersonation?mode=read_only".to_owned(),
        (_, page) => page.to_owned(),
    };
    Ok(Redirect::to(&target).into_response())
}

/// Write mode, or a recorded refusal that shows the form again with what was typed: a
/// read-only impersonation changes nothing, however the request was made.
async fn writable(
    state: &AppState,
    head: &Parts,
    acting: &ActingNow,
    operation: OrgOperation,
    feedback: &FormFeedback,
) -> Result<(), Response> {
    if acting.imp.mode == Mode::Write {
        return Ok(());
    }
    let mut event = NewEvent::new(
        Action::ImpersonationDenied,
        Outcome::Denied,
        origin_of(head, Some(&acting.me)),
    )
    .detail(json!({"refusal": "read_only", "operation": operation.name()}));
    event.sub_org_id = Some(acting.imp.sub_org_id.to_string());
    event.impersonation_id = Some(acting.imp.id.to_string());
    let _ = state.audit.append(event).await;
    let feedback = feedback.clone().error(
        "",
        "This impersonation is read-only. Switch to write mode, with a reason, to make changes.",
    );
    Err(show_again(state.clone(), head.clone(), feedback, StatusCode::FORBIDDEN).await)
}

/// The org client for a write that passed its checks.
fn client_for(state: &AppState, head: &Parts, acting: &ActingNow) -> crate::postgrid::OrgClient {
    impersonation::org_client(state, &acting.imp, origin_of(head, Some(&acting.me)))
}

fn text(raw: &str) -> Option<String> {
    Some(raw.trim().to_owned()).filter(|s| !s.is_empty())
}

/// PostGrid's refusal, above the form, in words, with the status of the one table.
fn upstream_feedback(feedback: FormFeedback, error: PostgridError) -> (FormFeedback, StatusCode) {
    let status = upstream_status(&error);
    let message = error.user_message();
    AppError::from(error).log();
    (feedback.error("", message), status)
}

#[derive(Deserialize, Default)]
pub struct ContactForm {
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

impl ContactForm {
    fn fields(&self) -> [(&'static str, &String); 11] {
        [
            ("first_name", &self.first_name),
            ("last_name", &self.last_name),
            ("company_name", &self.company_name),
            ("email", &self.email),
            ("address_line1", &self.address_line1),
            ("address_line2", &self.address_line2),
            ("city", &self.city),
            ("province_or_state", &self.province_or_state),
            ("postal_or_zip", &self.postal_or_zip),
            ("country_code", &self.country_code),
            ("description", &self.description),
        ]
    }

    fn typed(&self) -> FormFeedback {
        self.fields().into_iter().fold(
            FormFeedback::new(FormId::Contact),
            |feedback, (name, value)| feedback.value(name, value.trim()),
        )
    }
}

/// Each field checked in one place; the error is what was typed with a problem per field.
impl TryFrom<&ContactForm> for NewContact {
    type Error = FormFeedback;

    fn try_from(f: &ContactForm) -> Result<Self, FormFeedback> {
        let mut feedback = f
            .fields()
            .into_iter()
            .fold(f.typed(), |feedback, (name, value)| {
                feedback.within(name, value, LINE_MAX_CHARS)
            });
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
            return Err(feedback);
        };
        Ok(Self {
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
        })
    }
}

pub async fn create_contact(
    State(state): State<AppState>,
    acting: ActingNow,
    FormData { head, fields: form }: FormData<ContactForm>,
) -> Response {
    let typed = form.typed();
    if let Err(refused) =
        writable(&state, &head, &acting, OrgOperation::ContactsCreate, &typed).await
    {
        return refused;
    }
    let new = match NewContact::try_from(&form) {
        Ok(new) => new,
        Err(feedback) => {
            return show_again(state, head, feedback, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    };
    let client = client_for(&state, &head, &acting);
    match client.create_contact(&new).await {
        Ok(contact) => see_resource("/impersonation/contacts", &contact.id, "?created=1"),
        Err(error) => {
            let (feedback, status) = upstream_feedback(typed, error);
            show_again(state, head, feedback, status).await
        }
    }
}

#[derive(Deserialize, Default)]
pub struct TemplateForm {
    #[serde(default)]
    description: String,
    #[serde(default)]
    html: String,
}

impl TemplateForm {
    fn typed(&self) -> FormFeedback {
        FormFeedback::new(FormId::Template)
            .value("description", self.description.trim())
            .value("html", &self.html)
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
        if feedback.has_errors() {
            return Err(feedback);
        }
        Ok(Self {
            description: text(&f.description),
            html: Some(f.html.clone()),
        })
    }
}

async fn save_template(
    state: AppState,
    acting: ActingNow,
    FormData { head, fields: form }: FormData<TemplateForm>,
    id: Option<String>,
) -> Response {
    let operation = if id.is_some() {
        OrgOperation::TemplatesUpdate
    } else {
        OrgOperation::TemplatesCreate
    };
    let typed = form.typed();
    if let Err(refused) = writable(&state, &head, &acting, operation, &typed).await {
        return refused;
    }
    let fields = match TemplateFields::try_from(&form) {
        Ok(fields) => fields,
        Err(feedback) => {
            return show_again(state, head, feedback, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    };
    let client = client_for(&state, &head, &acting);
    let saved = match &id {
        Some(id) => client.update_template(id, &fields).await,
        None => client.create_template(&fields).await,
    };
    match saved {
        Ok(template) => see_resource("/impersonation/templates", &template.id, "?saved=1"),
        Err(error) => {
            let (feedback, status) = upstream_feedback(typed, error);
            show_again(state, head, feedback, status).await
        }
    }
}

pub async fn create_template(
    State(state): State<AppState>,
    acting: ActingNow,
    form: FormData<TemplateForm>,
) -> Response {
    save_template(state, acting, form, None).await
}

pub async fn update_template(
    State(state): State<AppState>,
    acting: ActingNow,
    Path(id): Path<String>,
    form: FormData<TemplateForm>,
) -> Response {
    save_template(state, acting, form, Some(id)).await
}

#[derive(Deserialize, Default)]
pub struct LetterForm {
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

impl LetterForm {
    fn typed(&self) -> FormFeedback {
        FormFeedback::new(FormId::Letter)
            .value("to", self.to.trim())
            .value("from", self.from.trim())
            .value("template", self.template.trim())
            .value("description", self.description.trim())
    }
}

impl TryFrom<&LetterForm> for NewLetter {
    type Error = FormFeedback;

    fn try_from(f: &LetterForm) -> Result<Self, FormFeedback> {
        let mut feedback = f.typed();
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
        if feedback.has_errors() {
            return Err(feedback);
        }
        Ok(Self {
            to: f.to.trim().to_owned(),
            from: f.from.trim().to_owned(),
            template: f.template.trim().to_owned(),
            description: text(&f.description),
        })
    }
}

pub async fn create_letter(
    State(state): State<AppState>,
    acting: ActingNow,
    FormData { head, fields: form }: FormData<LetterForm>,
) -> Response {
    let typed = form.typed();
    if let Err(refused) =
        writable(&state, &head, &acting, OrgOperation::LettersCreate, &typed).await
    {
        return refused;
    }
    let mut parsed = NewLetter::try_from(&form);
    if state.config.postgrid_mode == PostgridMode::Live
        && form.confirm_live.as_deref() != Some("yes")
    {
        let feedback = parsed.err().unwrap_or_else(|| typed.clone());
        parsed = Err(feedback.error(
            "confirm_live",
            "Confirm that this letter is printed, mailed and charged to the sub-organization.",
        ));
    }
    let new = match parsed {
        Ok(new) => new,
        Err(feedback) => {
            return show_again(state, head, feedback, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    };
    let client = client_for(&state, &head, &acting);
    match client.create_letter(&new).await {
        Ok(letter) => see_resource("/impersonation/letters", &letter.id, "?created=1"),
        Err(error) => {
            let (feedback, status) = match foreign_reference(&error) {
                Some((field, message)) => (
                    typed.error(field, message),
                    StatusCode::UNPROCESSABLE_ENTITY,
                ),
                None => upstream_feedback(typed, error),
            };
            show_again(state, head, feedback, status).await
        }
    }
}

#[derive(Deserialize, Default)]
pub struct HandoffForm {
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
pub async fn handoff(
    State(state): State<AppState>,
    Allowed(me, _): Allowed<need::Impersonate>,
    FormData {
        head: parts,
        fields: form,
    }: FormData<HandoffForm>,
) -> Result<Response, AppError> {
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
    state
        .audit
        .append(event)
        .await
        .map_err(AppError::portal("recording the hand-off"))?;
    let feedback = FormFeedback::new(FormId::Handoff)
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
    Ok(show_again(state, parts, feedback, status).await)
}
