//! Checking a second factor's code, the same way wherever one is asked for (the second step of
//! signing in, step-up): counted toward the account's lockout before it is checked, as
//! passwords are, and a refusal recorded as `auth.mfa_failed`.

use axum::http::request::Parts;
use axum::http::StatusCode;
use serde_json::json;

use super::login::fail_attempt;
use crate::audit::{Action, NewEvent, Outcome};
use crate::auth::mfa::{self, CodeCheck, MfaError, SecretKey};
use crate::auth::staff::Staff;
use crate::auth::{throttle, CurrentStaff};
use crate::domain::Email;
use crate::state::AppState;
use crate::web::request::origin_of;
use crate::web::AppError;

/// What a code decided.
pub enum Verdict {
    Passed(CodeCheck),
    /// Not passed: the sentence to show beside the code field, and the status to show it with.
    Refused(String, StatusCode),
}

/// The key that opens second factors; without it nobody's code can be checked.
pub fn secret_key(state: &AppState) -> Result<&SecretKey, AppError> {
    state
        .config
        .secret_key
        .as_deref()
        .ok_or_else(|| AppError::portal("checking a second factor")("PORTAL_SECRET_KEY is not set"))
}

/// Checks `typed` as `account`'s code for `purpose` (`sign_in`, `step_up`).
pub async fn check(
    state: &AppState,
    head: &Parts,
    account: &Staff,
    typed: &str,
    purpose: &'static str,
) -> Result<Verdict, AppError> {
    let key = secret_key(state)?;
    let now = state.clock.now();
    let email =
        Email::parse(&account.email).map_err(AppError::portal("reading the account's email"))?;
    let me = CurrentStaff::from(account);
    let refused = |reason: &str| {
        NewEvent::new(
            Action::MfaFailed,
            Outcome::Denied,
            origin_of(head, Some(&me)),
        )
        .detail(json!({"purpose": purpose, "reason": reason}))
    };
    let counted = throttle::count_attempt(&state.db, &email, state.lockout, now)
        .await
        .map_err(AppError::portal("counting the attempt"))?;
    if counted.locked {
        let _ = state.audit.append(refused("locked")).await;
        let message = format!(
            "Too many wrong codes or passwords: your account is locked for up to {} minutes. \
             Try again later, or ask an admin to unlock it.",
            state.lockout.lock_for.whole_minutes()
        );
        return Ok(Verdict::Refused(message, StatusCode::TOO_MANY_REQUESTS));
    }
    let checked = match mfa::check_code(&state.db, key, account, typed, now).await {
        Ok(checked) => checked,
        Err(MfaError::Unreadable) => {
            let _ = state.audit.append(refused("unreadable_secret")).await;
            let message = "Your second factor cannot be checked by this portal (its secret key \
                changed). Ask an admin to reset your second factor, then set it up again.";
            return Ok(Verdict::Refused(message.to_owned(), StatusCode::CONFLICT));
        }
        Err(MfaError::Database(err)) => return Err(AppError::portal("checking the code")(err)),
    };
    if checked.passed() {
        // Only this attempt is taken back: failures counted elsewhere (passwords guessed from
        // another address) stay counted. A whole sign-in forgives more, once it is done.
        throttle::uncount_attempt(&state.db, &email)
            .await
            .map_err(AppError::portal("counting the attempt"))?;
        return Ok(Verdict::Passed(checked));
    }
    let _ = state.audit.append(refused(checked.as_str())).await;
    fail_attempt(state, head, &email, counted, Some(account))
        .await
        .map_err(AppError::portal("counting a wrong code"))?;
    let message = match checked {
        CodeCheck::Reused => "That code was already used. Wait for the next one in your app.",
        _ => {
            "That code is not right. Type the 6 digits your app shows now, or one of your \
              recovery codes."
        }
    };
    Ok(Verdict::Refused(
        message.to_owned(),
        StatusCode::UNAUTHORIZED,
    ))
}
