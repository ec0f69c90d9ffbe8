use std::time::Duration;

/// Everything that can go wrong with a PostGrid call, as a page can explain it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostgridError {
    #[error("PostGrid rejected the API key")]
    InvalidKey,
    #[error("PostGrid refused the request: {message}")]
    Forbidden { message: String },
    #[error("PostGrid has no such resource: {message}")]
    NotFound { message: String },
    #[error("PostGrid rejected a field ({field:?}): {message}")]
    Validation {
        field: Option<String>,
        message: String,
    },
    #[error("PostGrid could not process the request ({status}): {message}")]
    Rejected { status: u16, message: String },
    #[error("PostGrid is rate limiting the portal")]
    RateLimited { retry_after: Option<Duration> },
    #[error("PostGrid is unavailable")]
    Unavailable { status: Option<u16> },
    #[error("PostGrid did not answer in time")]
    TimedOut,
    /// A request that changes something was sent, but no answer came back: it may have happened.
    #[error("the outcome of the request is unknown")]
    OutcomeUnknown,
    #[error("PostGrid's answer could not be read")]
    UnreadableResponse { status: u16 },
    /// PostGrid accepted a change (2xx) in an answer that could not be read: it was made.
    #[error("PostGrid accepted the change, but its answer could not be read")]
    UnreadableSuccess { status: u16 },
    /// The operation is not allowed for this organization context; nothing was sent.
    #[error("the operation is not allowed here")]
    NotAllowed,
    /// The call could not be recorded in the audit log first, so it was never sent.
    #[error("the call was not sent: it could not be recorded in the audit log")]
    NotRecorded,
}

impl PostgridError {
    /// PostGrid answered and refused: nothing was done, and a corrected request is a new one.
    pub fn was_refused(&self) -> bool {
        matches!(
            self,
            Self::InvalidKey
                | Self::Forbidden { .. }
                | Self::NotFound { .. }
                | Self::Validation { .. }
                | Self::Rejected { .. }
        )
    }

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
        }
    }

    /// One sentence for the person at the screen. PostGrid's own text is untrusted: pages
    /// escape it like any other text.
    pub fn user_message(&self) -> String {
        match self {
            Self::InvalidKey => "PostGrid rejected the portal's API key. An administrator needs \
                to check the POSTGRID_API_KEY setting."
                .to_owned(),
            Self::Forbidden { .. } => "PostGrid refused: the parent organization may not act \
                for this sub-organization, or impersonation is not enabled for it."
                .to_owned(),
            Self::NotFound { .. } => "PostGrid has no such item in this organization.".to_owned(),
            Self::Validation {
                field: Some(field),
                message,
            } => format!("PostGrid did not accept {field}: {message}"),
            Self::Validation {
                field: None,
                message,
            } => format!("PostGrid did not accept the request: {message}"),
            Self::Rejected { message, .. } => {
                format!("PostGrid could not do this: {message}")
            }
            Self::RateLimited {
                retry_after: Some(wait),
            } => format!(
                "PostGrid is limiting how fast the portal may call it. Try again in {} seconds.",
                wait.as_secs().max(1)
            ),
            Self::RateLimited { retry_after: None } => {
                "PostGrid is limiting how fast the portal may call it. Try again in a minute."
                    .to_owned()
            }
            Self::Unavailable { .. } => {
                "PostGrid is unavailable right now. Try again in a few minutes.".to_owned()
            }
            Self::TimedOut => "PostGrid did not answer in time. Try again.".to_owned(),
            Self::OutcomeUnknown => "PostGrid did not confirm whether this went through. Check \
                before trying again, so nothing is done twice."
                .to_owned(),
            Self::UnreadableResponse { .. } => {
                "PostGrid sent an answer the portal could not read. Try again; if it keeps \
                 happening, tell an administrator."
                    .to_owned()
            }
            Self::UnreadableSuccess { .. } => "PostGrid accepted this, but the portal could not \
                read its answer, so the change was probably made. Check the list before doing \
                it again."
                .to_owned(),
            Self::NotAllowed => "This is not allowed while acting for a sub-organization in the \
                current mode."
                .to_owned(),
            Self::NotRecorded => "The portal could not record this call in its audit log, so \
                it did not send it. Tell an administrator."
                .to_owned(),
        }
    }
}
