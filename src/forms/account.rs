//! A person's own password.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use secrecy::SecretString;
use serde::Deserialize;
use tower_sessions::Session;

use serde_json::json;

use super::login::fail_attempt;
use super::{current, read_form, show_again, unavailable, FormFeedback};
use crate::audit::{Action, NewEvent, Outcome};
use crate::auth::password::check_policy;
use crate::auth::session;
use crate::auth::staff::{self, Change};
use crate::auth::throttle;
use crate::domain::Email;
use crate::impersonation::{self, EndReason};
use crate::state::AppState;
use crate::web::request::origin_of;

pub const FORM: crate::web::FormId = crate::web::FormId::OwnPassword;

#[derive(Deserialize, Default)]
struct ChangePasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

/// Changes the signed-in person's password; every other session of theirs ends.
pub async fn change_password(
    State(state): State<AppState>,
    session: Session,
    req: Request,
) -> Response {
    let (parts, form) = read_form::<ChangePasswordForm>(req).await;
    let Some(me) = current(&parts) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let form = form.unwrap_or_default();
    let Ok(Some(account)) = staff::find_by_id(&state.db, me.id).await else {
        return unavailable();
    };
    let now = state.clock.now();
    let Ok(email) = Email::parse(&account.email) else {
        return unavailable();
    };
    // Counted before the password is checked, as at sign-in, so guesses cannot run in parallel.
    let counted = match throttle::count_attempt(&state.db, &email, state.lockout, now).await {
        Ok(counted) => counted,
        Err(err) => {
            tracing::error!(error = %err, "the attempt could not be counted");
            return unavailable();
        }
    };
    if counted.locked {
        // Locked by wrong passwords here or at sign-in: nothing is checked until it lifts.
        let feedback = FormFeedback::new(FORM).error(
            "current_password",
            format!(
                "Too many wrong passwords: your account is locked for up to {} minutes. Try again later.",
                state.lockout.lock_for.whole_minutes()
            ),
        );
        let event = NewEvent::new(
            Action::PasswordChanged,
            Outcome::Denied,
            origin_of(&parts, Some(&me)),
        )
        .detail(json!({"refusal": "locked"}));
        let _ = state.audit.append(event).await;
        return show_again(state, parts, feedback, StatusCode::TOO_MANY_REQUESTS).await;
    }
    let mut feedback = FormFeedback::new(FORM);
    let current_ok = state
        .hasher
        .verify(
            SecretString::from(form.current_password),
            Some(account.password_hash.clone()),
        )
        .await
        .unwrap_or(false);
    if current_ok {
        if let Err(err) = throttle::clear_lockout(&state.db, &email).await {
            tracing::error!(error = %err, "the lockout could not be cleared");
        }
    } else {
        feedback = feedback.error("current_password", "That is not your current password.");
        // A wrong current password counts like a failed sign-in, toward the lockout too.
        if let Err(err) = fail_attempt(&state, &parts, &email, counted, Some(&account)).await {
            tracing::error!(error = %err, "a wrong password could not be counted");
            return unavailable();
        }
    }
    if let Err(weak) = check_policy(&form.new_password) {
        feedback = feedback.error(
            "new_password",
            format!("Choose a stronger password: {weak}."),
        );
    } else if form.new_password != form.confirm_password {
        feedback = feedback.error("confirm_password", "The two new passwords differ.");
    }
    if feedback.has_errors() {
        let event = NewEvent::new(
            Action::PasswordChanged,
            Outcome::Denied,
            origin_of(&parts, Some(&me)),
        );
        let _ = state.audit.append(event).await;
        return show_again(state, parts, feedback, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let Ok(hash) = state
        .hasher
        .hash(SecretString::from(form.new_password))
        .await
    else {
        return unavailable();
    };
    if staff::update_staff(&state.db, me.id, Change::Password(&hash), now)
        .await
        .is_err()
    {
        return unavailable();
    }
    let event = NewEvent::new(
        Action::PasswordChanged,
        Outcome::Ok,
        origin_of(&parts, Some(&me)),
    );
    if state.audit.append(event).await.is_err() {
        return unavailable();
    }
    // Other sessions ended with the version bump, and what they were acting for ends with
    // them; this one continues under a new id.
    let keep = impersonation::current_id(&session).await;
    if impersonation::end_all_for_except(
        &state.db,
        &state.audit,
        now,
        me.id,
        keep.as_deref(),
        EndReason::Revoked,
        &origin_of(&parts, Some(&me)),
    )
    .await
    .is_err()
    {
        return unavailable();
    }
    let renewed = match staff::find_by_id(&state.db, me.id).await {
        Ok(Some(account)) => session::sign_in(&session, &account, now).await.is_ok(),
        _ => false,
    };
    if !renewed {
        return unavailable();
    }
    Redirect::to("/account/password?done=changed").into_response()
}
