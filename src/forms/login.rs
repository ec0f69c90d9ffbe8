//! Signing in and out.

use axum::extract::State;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::json;
use tower_sessions::Session;

use super::second_factor::{self, Verdict};
use super::{safe_next, show_again, FormFeedback};
use crate::audit::{Action, NewEvent, Outcome};
use crate::auth::mfa::{self, CodeCheck};
use crate::auth::session::{self, CurrentStaff, PendingSignIn, PENDING_KEY};
use crate::auth::session_registry;
use crate::auth::sso::PasswordSignin;
use crate::auth::staff::{self, LockoutPolicy, Staff};
use crate::auth::throttle;
use crate::auth::Role;
use crate::domain::Email;
use crate::impersonation::{self, EndReason};
use crate::state::AppState;
use crate::web::extract::{FormData, SignedIn};
use crate::web::request::client_addr;
use crate::web::request::{origin_of, seen_from};
use crate::web::{AppError, FormId};

/// The start of the one message for every failure, so the page never tells whether an email
/// has an account.
pub const FAILED: &str = "The email or password is not right.";

fn failed_message(policy: LockoutPolicy) -> String {
    format!(
        "{FAILED} After {} failed attempts an account is locked for {} minutes.",
        policy.max_failures,
        policy.lock_for.whole_minutes()
    )
}
pub const PASSWORDS_OFF: &str = "Password sign-in is off on this portal: sign in with your \
    company account.";
pub const THROTTLED: &str = "Too many failed sign-ins from your network. Wait 15 minutes, then \
    try again.";

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
}

/// The attempt counted against `email` failed: counts toward its lockout, and records
/// `auth.locked` when this failure locked it.
pub(super) async fn fail_attempt(
    state: &AppState,
    parts: &Parts,
    email: &Email,
    counted: throttle::Counted,
    account: Option<&Staff>,
) -> Result<(), sqlx::Error> {
    let now = state.clock.now();
    if throttle::fail_attempt(&state.db, email, counted, state.lockout, now).await? {
        let known = account.map(CurrentStaff::from);
        let event = NewEvent::new(
            Action::Locked,
            Outcome::Denied,
            origin_of(parts, known.as_ref()),
        )
        .detail(
            json!({"email": email.as_str(), "minutes": state.lockout.lock_for.whole_minutes()}),
        );
        let _ = state.audit.append(event).await;
    }
    Ok(())
}

pub async fn login(
    State(state): State<AppState>,
    session: Session,
    FormData { head, fields: form }: FormData<LoginForm>,
) -> Result<Response, AppError> {
    let ip = client_addr(&head);
    let now = state.clock.now();
    let feedback = FormFeedback::new(FormId::Login)
        .value("email", form.email.trim())
        .value("next", form.next.as_deref().unwrap_or_default());
    if state.config.password_signin == PasswordSignin::Off {
        let feedback = feedback.error("", PASSWORDS_OFF);
        return Ok(show_again(state, head, feedback, StatusCode::FORBIDDEN).await);
    }
    let Ok(email) = Email::parse(&form.email) else {
        let feedback = feedback.error(
            "email",
            "Enter your email address, such as name@example.com.",
        );
        return Ok(show_again(state, head, feedback, StatusCode::UNPROCESSABLE_ENTITY).await);
    };
    // Counted before any password is checked, so parallel guesses count in full; the same
    // statements for every email, known or not.
    let admitted = throttle::admit(&state.db, ip, &email, now)
        .await
        .map_err(AppError::portal("admitting the sign-in attempt"))?;
    if !admitted {
        let feedback = feedback.error("", THROTTLED);
        return Ok(show_again(state, head, feedback, StatusCode::TOO_MANY_REQUESTS).await);
    }
    let counted = throttle::count_attempt(&state.db, &email, state.lockout, now)
        .await
        .map_err(AppError::portal("counting the sign-in attempt"))?;
    let account = staff::find_by_email(&state.db, email.as_str())
        .await
        .map_err(AppError::portal("looking up the staff member"))?;
    // Verify even for unknown or disabled accounts, so every failure costs the same. A locked
    // email is refused unchecked: locks are kept for every email, so that tells nothing.
    // With break-glass only, any other account fails like a wrong password: the page never
    // tells which account is the break-glass one.
    let break_glass_only = state.config.password_signin == PasswordSignin::BreakGlass;
    let allowed = |a: &&Staff| !break_glass_only || (a.break_glass && a.role == Role::Admin);
    let usable = account
        .as_ref()
        .filter(|a| !a.disabled && !counted.locked)
        .filter(allowed);
    let verified = !counted.locked
        && state
            .hasher
            .verify(
                SecretString::from(form.password),
                account.as_ref().map(|a| a.password_hash.clone()),
            )
            .await
            .unwrap_or(false);
    match usable {
        Some(account) if verified && account.mfa_enrolled => {
            // The password is right; nobody is signed in until the code is too. Nothing is
            // forgiven yet, so guessing codes costs the lockout as guessing passwords does.
            throttle::uncount_attempt(&state.db, &email)
                .await
                .map_err(AppError::portal("counting the sign-in attempt"))?;
            session::await_code(&session, account, now, safe_next(form.next.as_deref()))
                .await
                .map_err(AppError::portal("starting the sign-in"))?;
            Ok(Redirect::to(CODE_PAGE).into_response())
        }
        Some(account) if verified => {
            begin(&state, &session, &head, ip, &email, account, None).await?;
            Ok(Redirect::to(&safe_next(form.next.as_deref())).into_response())
        }
        _ => {
            let why = match &account {
                None => "unknown_email",
                Some(a) if a.disabled => "disabled",
                Some(_) if counted.locked => "locked",
                Some(a) if !allowed(&a) => "password_signin_break_glass_only",
                Some(_) => "wrong_password",
            };
            let known = account.as_ref().map(CurrentStaff::from);
            let failed = NewEvent::new(
                Action::LoginFailed,
                Outcome::Denied,
                origin_of(&head, known.as_ref()),
            )
            .detail(json!({"email": email.as_str(), "reason": why}));
            let _ = state.audit.append(failed).await;
            fail_attempt(&state, &head, &email, counted, account.as_ref())
                .await
                .map_err(AppError::portal("counting a failed sign-in"))?;
            let feedback = feedback.error("", failed_message(state.lockout));
            Ok(show_again(state, head, feedback, StatusCode::UNAUTHORIZED).await)
        }
    }
}

/// The second step of signing in, for people with a second factor.
pub const CODE_PAGE: &str = "/login/code";

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

/// Checks the code of a sign-in whose password was right, and signs the person in.
pub async fn login_code(
    State(state): State<AppState>,
    session: Session,
    FormData { head, fields: form }: FormData<CodeForm>,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let pending = session
        .get::<PendingSignIn>(PENDING_KEY)
        .await
        .map_err(AppError::portal("reading the sign-in"))?;
    let Some(pending) = pending.filter(|p| !p.expired(now)) else {
        let _ = session.remove_value(PENDING_KEY).await;
        return Ok(Redirect::to("/login?ended=code_expired").into_response());
    };
    let account = staff::find_by_id(&state.db, pending.staff_id)
        .await
        .map_err(AppError::portal("looking up the staff member"))?
        .filter(|a| !a.disabled && a.mfa_enrolled && a.session_version == pending.session_version);
    let Some(account) = account else {
        let _ = session.remove_value(PENDING_KEY).await;
        return Ok(Redirect::to("/login?ended=revoked").into_response());
    };
    match second_factor::check(&state, &head, &account, &form.code, "sign_in").await? {
        Verdict::Passed(checked) => {
            let email = Email::parse(&account.email)
                .map_err(AppError::portal("reading the account's email"))?;
            let ip = client_addr(&head);
            begin(&state, &session, &head, ip, &email, &account, Some(checked)).await?;
            Ok(Redirect::to(&pending.next).into_response())
        }
        Verdict::Refused(message, status) => {
            let feedback = FormFeedback::new(FormId::LoginCode).error("code", message);
            Ok(show_again(state, head, feedback, status).await)
        }
    }
}

/// Starts the verified person's session (`second_factor`: the code it passed, if one was
/// asked); a sign-in that cannot be recorded does not happen.
async fn begin(
    state: &AppState,
    session: &Session,
    head: &Parts,
    ip: std::net::IpAddr,
    email: &Email,
    account: &Staff,
    second_factor: Option<CodeCheck>,
) -> Result<(), AppError> {
    let now = state.clock.now();
    let factor = second_factor.map(|_| session::Passed {
        at: now.unix_timestamp(),
        by_provider: false,
    });
    session::sign_in(&state.db, session, account, now, factor, &seen_from(head))
        .await
        .map_err(AppError::portal("starting the session"))?;
    if let Err(err) = throttle::forgive(&state.db, ip, email).await {
        tracing::error!(error = %err, "the sign-in's attempts could not be forgiven");
    }
    let me = CurrentStaff::from(account);
    let mut detail = json!({"second_factor": second_factor.map(CodeCheck::as_str)});
    if second_factor == Some(CodeCheck::Recovery) {
        let left = mfa::recovery_codes_left(&state.db, account.id)
            .await
            .map_err(AppError::portal("counting recovery codes"))?;
        detail["recovery_codes_left"] = json!(left);
    }
    let event = NewEvent::new(
        Action::LoginSucceeded,
        Outcome::Ok,
        origin_of(head, Some(&me)),
    )
    .detail(detail);
    if let Err(err) = state.audit.append(event).await {
        let _ = session.flush().await;
        return Err(AppError::portal("recording the sign-in")(err));
    }
    Ok(())
}

/// Ends the session on the server, so a copied cookie stops working.
pub async fn logout(
    State(state): State<AppState>,
    session: Session,
    SignedIn(me): SignedIn,
    head: Parts,
) -> Result<Response, AppError> {
    let origin = origin_of(&head, Some(&me));
    if let Err(err) = impersonation::end_all_for(
        &state.db,
        &state.audit,
        state.clock.now(),
        me.id,
        EndReason::Logout,
        &origin,
    )
    .await
    {
        tracing::error!(error = %err, "impersonation could not be ended at sign-out");
    }
    let event = NewEvent::new(Action::Logout, Outcome::Ok, origin);
    if let Err(err) = state.audit.append(event).await {
        tracing::error!(error = %err, "sign-out could not be recorded");
    }
    if let Ok(Some(handle)) = session
        .get::<session::SessionAuth>(session::SESSION_KEY)
        .await
        .map(|auth| auth.and_then(|a| a.handle))
    {
        if let Err(err) = session_registry::end(&state.db, me.id, &handle, state.clock.now()).await
        {
            tracing::error!(error = %err, "the session's row could not be ended");
        }
    }
    session
        .flush()
        .await
        .map_err(AppError::portal("deleting the session"))?;
    Ok(Redirect::to("/login?ended=signed_out").into_response())
}
