use std::time::Duration;

use axum::http::StatusCode;

/// Everything that can go wrong with a SendGrid call, as a page can explain it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendgridError {
    #[error("SendGrid rejected the API key")]
    InvalidKey,
    #[error("SendGrid refused the request: {message}")]
    Forbidden { message: String },
    #[error("SendGrid has no such resource: {message}")]
    NotFound { message: String },
    #[error("SendGrid rejected a field ({field:?}): {message}")]
    Validation {
        field: Option<String>,
        message: String,
    },
    #[error("SendGrid could not process the request ({status}): {message}")]
    Rejected { status: u16, message: String },
    #[error("SendGrid is rate limiting the portal")]
    RateLimited { retry_after: Option<Duration> },
    #[error("SendGrid is unavailable")]
    Unavailable { status: Option<u16> },
    #[error("SendGrid did not answer in time")]
    TimedOut,
    /// A request that changes something was sent, but no answer came back.
    #[error("the outcome of the request is unknown")]
    OutcomeUnknown,
    #[error("SendGrid's answer could not be read")]
    UnreadableResponse { status: u16 },
    /// SendGrid accepted a change (2xx) in an answer that could not be read: it was made.
    #[error("SendGrid accepted the change, but its answer could not be read")]
    UnreadableSuccess { status: u16 },
    /// The operation is not allowed in the impersonation's mode; nothing was sent.
    #[error("the operation is not allowed here")]
    NotAllowed,
    /// The call could not be recorded in the audit log first, so it was never sent.
    #[error("the call was not sent: it could not be recorded in the audit log")]
    NotRecorded,
    /// SendGrid is not configured (no `SENDGRID_API_KEY`).
    #[error("SendGrid is not configured")]
    NotConfigured,
}

impl SendgridError {
    /// A stable name for logs and audit events.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::InvalidKey => "invalid_key",
            Self::Forbidden { .. } => "forbidden",
            Self::NotFound { .. } => "not_found",
            Self::Validation { .. } => "validation",
            Self::Rejected { .. } => "rejected",
            Self::RateLimited { .. } => "rate_limited",
            Self::Unavailable { .. } => "unavailable",
            Self::TimedOut => "timed_out",
            Self::OutcomeUnknown => "outcome_unknown",
            Self::UnreadableResponse { .. } => "unreadable_response",
            Self::UnreadableSuccess { .. } => "unreadable_success",
            Self::NotAllowed => "not_allowed",
            Self::NotRecorded => "not_recorded",
            Self::NotConfigured => "not_configured",
        }
    }

    /// The status a page answers with: refusals as refusals, SendGrid's trouble as a gateway.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Validation { .. } | Self::Rejected { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::NotFound { .. } | Self::NotConfigured => StatusCode::NOT_FOUND,
            Self::Forbidden { .. } | Self::NotAllowed => StatusCode::FORBIDDEN,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::NotRecorded => StatusCode::SERVICE_UNAVAILABLE,
            Self::TimedOut => StatusCode::GATEWAY_TIMEOUT,
            Self::UnreadableSuccess { .. } => StatusCode::ACCEPTED,
            Self::InvalidKey
            | Self::Unavailable { .. }
            | Self::OutcomeUnknown
            | Self::UnreadableResponse { .. } => StatusCode::BAD_GATEWAY,
        }
    }

    pub fn title(&self) -> &'static str {
        match self {
            Self::NotFound { .. } => "Not found",
            Self::Forbidden { .. } | Self::NotAllowed => "Not allowed",
            Self::RateLimited { .. } => "SendGrid asks the portal to slow down",
            Self::NotRecorded => "The portal could not record this",
            Self::NotConfigured => "SendGrid is not set up",
            _ => "SendGrid could not help",
        }
    }

    /// One sentence for the person at the screen. SendGrid's own text is untrusted: pages
    /// escape it like any other text.
    pub fn user_message(&self) -> String {
        match self {
            Self::InvalidKey => "SendGrid rejected the portal's API key. An administrator needs \
                to check the SENDGRID_API_KEY setting."
                .to_owned(),
            Self::Forbidden { message } if !message.is_empty() => format!(
                "SendGrid refused: the parent account may not do this for that sub-account \
                 ({message})."
            ),
            Self::Forbidden { .. } => {
                "SendGrid refused: the parent account may not do this for that sub-account."
                    .to_owned()
            }
            Self::NotFound { .. } => "SendGrid has no such item for this account.".to_owned(),
            Self::Validation {
                field: Some(field),
                message,
            } => format!("SendGrid did not accept {field}: {message}"),
            Self::Validation {
                field: None,
                message,
            } => format!("SendGrid did not accept the request: {message}"),
            Self::Rejected { message, .. } => format!("SendGrid could not do this: {message}"),
            Self::RateLimited {
                retry_after: Some(wait),
            } => format!(
                "SendGrid is limiting how fast the portal may call it. Try again in {} seconds.",
                wait.as_secs().max(1)
            ),
            Self::RateLimited { retry_after: None } => {
                "SendGrid is limiting how fast the portal may call it. Try again in a minute."
                    .to_owned()
            }
            Self::Unavailable { .. } => {
                "SendGrid is unavailable right now. Try again in a few minutes.".to_owned()
            }
            Self::TimedOut => "SendGrid did not answer in time. Try again.".to_owned(),
            Self::OutcomeUnknown => "SendGrid did not confirm whether this went through. \
                Check before trying again."
                .to_owned(),
            Self::UnreadableResponse { .. } => "SendGrid sent an answer the portal could not \
                read. Try again; if it keeps happening, tell an administrator."
                .to_owned(),
            Self::UnreadableSuccess { .. } => "SendGrid accepted this, but the portal could not \
                read its answer, so the change was probably made. Check the page before doing \
                it again."
                .to_owned(),
            Self::NotAllowed => "This is not allowed while acting for a SendGrid sub-account \
                in the current mode."
                .to_owned(),
            Self::NotRecorded => "The portal could not record this call in its audit log, so \
                it did not send it. Tell an administrator."
                .to_owned(),
            Self::NotConfigured => "This portal has no SendGrid account configured \
                (SENDGRID_API_KEY is not set)."
                .to_owned(),
        }
    }
}
