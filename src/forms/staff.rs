//! Managing staff (admins only): add, change role, disable, set a new password.

use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect, Response};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::json;

use super::{show_again, FormFeedback};
use crate::audit::{Action, NewEvent, Outcome};
use crate::auth::password::check_policy;
use crate::auth::staff::{self, Change, StaffError};
use crate::auth::throttle;
use crate::auth::{CurrentStaff, Role};
use crate::domain::text::LINE_MAX_CHARS;
use crate::domain::Email;
use crate::staff_changes::{self, ChangeFailure, ChangedBy, Refusal};
use crate::state::AppState;
use crate::web::extract::{need, Allowed, FormData};
use crate::web::request::origin_of;
use crate::web::{AppError, FormId};

#[derive(Deserialize, Default)]
pub struct AddForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
    /// A checkbox, checked on the form: they choose their own password at first sign-in.
    #[serde(default)]
    must_change: Option<String>,
}

pub async fn add(
    State(state): State<AppState>,
    Allowed(me, _): Allowed<need::ManageStaff>,
    FormData {
        head: parts,
        fields: form,
    }: FormData<AddForm>,
) -> Result<Response, AppError> {
    let mut feedback = FormFeedback::new(FormId::StaffAdd)
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
        return Ok(show_again(state, parts, feedback, StatusCode::UNPROCESSABLE_ENTITY).await);
    };
    let hash = state
        .hasher
        .hash(SecretString::from(form.password))
        .await
        .map_err(AppError::portal("hashing the password"))?;
    match staff::insert_staff(
        &state.db,
        &email,
        &form.name,
        role,
        &hash,
        form.must_change.is_some(),
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
            state
                .audit
                .append(event)
                .await
                .map_err(AppError::portal("recording the new staff member"))?;
            Ok(Redirect::to("/staff?done=added").into_response())
        }
        Err(StaffError::EmailTaken) => {
            let feedback = feedback.error("email", "Someone on the staff already has this email.");
            Ok(show_again(state, parts, feedback, StatusCode::CONFLICT).await)
        }
        Err(StaffError::Database(err)) => Err(AppError::portal("adding the staff member")(err)),
    }
}

#[derive(Deserialize, Default)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

#[derive(Deserialize, Default)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
    /// A checkbox: they replace it with their own at their next sign-in.
    #[serde(default)]
    must_change: Option<String>,
}

/// A change to someone else's row, with the rules in `auth::staff_changes`; a refusal shows
/// the staff page again with the reason beside the row.
async fn change<'c>(
    state: AppState,
    head: Parts,
    me: CurrentStaff,
    id: String,
    change: impl FnOnce(&staff::Staff) -> Option<(Change<'c>, serde_json::Value)>,
    action: Action,
) -> Result<Response, AppError> {
    let target = staff::find_by_path_id(&state.db, &id)
        .await
        .map_err(AppError::portal("loading the staff member"))?;
    let Some(target) = target else {
        return Ok(refuse(
            state,
            head,
            &me,
            &id,
            action,
            &Refusal::NoSuchStaff.to_string(),
        )
        .await);
    };
    // Nothing to change (the same role again): back to the list.
    let Some((change, detail)) = change(&target) else {
        return Ok(Redirect::to("/staff").into_response());
    };
    let origin = origin_of(&head, Some(&me));
    let by = ChangedBy {
        staff_id: Some(me.id),
        origin: &origin,
    };
    let now = state.clock.now();
    match staff_changes::apply(
        &state.db,
        &state.audit,
        now,
        by,
        &target,
        change,
        (action, detail),
    )
    .await
    {
        Ok(()) => Ok(Redirect::to("/staff?done=updated").into_response()),
        Err(ChangeFailure::Refused(refusal)) => {
            Ok(refuse(state, head, &me, &id, action, &refusal.to_string()).await)
        }
        Err(ChangeFailure::Failed(err)) => Err(AppError::portal("changing the staff member")(err)),
    }
}

/// Records the refusal and shows the staff page again, the message beside the row.
async fn refuse(
    state: AppState,
    head: Parts,
    me: &CurrentStaff,
    id: &str,
    action: Action,
    message: &str,
) -> Response {
    let event = NewEvent::new(action, Outcome::Denied, origin_of(&head, Some(me)))
        .detail(json!({"staff_id": id, "reason": message}));
    let _ = state.audit.append(event).await;
    let feedback = FormFeedback::new(FormId::StaffRow)
        .value("id", id)
        .error("", message);
    show_again(state, on_staff_page(head), feedback, StatusCode::CONFLICT).await
}

/// The row forms post to `/staff/{id}/…`; they live on `/staff`.
fn on_staff_page(mut head: Parts) -> Parts {
    head.uri = Uri::from_static("/staff");
    head
}

pub async fn change_role(
    State(state): State<AppState>,
    Allowed(me, _): Allowed<need::ManageStaff>,
    Path(id): Path<String>,
    FormData { head, fields }: FormData<RoleForm>,
) -> Result<Response, AppError> {
    let Some(role) = Role::parse(&fields.role) else {
        return Ok(refuse(
            state,
            head,
            &me,
            &id,
            Action::StaffUpdated,
            "Choose a role.",
        )
        .await);
    };
    let to_role = |target: &staff::Staff| {
        (target.role != role).then(|| {
            let detail = json!({"staff_id": target.id, "email": target.email, "role": {"from": target.role.as_str(), "to": role.as_str()}});
            (Change::Role(role), detail)
        })
    };
    change(state, head, me, id, to_role, Action::StaffUpdated).await
}

pub async fn disable(
    State(state): State<AppState>,
    Allowed(me, _): Allowed<need::ManageStaff>,
    Path(id): Path<String>,
    head: Parts,
) -> Result<Response, AppError> {
    let disabled = |target: &staff::Staff| {
        Some((
            Change::Disable,
            json!({"staff_id": target.id, "email": target.email}),
        ))
    };
    change(state, head, me, id, disabled, Action::StaffDisabled).await
}

pub async fn set_password(
    State(state): State<AppState>,
    Allowed(me, _): Allowed<need::ManageStaff>,
    Path(id): Path<String>,
    FormData { head, fields }: FormData<PasswordForm>,
) -> Result<Response, AppError> {
    if let Err(weak) = check_policy(&fields.password) {
        let feedback = FormFeedback::new(FormId::StaffRow)
            .value("id", &id)
            .error("password", format!("Choose a stronger password: {weak}."));
        let head = on_staff_page(head);
        return Ok(show_again(state, head, feedback, StatusCode::UNPROCESSABLE_ENTITY).await);
    }
    let hash = state
        .hasher
        .hash(SecretString::from(fields.password))
        .await
        .map_err(AppError::portal("hashing the password"))?;
    let must_change = fields.must_change.is_some();
    let new_password = |target: &staff::Staff| {
        let detail = json!({"staff_id": target.id, "email": target.email, "password": "changed", "must_change": must_change});
        Some((
            Change::Password {
                hash: &hash,
                must_change,
            },
            detail,
        ))
    };
    change(state, head, me, id, new_password, Action::StaffUpdated).await
}

/// Forgets someone's second factor (a lost phone): their sessions end, and they enrol again.
pub async fn reset_mfa(
    State(state): State<AppState>,
    Allowed(me, _): Allowed<need::ManageStaff>,
    Path(id): Path<String>,
    head: Parts,
) -> Result<Response, AppError> {
    let reset = |target: &staff::Staff| {
        target.mfa_enrolled.then(|| {
            (
                Change::ResetMfa,
                json!({"staff_id": target.id, "email": target.email}),
            )
        })
    };
    change(state, head, me, id, reset, Action::MfaReset).await
}

/// Lets a disabled staff member sign in again.
pub async fn enable(
    State(state): State<AppState>,
    Allowed(me, _): Allowed<need::ManageStaff>,
    Path(id): Path<String>,
    head: Parts,
) -> Result<Response, AppError> {
    let enabled = |target: &staff::Staff| {
        target.disabled.then(|| {
            (
                Change::Enable,
                json!({"staff_id": target.id, "email": target.email}),
            )
        })
    };
    change(state, head, me, id, enabled, Action::StaffEnabled).await
}

/// Lifts the lockout of someone's account (too many wrong passwords or codes).
pub async fn unlock(
    State(state): State<AppState>,
    Allowed(me, _): Allowed<need::ManageStaff>,
    Path(id): Path<String>,
    head: Parts,
) -> Result<Response, AppError> {
    let target = staff::find_by_path_id(&state.db, &id)
        .await
        .map_err(AppError::portal("loading the staff member"))?;
    let Some(target) = target else {
        let message = Refusal::NoSuchStaff.to_string();
        return Ok(refuse(state, head, &me, &id, Action::StaffUnlocked, &message).await);
    };
    let email = Email::parse(&target.email).map_err(AppError::portal("reading the email"))?;
    throttle::clear_lockout(&state.db, &email)
        .await
        .map_err(AppError::portal("lifting the lockout"))?;
    let event = NewEvent::new(
        Action::StaffUnlocked,
        Outcome::Ok,
        origin_of(&head, Some(&me)),
    )
    .detail(json!({"staff_id": target.id, "email": target.email}));
    state
        .audit
        .append(event)
        .await
        .map_err(AppError::portal("recording the unlock"))?;
    Ok(Redirect::to("/staff?done=unlocked").into_response())
}
