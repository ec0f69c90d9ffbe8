//! One call to PostGrid, described before it is sent.

use crate::domain::{CallId, SubOrgId};
use crate::upstream::{AttemptRecord, Provider};

pub use crate::upstream::Operation;

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

impl Call {
    /// What the audit log records of attempt `number` of this call.
    pub fn attempt(&self, call_id: CallId, number: u32) -> AttemptRecord<'_> {
        AttemptRecord {
            provider: Provider::Postgrid,
            call_id,
            number,
            operation: self.operation.name,
            method: self.operation.method.as_str(),
            path: &self.path,
            query: &self.query,
            body: self.body.as_ref(),
            idempotency_key: self.idempotency_key.as_deref(),
            acting_for: self.org.as_ref().map(ToString::to_string),
        }
    }
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
