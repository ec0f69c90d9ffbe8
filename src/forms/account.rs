//! A person's own password.

use crate::web::request::own_account;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use secrecy::SecretString;
use serde::Deserialize;
use tower_sessions::Session;

use serde_json::json;

use super::login::fail_attempt;
use super::{show_again, FormFeedback};
use crate::audit::{Action, NewEvent, Outcome};
use crate::auth::password::check_policy;
use crate::auth::session;
use crate::auth::session_registry;
use crate::auth::staff::{self, Change};
use crate::auth::throttle;
use crate::auth::CurrentStaff;
use crate::domain::Email;
use crate::impersonation::{self, EndReason};
use crate::state::AppState;
use crate::web::extract::{FormData, SignedIn};
use crate::web::request::{origin_of, seen_from};
use crate::web::{AppError, FormId};

#[derive(Deserialize, Default)]
pub struct ChangePasswordForm {
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
    SignedIn(me): SignedIn,
    FormData { head, fields: form }: FormData<ChangePasswordForm>,
) -> Result<Response, AppError> {
    let account = own_account(&state, &me).await?;
    let now = state.clock.now();
    let email =
        Email::parse(&account.email).map_err(AppError::portal("reading the account's email"))?;
    let denied = || {
        NewEvent::new(
            Action::PasswordChanged,
            Outcome::Denied,
            origin_of(&head, Some(&me)),
        )
    };
    // Counted before the password is checked, as at sign-in, so guesses cannot run in parallel.
    let counted = throttle::count_attempt(&state.db, &email, state.lockout, now)
        .await
        .map_err(AppError::portal("counting the attempt"))?;
    if counted.locked {
        // Locked by wrong passwords here or at sign-in: nothing is checked until it lifts.
        let feedback = FormFeedback::new(FormId::OwnPassword).error(
            "current_password",
            format!(
                "Too many wrong passwords: your account is locked for up to {} minutes. Try again later.",
                state.lockout.lock_for.whole_minutes()
            ),
        );
        let _ = state
            .audit
            .append(denied().detail(json!({"refusal": "locked"})))
            .await;
        return Ok(show_again(state, head, feedback, StatusCode::TOO_MANY_REQUESTS).await);
    }
    let mut feedback = FormFeedback::new(FormId::OwnPassword);
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
        fail_attempt(&state, &head, &email, counted, Some(&account))
            .await
            .map_err(AppError::portal("counting a wrong password"))?;
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
        let _ = state.audit.append(denied()).await;
        return Ok(show_again(state, head, feedback, StatusCode::UNPROCESSABLE_ENTITY).await);
    }
    replace(
        &state,
        &session,
        &head,
        &me,
        SecretString::from(form.new_password),
    )
    .await?;
    Ok(Redirect::to("/account/password?done=changed").into_response())
}

/// Stores the new password and records it; other sessions ended with the version bump, and
/// what they were acting for ends with them; this one continues under a new id.
async fn replace(
    state: &AppState,
    session: &Session,
    head: &Parts,
    me: &CurrentStaff,
    new_password: SecretString,
) -> Result<(), AppError> {
    let now = state.clock.now();
    let hash = state
        .hasher
        .hash(new_password)
        .await
        .map_err(AppError::portal("hashing the new password"))?;
    staff::update_staff(
        &state.db,
        me.id,
        Change::Password {
            hash: &hash,
            must_change: false,
        },
        now,
    )
    .await
    .map_err(AppError::portal("storing the new password"))?;
    let event = NewEvent::new(
        Action::PasswordChanged,
        Outcome::Ok,
        origin_of(head, Some(me)),
    );
    state
        .audit
        .append(event)
        .await
        .map_err(AppError::portal("recording the password change"))?;
    // The renewed session keeps the second factor this one passed.
    let factor = session
        .get::<session::SessionAuth>(session::SESSION_KEY)
        .await
        .ok()
        .flatten()
        .and_then(|auth| session::Passed::of(&auth));
    go_on_alone(state, session, head, me, factor).await
}

/// After a change that ended every session of the person (a new password, a second factor
/// enrolled): this one goes on under a new id with `factor`, and whatever the others were
/// acting for ends.
pub(super) async fn go_on_alone(
    state: &AppState,
    session: &Session,
    head: &Parts,
    me: &CurrentStaff,
    factor: Option<session::Passed>,
) -> Result<(), AppError> {
    let now = state.clock.now();
    let keep = impersonation::current_id(session).await;
    impersonation::end_all_for_except(
        &state.db,
        &state.audit,
        now,
        me.id,
        keep,
        EndReason::Revoked,
        &origin_of(head, Some(me)),
    )
    .await
    .map_err(AppError::portal(
        "ending the other sessions' impersonations",
    ))?;
    let account = own_account(state, me).await?;
    session::sign_in(&state.db, session, &account, now, factor, &seen_from(head))
        .await
        .map_err(AppError::portal("renewing the session"))?;
    Ok(())
}

/// Ends one of the person's own sessions (a browser left signed in elsewhere); ending this one
/// signs out.
pub async fn end_session(
    State(state): State<AppState>,
    session: Session,
    SignedIn(me): SignedIn,
    Path(handle): Path<String>,
    head: Parts,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let current = session
        .get::<session::SessionAuth>(session::SESSION_KEY)
        .await
        .ok()
        .flatten()
        .and_then(|auth| auth.handle);
    let this_one = current.as_deref() == Some(handle.as_str());
    if this_one {
        // The same as signing out, whatever it was acting for ending with it.
        return crate::forms::login::logout(State(state), session, SignedIn(me), head).await;
    }
    let ended = session_registry::end(&state.db, me.id, &handle, now)
        .await
        .map_err(AppError::portal("ending the session"))?;
    if ended {
        let event = NewEvent::new(
            Action::SessionEnded,
            Outcome::Ok,
            origin_of(&head, Some(&me)),
        )
        .detail(json!({"ended": "another session of theirs"}));
        state
            .audit
            .append(event)
            .await
            .map_err(AppError::portal("recording the ended session"))?;
    }
    Ok(Redirect::to("/account?done=ended").into_response())
}

#[derive(Deserialize, Default)]
pub struct TimeZoneForm {
    #[serde(default)]
    time_zone: String,
}

/// Sets the time zone the signed-in person reads times in; a name that is not a time zone is
/// shown again with its message.
pub async fn set_time_zone(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    FormData { head, fields: form }: FormData<TimeZoneForm>,
) -> Result<Response, AppError> {
    let name = form.time_zone.trim();
    // Stored by its canonical name ("europe/berlin" is Europe/Berlin).
    let canonical = (name.len() <= 64)
        .then(|| crate::app::time::zone_named(name))
        .flatten()
        .and_then(|zone| zone.iana_name().map(str::to_owned));
    let zone = match (name, canonical) {
        ("" | "UTC", _) => None,
        (_, Some(canonical)) => Some(canonical),
        (_, None) => {
            let feedback = FormFeedback::new(FormId::TimeZone)
                .value("time_zone", &form.time_zone)
                .error(
                    "time_zone",
                    "That is not a time zone name. Choose one from the list, such as Europe/Berlin.",
                );
            // Shown again on the account page, where the form is.
            let mut head = head;
            head.uri = axum::http::Uri::from_static("/account");
            return Ok(show_again(state, head, feedback, StatusCode::UNPROCESSABLE_ENTITY).await);
        }
    };
    staff::set_time_zone(&state.db, me.id, zone.as_deref())
        .await
        .map_err(AppError::portal("saving your time zone"))?;
    Ok(Redirect::to("/account?done=time_zone").into_response())
}
