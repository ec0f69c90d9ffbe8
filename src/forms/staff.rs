//! Managing staff (admins only): add, change role, disable, set a new password.

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::json;

use super::{current, read_form, show_again, unavailable, FormFeedback};
use crate::audit::{Action, NewEvent, Outcome};
use crate::auth::password::check_policy;
use crate::auth::staff::{self, Change, ChangeError, StaffError};
use crate::auth::throttle;
use crate::auth::{CurrentStaff, Permission, Role};
use crate::domain::text::LINE_MAX_CHARS;
use crate::domain::Email;
use crate::impersonation::{self, EndReason};
use crate::state::AppState;
use crate::web::request::origin_of;

pub const ADD_FORM: crate::web::FormId = crate::web::FormId::StaffAdd;
pub const ROW_FORM: crate::web::FormId = crate::web::FormId::StaffRow;
const LAST_ADMIN: &str = "This is the last active admin; make someone else an admin first.";
const NO_SUCH_STAFF: &str = "There is no such staff member.";

#[derive(Deserialize, Default)]
struct AddForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

pub async fn add(State(state): State<AppState>, req: Request) -> Response {
    let (parts, form) = read_form::<AddForm>(req).await;
    let Some(me) = current(&parts).filter(|me| me.can(Permission::ManageStaff)) else {
        return StatusCode::FORBIDDEN.into_response();
    };
    let form = form.unwrap_or_default();
    let mut feedback = FormFeedback::new(ADD_FORM)
        .value("email", form.email.trim())
        .value("name", form.name.trim())
        .value("role", &form.role);
    let email = Email::parse(&form.email);
    if email.is_err() {
        feedback = feedback.error("email", "Enter an email address such as name@example.com.");
    }
    if form.name.trim().is_empty() {
        feedback = feedback.error("name", "Enter the person's name.");
    }
    feedback = feedback.within("name", &form.name, LINE_MAX_CHARS);
    let role = Role::parse(&form.role);
    if role.is_none() {
        feedback = feedback.error("role", "Choose a role.");
    }
    if let Err(weak) = check_policy(&form.password) {
        feedback = feedback.error("password", format!("Choose a stronger password: {weak}."));
    }
    let (Ok(email), Some(role), false) = (email, role, feedback.has_errors()) else {
        return show_again(state, parts, feedback, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let Ok(hash) = state.hasher.hash(SecretString::from(form.password)).await else {
        return unavailable();
    };
    match staff::insert_staff(
        &state.db,
        &email,
        &form.name,
        role,
        &hash,
        state.clock.now(),
    )
    .await
    {
        Ok(created) => {
            let event = NewEvent::new(
                Action::StaffCreated,
                Outcome::Ok,
                origin_of(&parts, Some(&me)),
            )
            .detail(json!({"staff_id": created.id, "email": created.email, "role": role.as_str()}));
            if state.audit.append(event).await.is_err() {
                return unavailable();
            }
            Redirect::to("/staff?done=added").into_response()
        }
        Err(StaffError::EmailTaken) => {
            let feedback = feedback.error("email", "Someone on the staff already has this email.");
            show_again(state, parts, feedback, StatusCode::CONFLICT).await
        }
        Err(StaffError::Database(err)) => {
            tracing::error!(error = %err, "staff could not be added");
            unavailable()
        }
    }
}

#[derive(Deserialize, Default)]
struct RoleForm {
    #[serde(default)]
    role: String,
}

#[derive(Deserialize, Default)]
struct PasswordForm {
    #[serde(default)]
    password: String,
}

/// What a change to someone else's account needs checked first.
async fn guard(
    state: &AppState,
    me: &CurrentStaff,
    id: i64,
    demotes_or_disables: bool,
) -> Result<staff::Staff, &'static str> {
    let target = match staff::find_by_id(&state.db, id).await {
        Ok(Some(target)) => target,
        Ok(None) => return Err(NO_SUCH_STAFF),
        Err(_) => return Err("The portal could not load this staff member. Try again."),
    };
    if demotes_or_disables && target.id == me.id {
        return Err("You cannot disable or demote yourself; ask another admin.");
    }
    Ok(target)
}

async fn apply(
    state: AppState,
    parts: axum::http::request::Parts,
    me: CurrentStaff,
    id: i64,
    change: Change<'_>,
    action: Action,
    detail: serde_json::Value,
) -> Response {
    // A new password ends every session of the person, and with them what they were doing.
    let ends = match &change {
        Change::Disable => Some(EndReason::Disabled),
        Change::Role(role) if !role.can(Permission::Impersonate) => Some(EndReason::Revoked),
        Change::Password(_) => Some(EndReason::Revoked),
        Change::Role(_) => None,
    };
    match staff::update_staff(&state.db, id, change, state.clock.now()).await {
        Ok(()) => {}
        Err(ChangeError::LastAdmin) => {
            return refuse(state, parts, &me, id, action, LAST_ADMIN).await;
        }
        Err(ChangeError::NotFound) => {
            return refuse(state, parts, &me, id, action, NO_SUCH_STAFF).await;
        }
        Err(ChangeError::Database(err)) => {
            tracing::error!(error = %err, "staff change failed");
            return unavailable();
        }
    }
    if let Some(reason) = ends {
        let origin = origin_of(&parts, Some(&me));
        let now = state.clock.now();
        if impersonation::end_all_for(&state.db, &state.audit, now, id, reason, &origin)
            .await
            .is_err()
        {
            return unavailable();
        }
    }
    let event = NewEvent::new(action, Outcome::Ok, origin_of(&parts, Some(&me))).detail(detail);
    if state.audit.append(event).await.is_err() {
        return unavailable();
    }
    Redirect::to("/staff?done=updated").into_response()
}

async fn refuse(
    state: AppState,
    parts: axum::http::request::Parts,
    me: &CurrentStaff,
    id: i64,
    action: Action,
    message: &str,
) -> Response {
    let event = NewEvent::new(action, Outcome::Denied, origin_of(&parts, Some(me)))
        .detail(json!({"staff_id": id, "reason": message}));
    let _ = state.audit.append(event).await;
    let feedback = FormFeedback::new(ROW_FORM)
        .value("id", &id.to_string())
        .error("", message);
    show_again(state, parts, feedback, StatusCode::CONFLICT).await
}

pub async fn change_role(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    req: Request,
) -> Response {
    let (parts, form) = read_form::<RoleForm>(req).await;
    let Some(me) = current(&parts).filter(|me| me.can(Permission::ManageStaff)) else {
        return StatusCode::FORBIDDEN.into_response();
    };
    let Some(role) = form.and_then(|f| Role::parse(&f.role)) else {
        return refuse(
            state,
            parts,
            &me,
            id,
            Action::StaffUpdated,
            "Choose a role.",
        )
        .await;
    };
    let target = match guard(&state, &me, id, role != Role::Admin).await {
        Ok(target) => target,
        Err(message) => return refuse(state, parts, &me, id, Action::StaffUpdated, message).await,
    };
    if target.role == role {
        return Redirect::to("/staff").into_response();
    }
    let detail = json!({"staff_id": id, "email": target.email, "role": {"from": target.role.as_str(), "to": role.as_str()}});
    apply(
        state,
        parts,
        me,
        id,
        Change::Role(role),
        Action::StaffUpdated,
        detail,
    )
    .await
}

pub async fn disable(State(state): State<AppState>, Path(id): Path<i64>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let Some(me) = current(&parts).filter(|me| me.can(Permission::ManageStaff)) else {
        return StatusCode::FORBIDDEN.into_response();
    };
    let target = match guard(&state, &me, id, true).await {
        Ok(target) => target,
        Err(message) => return refuse(state, parts, &me, id, Action::StaffDisabled, message).await,
    };
    let detail = json!({"staff_id": id, "email": target.email});
    apply(
        state,
        parts,
        me,
        id,
        Change::Disable,
        Action::StaffDisabled,
        detail,
    )
    .await
}

pub async fn set_password(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    req: Request,
) -> Response {
    let (parts, form) = read_form::<PasswordForm>(req).await;
    let Some(me) = current(&parts).filter(|me| me.can(Permission::ManageStaff)) else {
        return StatusCode::FORBIDDEN.into_response();
    };
    let password = form.unwrap_or_default().password;
    if let Err(weak) = check_policy(&password) {
        let feedback = FormFeedback::new(ROW_FORM)
            .value("id", &id.to_string())
            .error("password", format!("Choose a stronger password: {weak}."));
        return show_again(state, parts, feedback, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let target = match guard(&state, &me, id, false).await {
        Ok(target) => target,
        Err(message) => return refuse(state, parts, &me, id, Action::StaffUpdated, message).await,
    };
    let Ok(hash) = state.hasher.hash(SecretString::from(password)).await else {
        return unavailable();
    };
    // A new password lifts the lockout: the person can sign in with it at once.
    if let Ok(email) = Email::parse(&target.email) {
        if let Err(err) = throttle::clear_lockout(&state.db, &email).await {
            tracing::error!(error = %err, "the lockout could not be lifted");
            return unavailable();
        }
    }
    let detail = json!({"staff_id": id, "email": target.email, "password": "changed"});
    apply(
        state,
        parts,
        me,
        id,
        Change::Password(&hash),
        Action::StaffUpdated,
        detail,
    )
    .await
}
