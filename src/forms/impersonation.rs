//! Acting on behalf of a sub-organization: start, stop, switch to write mode, the writes that
//! write mode allows, and the hand-off to PostGrid's dashboard.

use axum::extract::State;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;
use tower_sessions::Session;

use super::{at, safe_next, show_again, FormFeedback};
use crate::approvals;
use crate::audit::{Action, NewEvent, Origin, Outcome};
use crate::domain::text::LINE_MAX_CHARS;
use crate::domain::Reason;
use crate::domain::{Email, SubOrgId};
use crate::impersonation::{self, Denial, Mode, StartRequest};
use crate::postgrid::models::User;
use crate::postgrid::{Page, PostgridError, MAX_PAGE_SIZE};
use crate::state::AppState;
use crate::web::extract::{need, ActingAny, Allowed, FormData, SignedIn};
use crate::web::feedback::NextStep;
use crate::web::request::origin_of;
use crate::web::{AppError, FormId};

#[derive(Deserialize, Default)]
pub struct StartForm {
    #[serde(default)]
    sub_org_id: String,
    /// A SendGrid subuser's username (from its page).
    #[serde(default)]
    account: String,
    /// A SendGrid customer account's id, as typed.
    #[serde(default)]
    customer_id: String,
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
    let (target, page) = match start_target(&form) {
        Ok(found) => found,
        Err(refused) => return refused.show(state, head, &form).await,
    };
    let origin = origin_of(&head, Some(&me));
    let request = StartRequest {
        target,
        reason: form.reason.clone(),
        ticket: Some(form.ticket.clone()),
        minutes: form.minutes.trim().parse::<u32>().unwrap_or(0),
    };
    let home = match request.target {
        impersonation::Target::Postgrid(_) => "/impersonation",
        impersonation::Target::Sendgrid(_) => "/sendgrid/acting",
    };
    let Err(denial) = impersonation::start(&state, &me, &session, &origin, request).await else {
        return Ok(Redirect::to(home).into_response());
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
    let mut feedback = typed_start(&form).error(field, denial.message());
    if denial == Denial::AlreadyActive {
        // The page then offers to stop the open one, wherever it was started.
        feedback = feedback.next(NextStep::StopActing);
    }
    let head = at(head, &page);
    Ok(show_again(state, head, feedback, status).await)
}

/// What was typed into a start form, to show it again.
fn typed_start(form: &StartForm) -> FormFeedback {
    FormFeedback::new(FormId::ImpersonationStart)
        .value("reason", form.reason.trim())
        .value("ticket", form.ticket.trim())
        .value("minutes", form.minutes.trim())
        .value("customer_id", form.customer_id.trim())
}

/// A start form whose target cannot be acted for, before anything is sent or recorded.
enum BadTarget {
    NoSuchSubOrg,
    /// A customer account id that is not one: said beside the field.
    CustomerId(crate::sendgrid::AccountProblem),
    NoSuchSubuser,
}

impl BadTarget {
    async fn show(
        self,
        state: AppState,
        head: Parts,
        form: &StartForm,
    ) -> Result<Response, AppError> {
        match self {
            Self::NoSuchSubOrg => Err(AppError::NotFound("There is no such sub-organization.")),
            Self::NoSuchSubuser => Err(AppError::NotFound(
                "There is no SendGrid subuser by that name: a username has only letters, digits, _, . and -.",
            )),
            Self::CustomerId(problem) => {
                let feedback = typed_start(form).error(
                    "customer_id",
                    format!("Check the id: {problem}. Nothing was sent to SendGrid."),
                );
                let head = at(head, "/sendgrid/subusers");
                Ok(show_again(state, head, feedback, StatusCode::UNPROCESSABLE_ENTITY).await)
            }
        }
    }
}

/// Whom the form asks to act for, checked, and the page the form is on.
fn start_target(form: &StartForm) -> Result<(impersonation::Target, String), BadTarget> {
    use crate::sendgrid::{Account, CustomerId, Username};
    use impersonation::Target;
    let customer = form.customer_id.trim();
    if !customer.is_empty() {
        let id = CustomerId::parse(customer).map_err(BadTarget::CustomerId)?;
        let target = Target::Sendgrid(Account::Customer(id));
        return Ok((target, "/sendgrid/subusers".to_owned()));
    }
    if !form.account.is_empty() {
        let name = Username::parse(&form.account).map_err(|_| BadTarget::NoSuchSubuser)?;
        let page = crate::web::paths::resource_path("/sendgrid/subusers", name.as_str(), "");
        return Ok((Target::Sendgrid(Account::Subuser(name)), page));
    }
    let sub_org = SubOrgId::parse(&form.sub_org_id).map_err(|_| BadTarget::NoSuchSubOrg)?;
    let page = format!("/sub-orgs/{sub_org}");
    Ok((Target::Postgrid(sub_org), page))
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
        Some(imp) => Redirect::to(&after_stop(&imp.target)),
        None => Redirect::to("/sub-orgs"),
    }
    .into_response())
}

/// Back to the page of whom the impersonation acted for.
fn after_stop(target: &impersonation::Target) -> String {
    use crate::sendgrid::Account;
    match target {
        impersonation::Target::Postgrid(id) => format!("/sub-orgs/{id}?stopped=1"),
        impersonation::Target::Sendgrid(Account::Subuser(name)) => {
            crate::web::paths::resource_path("/sendgrid/subusers", name.as_str(), "?stopped=1")
        }
        impersonation::Target::Sendgrid(Account::Customer(_)) => {
            "/sendgrid/subusers?stopped=1".to_owned()
        }
    }
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
    ActingAny { me, imp }: ActingAny,
    FormData { head, fields: form }: FormData<ModeForm>,
) -> Result<Response, AppError> {
    let back = Some(safe_next(Some(form.back.trim()))).filter(|back| back != "/");
    let back = back.unwrap_or_else(|| match imp.target {
        impersonation::Target::Postgrid(_) => "/impersonation".to_owned(),
        impersonation::Target::Sendgrid(_) => "/sendgrid/acting".to_owned(),
    });
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
    // With four eyes, write mode is had for the reason another admin granted, nothing else.
    let mut why = why;
    if let (Mode::Write, Mode::ReadOnly, true, Some(asked)) =
        (to, imp.mode, state.config.write_approval, why.as_ref())
    {
        let granted = approvals::granted_for(&state.db, imp.id)
            .await
            .map_err(AppError::portal("looking for an approval"))?;
        match granted.map(|reason| Reason::parse(&reason)) {
            Some(Ok(reason)) => why = Some(reason),
            _ => {
                approvals::request(
                    &state.db,
                    &state.audit,
                    &imp,
                    asked,
                    &origin,
                    state.clock.now(),
                )
                .await
                .map_err(AppError::portal("filing the request for write mode"))?;
                let home = match imp.target {
                    impersonation::Target::Postgrid(_) => "/impersonation",
                    impersonation::Target::Sendgrid(_) => "/sendgrid/acting",
                };
                return Ok(Redirect::to(&format!("{home}?approval=requested")).into_response());
            }
        }
    }
    if imp.mode != to {
        impersonation::change_mode(&state, &imp, to, why.as_ref(), &origin)
            .await
            .map_err(AppError::portal("changing the mode"))?;
        session
            .cycle_id()
            .await
            .map_err(AppError::portal("renewing the session id"))?;
    }
    let target = match back.as_str() {
        home @ ("/impersonation" | "/sendgrid/acting") => format!("{home}?mode={}", to.as_str()),
        page => page.to_owned(),
    };
    Ok(Redirect::to(&target).into_response())
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
    event.provider = Some(crate::upstream::Provider::Postgrid);
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
