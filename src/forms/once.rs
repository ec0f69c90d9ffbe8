//! A create form's single submission. Every rendered create form carries a one-time token;
//! the token is checked and claimed before PostGrid is asked, the `Idempotency-Key` sent is
//! derived from it, and the outcome is kept, so a double click, a refresh of the POST or a
//! back-and-resubmit creates one thing and lands on it.

use std::future::Future;

use crate::domain::StaffId;
use crate::form_token::{self, Claim};
use crate::postgrid::PostgridError;
use crate::state::AppState;
use crate::web::{AppError, FormFeedback};

/// What an earlier submission left when PostGrid said yes in an answer that could not be read.
const UNCONFIRMED: &str = "unconfirmed";

/// What came of submitting a create form.
pub enum Submitted<T> {
    /// This submission asked PostGrid, and this is its answer.
    Sent(Result<T, PostgridError>),
    /// An earlier submission of the same form did it already.
    Earlier(Created),
    /// An earlier submission is still waiting for PostGrid.
    Busy,
}

/// What an earlier submission created.
pub enum Created {
    Id(String),
    /// PostGrid accepted it, but its answer could not be read: the id is not known.
    Unconfirmed,
}

/// The form's token if it is this person's and fresh; otherwise a new one, with a message
/// asking to check and submit again. Either way the token goes back into the form.
pub fn keep_or_renew(
    state: &AppState,
    me: StaffId,
    sent: &str,
    feedback: FormFeedback,
) -> FormFeedback {
    let now = state.clock.now();
    if form_token::is_valid(state.form_key(), sent, me, now) {
        return feedback.value("token", sent);
    }
    feedback
        .error(
            "",
            "This form was out of date. Check the details and submit it again.",
        )
        .value("token", &form_token::issue(state.form_key(), me, now))
}

/// The form shown again after `error`: when PostGrid refused, with a new token, so the
/// corrected form goes with a new `Idempotency-Key` (PostGrid may keep its refusal under the
/// old one). When the outcome is not known the token stays: the same key keeps a second try
/// from doing it twice.
pub fn after_refusal(
    state: &AppState,
    me: StaffId,
    feedback: FormFeedback,
    error: &PostgridError,
) -> FormFeedback {
    if error.was_refused() {
        feedback.value(
            "token",
            &form_token::issue(state.form_key(), me, state.clock.now()),
        )
    } else {
        feedback
    }
}

/// Claims `token` and, if this is its first submission, sends with the `Idempotency-Key`
/// derived from it. `id_of` names what was created, to land a repeat on it.
pub async fn submit_once<T, F, Fut>(
    state: &AppState,
    token: &str,
    me: StaffId,
    id_of: fn(&T) -> &str,
    send: F,
) -> Result<Submitted<T>, AppError>
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = Result<T, PostgridError>>,
{
    let claimed = form_token::claim(&state.db, token, me, state.clock.now())
        .await
        .map_err(AppError::portal("claiming the form token"))?;
    match claimed {
        Claim::Mine => {}
        Claim::Done(result) => return Ok(Submitted::Earlier(created(result))),
        Claim::Pending => {
            return Ok(match form_token::wait_for_result(&state.db, token).await {
                Ok(Some(result)) => Submitted::Earlier(created(result)),
                _ => Submitted::Busy,
            })
        }
    }
    let answer = send(form_token::idempotency_key(token)).await;
    let result = match &answer {
        Ok(made) => Some(id_of(made)),
        Err(PostgridError::UnreadableSuccess { .. }) => Some(UNCONFIRMED),
        // Refused or not known to have happened: the form may be sent again (see
        // `after_refusal` for the key it goes with).
        Err(_) => None,
    };
    if let Err(err) = form_token::finish(&state.db, token, result, state.clock.now()).await {
        tracing::error!(error = %err, "form token could not be settled");
    }
    Ok(Submitted::Sent(answer))
}

fn created(result: String) -> Created {
    if result == UNCONFIRMED {
        Created::Unconfirmed
    } else {
        Created::Id(result)
    }
}
