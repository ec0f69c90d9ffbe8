//! Setting up one's own second factor on `/account/mfa`: a new secret, then its first code,
//! then the recovery codes, shown once.

use crate::web::request::own_account;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use super::account::go_on_alone;
use super::second_factor::secret_key;
use super::{show_again, FormFeedback};
use crate::app::render::render_showing;
use crate::audit::{Action, NewEvent, Outcome};
use crate::auth::mfa::{self, NotEnrolled};
use crate::auth::session::{Passed, SessionAuth, SESSION_KEY};
use crate::state::AppState;
use crate::web::extract::{FormData, SignedIn};
use crate::web::request::origin_of;
use crate::web::{AppError, FormId};

pub const PAGE: &str = "/account/mfa";

/// The recovery codes of an enrolment just finished, for the page that shows them once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryCodesShown(pub Vec<String>);

/// How recent the sign-in must be to set up a second factor: whoever holds an old session
/// (a cookie copied long ago) must not be able to tie the account to their own phone.
const FRESH_SIGN_IN: time::Duration = time::Duration::minutes(15);

/// Whether this session signed in within [`FRESH_SIGN_IN`].
async fn signed_in_recently(state: &AppState, session: &Session) -> bool {
    let now = state.clock.now().unix_timestamp();
    session
        .get::<SessionAuth>(SESSION_KEY)
        .await
        .ok()
        .flatten()
        .is_some_and(|auth| now - auth.signed_in_at <= FRESH_SIGN_IN.whole_seconds())
}

/// Shows a new secret to enrol (replacing one shown before and not confirmed).
pub async fn start(
    State(state): State<AppState>,
    session: Session,
    SignedIn(me): SignedIn,
) -> Result<Response, AppError> {
    let key = secret_key(&state)?;
    if !signed_in_recently(&state, &session).await {
        return Ok(Redirect::to(&format!("{PAGE}?sign_in_again=1")).into_response());
    }
    let account = own_account(&state, &me).await?;
    // Someone enrolled replaces their factor only through an admin's reset: whoever holds a
    // session alone must not be able to swap in their own.
    if !account.mfa_enrolled {
        mfa::begin_enrolment(&state.db, key, &account)
            .await
            .map_err(AppError::portal("starting the enrolment"))?;
    }
    Ok(Redirect::to(PAGE).into_response())
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    code: String,
}

/// Finishes enrolment with the app's first code; the recovery codes are shown on this answer.
pub async fn confirm(
    State(state): State<AppState>,
    session: Session,
    SignedIn(me): SignedIn,
    FormData { head, fields }: FormData<ConfirmForm>,
) -> Result<Response, AppError> {
    let key = secret_key(&state)?;
    if !signed_in_recently(&state, &session).await {
        return Ok(Redirect::to(&format!("{PAGE}?sign_in_again=1")).into_response());
    }
    let account = own_account(&state, &me).await?;
    let now = state.clock.now();
    let finished = mfa::finish_enrolment(&state.db, key, &account, &fields.code, now)
        .await
        .map_err(AppError::portal("finishing the enrolment"))?;
    let codes = match finished {
        Ok(codes) => codes,
        Err(NotEnrolled::NotStarted) => return Ok(Redirect::to(PAGE).into_response()),
        Err(refused) => {
            let message = match refused {
                NotEnrolled::StartedAgain => {
                    "Setup was started again in another tab: scan the code shown now."
                }
                _ => "That code is not right. Type the 6 digits your app shows for suborg-portal now.",
            };
            let feedback = FormFeedback::new(FormId::MfaEnrol).error("code", message);
            return Ok(show_again(state, head, feedback, StatusCode::UNPROCESSABLE_ENTITY).await);
        }
    };
    let event = NewEvent::new(
        Action::MfaEnrolled,
        Outcome::Ok,
        origin_of(&head, Some(&me)),
    );
    state
        .audit
        .append(event)
        .await
        .map_err(AppError::portal("recording the enrolment"))?;
    // Enrolment ended every session of theirs; this one goes on, having just passed it.
    let factor = Passed {
        at: now.unix_timestamp(),
        by_provider: false,
    };
    go_on_alone(&state, &session, &head, &me, Some(factor)).await?;
    Ok(show_codes(state, head, codes).await)
}

async fn show_codes(state: AppState, head: Parts, codes: Vec<String>) -> Response {
    // Like every page, sent `Cache-Control: no-store`: the codes are on this answer only.
    render_showing(state, head, RecoveryCodesShown(codes), StatusCode::OK).await
}
