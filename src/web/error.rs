//! The one error type of the web edge. Handlers and page loaders return it; it logs its cause
//! once (inside the request's span, so with the request id), picks the status from one table
//! and becomes the portal's error page: a sentence, the request id and a way back.

use std::time::Duration;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::postgrid::PostgridError;
use crate::sendgrid::SendgridError;

type Cause = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A PostGrid call failed; its own sentence explains how.
    #[error(transparent)]
    Upstream(#[from] PostgridError),
    /// A SendGrid call failed (or SendGrid is not configured); its own sentence explains how.
    #[error(transparent)]
    Sendgrid(#[from] SendgridError),
    /// Something on the portal's own side (its database, audit log, session store) failed.
    #[error("{doing} failed: {cause}")]
    Portal { doing: &'static str, cause: Cause },
    /// Nothing here by that name; the sentence says what was looked for.
    #[error("not found: {0}")]
    NotFound(&'static str),
    /// The person's role does not allow this (already recorded where it matters).
    #[error("not allowed")]
    Forbidden,
    /// A state-changing request that did not come from the portal's own pages.
    #[error("refused: not from the portal's origin")]
    CrossOrigin {
        /// The address the portal expects to be opened at.
        expected: String,
    },
    /// A request that needs a signed-in person came without one.
    #[error("not signed in")]
    SignInFirst,
    /// The body of a form post could not be read as that form.
    #[error("the form could not be read: {0}")]
    BadForm(String),
}

impl AppError {
    /// For `map_err`: the portal failed while `doing` something.
    pub fn portal<E>(doing: &'static str) -> impl FnOnce(E) -> Self
    where
        E: Into<Cause>,
    {
        move |cause| Self::Portal {
            doing,
            cause: cause.into(),
        }
    }

    /// The one table from a failure to an HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Upstream(error) => upstream_status(error),
            Self::Sendgrid(error) => error.status(),
            Self::Portal { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Forbidden | Self::CrossOrigin { .. } => StatusCode::FORBIDDEN,
            Self::SignInFirst => StatusCode::UNAUTHORIZED,
            Self::BadForm(_) => StatusCode::BAD_REQUEST,
        }
    }

    /// Logs the cause, once, at the level it deserves: a fault of the portal is an error, a
    /// PostGrid failure a warning, a refusal a note.
    pub fn log(&self) {
        match self {
            Self::Portal { .. } => tracing::error!(error = %self, "request failed"),
            Self::Upstream(error) => {
                tracing::warn!(kind = error.kind(), error = %error, "PostGrid call failed")
            }
            Self::Sendgrid(error) => {
                tracing::warn!(kind = error.kind(), error = %error, "SendGrid call failed")
            }
            _ => tracing::info!(error = %self, "request refused"),
        }
    }

    /// Logs the cause and returns what the error page shows.
    pub fn report(self) -> ErrorShown {
        self.log();
        let status = self.status();
        let retry_after = match &self {
            Self::Upstream(PostgridError::RateLimited { retry_after })
            | Self::Sendgrid(SendgridError::RateLimited { retry_after }) => Some(
                retry_after
                    .unwrap_or(Duration::from_secs(60))
                    .as_secs()
                    .max(1),
            ),
            _ => None,
        };
        let (title, message) = match &self {
            Self::Upstream(error) => (upstream_title(error), error.user_message()),
            Self::Sendgrid(error) => (error.title(), error.user_message()),
            Self::Portal { .. } => (
                "The portal could not do this",
                "The portal could not complete this right now: nothing was lost on your side. \
                 Try again in a moment; if it keeps happening, tell an administrator."
                    .to_owned(),
            ),
            Self::NotFound(what) => (
                "Not found",
                format!("{what} Check the link, or start again."),
            ),
            Self::Forbidden => (
                "Not allowed",
                "Your role does not allow this. If you need it, ask an admin. This attempt was \
                 recorded."
                    .to_owned(),
            ),
            Self::CrossOrigin { expected } => (
                "Refused",
                format!(
                    "This request did not come from the portal's own pages, so it was refused. \
                     The portal expects to be opened at {expected}: open it there and try again."
                ),
            ),
            Self::SignInFirst => (
                "Sign in first",
                "Your session has ended. Sign in again, then repeat what you were doing."
                    .to_owned(),
            ),
            Self::BadForm(_) => (
                "The form could not be read",
                "What was sent could not be read as this form. Go back, check the form and \
                 submit it again."
                    .to_owned(),
            ),
        };
        ErrorShown {
            status,
            retry_after,
            title,
            message,
        }
    }
}

/// How a PostGrid failure answers: its refusals as refusals, its own trouble as a gateway.
pub fn upstream_status(error: &PostgridError) -> StatusCode {
    match error {
        PostgridError::Validation { .. } | PostgridError::Rejected { .. } => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        PostgridError::NotFound { .. } => StatusCode::NOT_FOUND,
        PostgridError::Forbidden { .. } | PostgridError::NotAllowed => StatusCode::FORBIDDEN,
        PostgridError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        // Not sent because the audit log could not take it: the portal is what is unavailable.
        PostgridError::NotRecorded => StatusCode::SERVICE_UNAVAILABLE,
        PostgridError::TimedOut => StatusCode::GATEWAY_TIMEOUT,
        // Done, but what PostGrid made is not known: the page explains, nothing failed.
        PostgridError::UnreadableSuccess { .. } => StatusCode::ACCEPTED,
        PostgridError::InvalidKey
        | PostgridError::Unavailable { .. }
        | PostgridError::OutcomeUnknown
        | PostgridError::UnreadableResponse { .. } => StatusCode::BAD_GATEWAY,
    }
}

fn upstream_title(error: &PostgridError) -> &'static str {
    match error {
        PostgridError::NotFound { .. } => "Not found",
        PostgridError::Forbidden { .. } | PostgridError::NotAllowed => "Not allowed",
        PostgridError::RateLimited { .. } => "PostGrid asks the portal to slow down",
        PostgridError::NotRecorded => "The portal could not record this",
        _ => "PostGrid could not help",
    }
}

/// What the error page shows, carried from the handler's response to the page renderer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorShown {
    pub status: StatusCode,
    /// Seconds, sent as `Retry-After`.
    pub retry_after: Option<u64>,
    pub title: &'static str,
    pub message: String,
}

impl ErrorShown {
    /// The `Retry-After` header's value, when there is one.
    pub fn retry_after_header(&self) -> Option<HeaderValue> {
        self.retry_after.map(HeaderValue::from)
    }
}

/// An empty response that carries the page to show; the error-page layer renders it inside
/// the portal's chrome.
impl IntoResponse for ErrorShown {
    fn into_response(self) -> Response {
        let mut res = self.status.into_response();
        if let Some(value) = self.retry_after_header() {
            res.headers_mut().insert(header::RETRY_AFTER, value);
        }
        res.extensions_mut().insert(self);
        res
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.report().into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_table_gives_each_failure_its_status() {
        let cases = [
            (PostgridError::RateLimited { retry_after: None }, 429),
            (PostgridError::Unavailable { status: Some(503) }, 502),
            (PostgridError::TimedOut, 504),
            (PostgridError::NotRecorded, 503),
            (
                PostgridError::NotFound {
                    message: String::new(),
                },
                404,
            ),
            (
                PostgridError::Validation {
                    field: None,
                    message: String::new(),
                },
                422,
            ),
        ];
        for (error, status) in cases {
            assert_eq!(AppError::from(error).status().as_u16(), status);
        }
        let shown = AppError::from(PostgridError::RateLimited {
            retry_after: Some(Duration::from_secs(7)),
        })
        .report();
        assert_eq!(shown.retry_after, Some(7));
        let res = AppError::portal("testing")(std::io::Error::other("disk")).into_response();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        let shown = res.extensions().get::<ErrorShown>().expect("carried");
        assert!(
            !shown.message.contains("disk"),
            "the cause stays in the log"
        );
    }
}
