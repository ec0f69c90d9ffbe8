//! One call to PostGrid, described before it is sent, and the seam every call passes through.

use std::time::Duration;

use futures_util::future::BoxFuture;
use reqwest::Method;

use crate::domain::{CallId, SubOrgId};

/// `operation!("contacts.list", GET, "/contacts")`: an [`Operation`] as a constant.
#[macro_export]
macro_rules! operation {
    ($name:literal, $method:ident, $path:literal) => {
        $crate::postgrid::Operation {
            name: $name,
            method: ::reqwest::Method::$method,
            path_template: $path,
        }
    };
}

/// What the portal asks PostGrid to do, named for the audit log (`sub_organizations.create`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    pub name: &'static str,
    pub method: Method,
    /// The path with placeholders (`/sub_organizations/{id}`), so events group by endpoint.
    pub path_template: &'static str,
}

#[derive(Debug, Clone)]
pub struct Call {
    pub operation: Operation,
    /// The path actually requested, below the base URL.
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    pub body: Option<serde_json::Value>,
    /// Set only by the org-scoped client: the `PostGrid-Org` header.
    pub org: Option<SubOrgId>,
    pub idempotency_key: Option<String>,
}

/// One attempt at a call: a retry is an attempt of its own, with its own id.
#[derive(Debug, Clone)]
pub struct Attempt<'a> {
    pub call: &'a Call,
    pub call_id: CallId,
    /// 0 for the first try.
    pub number: u32,
}

/// What came of one attempt.
#[derive(Debug, Clone)]
pub struct AttemptOutcome<'a> {
    pub status: Option<u16>,
    /// The id of the resource a write created or changed, when its answer names one.
    pub resource_id: Option<String>,
    pub upstream_request_id: Option<String>,
    pub duration: Duration,
    pub error: Option<&'a super::PostgridError>,
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("the call could not be recorded: {0}")]
pub struct NotRecorded(pub String);

/// Sees every attempt: before it is sent (and may stop it) and after it ends. The audit log is
/// the observer in production; a call whose `before_send` fails is never sent.
pub trait CallObserver: Send + Sync {
    fn before_send<'a>(
        &'a self,
        attempt: &'a Attempt<'a>,
    ) -> BoxFuture<'a, Result<(), NotRecorded>>;
    fn after_attempt<'a>(
        &'a self,
        attempt: &'a Attempt<'a>,
        outcome: &'a AttemptOutcome<'a>,
    ) -> BoxFuture<'a, ()>;
}

/// A request body as JSON; a model that cannot be encoded is refused before anything is sent.
pub(super) fn encode_body<T: serde::Serialize>(
    value: &T,
) -> Result<serde_json::Value, super::PostgridError> {
    serde_json::to_value(value).map_err(|_| super::PostgridError::Validation {
        field: None,
        message: "the form could not be encoded".to_owned(),
    })
}
