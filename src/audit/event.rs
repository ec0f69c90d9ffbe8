//! Audit events: the closed set of actions and outcomes, what a new event carries, and an
//! event as stored (the export contract of DESIGN §8).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::domain::Timestamp;
pub use crate::upstream::Provider;

/// Every action the audit log knows (DESIGN §8). Events are built from this enum, never from
/// free strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    LoginSucceeded,
    LoginFailed,
    Locked,
    Logout,
    PasswordChanged,
    StaffCreated,
    StaffUpdated,
    StaffDisabled,
    ImpersonationStarted,
    ImpersonationEnded,
    ImpersonationModeChanged,
    ImpersonationDenied,
    DashboardHandoff,
    AuditViewed,
    AuditExported,
    OriginRejected,
    PostgridRequest,
    PostgridResponse,
    SendgridRequest,
    SendgridResponse,
    MfaEnrolled,
    MfaFailed,
    MfaReset,
    StepUp,
    SessionEnded,
    StaffEnabled,
    StaffUnlocked,
    ApprovalRequested,
    ApprovalGranted,
    ApprovalDenied,
    ApprovalExpired,
    SsoSucceeded,
    SsoFailed,
    AuditPruned,
    AccessDenied,
}

impl Action {
    pub const ALL: [Action; 35] = [
        Self::LoginSucceeded,
        Self::LoginFailed,
        Self::Locked,
        Self::Logout,
        Self::PasswordChanged,
        Self::StaffCreated,
        Self::StaffUpdated,
        Self::StaffDisabled,
        Self::ImpersonationStarted,
        Self::ImpersonationEnded,
        Self::ImpersonationModeChanged,
        Self::ImpersonationDenied,
        Self::DashboardHandoff,
        Self::AuditViewed,
        Self::AuditExported,
        Self::OriginRejected,
        Self::PostgridRequest,
        Self::PostgridResponse,
        Self::SendgridRequest,
        Self::SendgridResponse,
        Self::MfaEnrolled,
        Self::MfaFailed,
        Self::MfaReset,
        Self::StepUp,
        Self::SessionEnded,
        Self::StaffEnabled,
        Self::StaffUnlocked,
        Self::ApprovalRequested,
        Self::ApprovalGranted,
        Self::ApprovalDenied,
        Self::ApprovalExpired,
        Self::SsoSucceeded,
        Self::SsoFailed,
        Self::AuditPruned,
        Self::AccessDenied,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::LoginSucceeded => "auth.login.succeeded",
            Self::LoginFailed => "auth.login.failed",
            Self::Locked => "auth.locked",
            Self::Logout => "auth.logout",
            Self::PasswordChanged => "auth.password_changed",
            Self::StaffCreated => "staff.created",
            Self::StaffUpdated => "staff.updated",
            Self::StaffDisabled => "staff.disabled",
            Self::ImpersonationStarted => "impersonation.started",
            Self::ImpersonationEnded => "impersonation.ended",
            Self::ImpersonationModeChanged => "impersonation.mode_changed",
            Self::ImpersonationDenied => "impersonation.denied",
            Self::DashboardHandoff => "dashboard.handoff",
            Self::AuditViewed => "audit.viewed",
            Self::AuditExported => "audit.exported",
            Self::OriginRejected => "security.origin_rejected",
            Self::PostgridRequest => "postgrid.request",
            Self::PostgridResponse => "postgrid.response",
            Self::SendgridRequest => "sendgrid.request",
            Self::SendgridResponse => "sendgrid.response",
            Self::MfaEnrolled => "auth.mfa_enrolled",
            Self::MfaFailed => "auth.mfa_failed",
            Self::MfaReset => "auth.mfa_reset",
            Self::StepUp => "auth.step_up",
            Self::SessionEnded => "auth.session_ended",
            Self::StaffEnabled => "staff.enabled",
            Self::StaffUnlocked => "staff.unlocked",
            Self::ApprovalRequested => "approval.requested",
            Self::ApprovalGranted => "approval.granted",
            Self::ApprovalDenied => "approval.denied",
            Self::ApprovalExpired => "approval.expired",
            Self::SsoSucceeded => "auth.sso_succeeded",
            Self::SsoFailed => "auth.sso_failed",
            Self::AuditPruned => "audit.pruned",
            Self::AccessDenied => "access.denied",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == raw)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    Ok,
    Denied,
    Error,
    /// A request sent whose answer is not (yet) recorded.
    Pending,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [Self::Ok, Self::Denied, Self::Error, Self::Pending];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Denied => "denied",
            Self::Error => "error",
            Self::Pending => "pending",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == raw)
    }
}

/// The staff member an event is attributed to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub id: i64,
    pub email: String,
    pub role: String,
    /// Their name as it was when the event was written: kept in the event's detail as
    /// `actor_name`, so the log reads as it happened even after a rename.
    pub name: Option<String>,
}

/// Where a request came from: filled in by the HTTP layer, carried into every event it causes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    pub actor: Option<Actor>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
}

/// An event to append: everything but `seq`, `id`, `at` and the hashes, which the log assigns.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub action: Action,
    pub outcome: Outcome,
    pub origin: Origin,
    /// The upstream a call or an impersonation is about; `None` for the portal's own events.
    pub provider: Option<Provider>,
    /// For SendGrid, the `on-behalf-of` target exactly as sent.
    pub sub_org_id: Option<String>,
    pub impersonation_id: Option<String>,
    pub reason: Option<String>,
    pub call_id: Option<String>,
    pub operation: Option<String>,
    pub method: Option<String>,
    pub upstream_path: Option<String>,
    pub upstream_status: Option<i64>,
    pub upstream_request_id: Option<String>,
    pub duration_ms: Option<i64>,
    /// Already redacted: see [`super::redact`].
    pub detail: Value,
}

impl NewEvent {
    pub fn new(action: Action, outcome: Outcome, origin: Origin) -> Self {
        Self {
            action,
            outcome,
            origin,
            provider: None,
            sub_org_id: None,
            impersonation_id: None,
            reason: None,
            call_id: None,
            operation: None,
            method: None,
            upstream_path: None,
            upstream_status: None,
            upstream_request_id: None,
            duration_ms: None,
            detail: Value::Object(Default::default()),
        }
    }

    pub fn detail(mut self, detail: Value) -> Self {
        self.detail = super::redact::redact(detail);
        self
    }
}

/// An event as stored and exported; field names are the export contract. Archives are read
/// back through `Deserialize`, `detail` as the very text that was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct StoredEvent {
    pub seq: i64,
    pub id: String,
    pub at: String,
    pub action: String,
    pub outcome: String,
    pub actor_id: Option<i64>,
    pub actor_email: Option<String>,
    pub actor_role: Option<String>,
    pub sub_org_id: Option<String>,
    pub impersonation_id: Option<String>,
    pub reason: Option<String>,
    pub call_id: Option<String>,
    pub operation: Option<String>,
    pub method: Option<String>,
    pub upstream_path: Option<String>,
    pub upstream_status: Option<i64>,
    pub upstream_request_id: Option<String>,
    pub duration_ms: Option<i64>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    /// JSON text; exported as a JSON object.
    #[serde(serialize_with = "json_text", deserialize_with = "text_of_json")]
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
    /// `postgrid`, `sendgrid`, or null for the portal's own events (and every event written
    /// under canonical version 1).
    pub provider: Option<String>,
}

fn json_text<S: serde::Serializer>(text: &str, serializer: S) -> Result<S::Ok, S::Error> {
    match serde_json::value::RawValue::from_string(text.to_owned()) {
        Ok(raw) => raw.serialize(serializer),
        // Stored by this module as JSON; should a row hold anything else, export it as a string.
        Err(_) => serializer.serialize_str(text),
    }
}

fn text_of_json<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let raw = Box::<serde_json::value::RawValue>::deserialize(deserializer)?;
    Ok(raw.get().to_owned())
}

/// The stored format of a time (see [`Timestamp`]).
pub fn format_time(at: OffsetDateTime) -> String {
    Timestamp::at(at).to_string()
}

/// Reads an RFC 3339 time (any offset) into the stored format, for filters and exports.
pub fn parse_time(raw: &str) -> Option<String> {
    Timestamp::parse(raw).map(|at| at.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_names_are_the_contract() {
        for action in Action::ALL {
            assert_eq!(Action::parse(action.as_str()), Some(action));
        }
        assert_eq!(Action::PostgridRequest.as_str(), "postgrid.request");
        assert_eq!(Action::ImpersonationEnded.as_str(), "impersonation.ended");
        assert_eq!(Action::parse("made.up"), None);
    }

    #[test]
    fn times_are_fixed_width_utc() {
        assert_eq!(
            parse_time("2026-01-02T03:04:05+02:00").as_deref(),
            Some("2026-01-02T01:04:05.000000Z")
        );
        assert_eq!(parse_time("yesterday"), None);
    }
}
