//! The audited PostGrid call: every attempt is preceded by a durable `postgrid.request` event
//! and followed by a `postgrid.response` event with the same `call_id`. If the request event
//! cannot be written, the attempt is not sent.

use futures_util::future::BoxFuture;
use serde_json::json;

use super::event::{Action, NewEvent, Origin, Outcome};
use super::AuditLog;
use crate::postgrid::{Attempt, AttemptOutcome, CallObserver, NotRecorded};

/// Records the PostGrid calls made for one person's request.
pub struct AuditedCalls {
    log: AuditLog,
    origin: Origin,
    impersonation_id: Option<String>,
}

impl AuditedCalls {
    pub fn new(log: AuditLog, origin: Origin) -> Self {
        Self {
            log,
            origin,
            impersonation_id: None,
        }
    }

    /// Delegated calls carry the impersonation they were made under.
    pub fn during_impersonation(mut self, impersonation_id: String) -> Self {
        self.impersonation_id = Some(impersonation_id);
        self
    }

    fn event(&self, action: Action, outcome: Outcome, attempt: &Attempt<'_>) -> NewEvent {
        let call = attempt.call;
        let mut event = NewEvent::new(action, outcome, self.origin.clone());
        event.sub_org_id = call
            .org
            .as_ref()
            .map(ToString::to_string)
            .or_else(|| sub_org_in_path(&call.path));
        event.impersonation_id = self.impersonation_id.clone();
        event.call_id = Some(attempt.call_id.to_string());
        event.operation = Some(call.operation.name.to_owned());
        event.method = Some(call.operation.method.as_str().to_owned());
        event.upstream_path = Some(call.path.clone());
        event
    }
}

/// The sub-organization a parent call is about (`/sub_organizations/{id}/…`).
fn sub_org_in_path(path: &str) -> Option<String> {
    let rest = path.strip_prefix("/sub_organizations/")?;
    let id = rest.split('/').next()?;
    crate::domain::SubOrgId::parse(id).ok().map(String::from)
}

impl CallObserver for AuditedCalls {
    fn before_send<'a>(
        &'a self,
        attempt: &'a Attempt<'a>,
    ) -> BoxFuture<'a, Result<(), NotRecorded>> {
        Box::pin(async move {
            let call = attempt.call;
            let query: serde_json::Map<String, serde_json::Value> = call
                .query
                .iter()
                .map(|(k, v)| ((*k).to_owned(), json!(v)))
                .collect();
            let event = self
                .event(Action::PostgridRequest, Outcome::Pending, attempt)
                .detail(json!({
                    "attempt": attempt.number,
                    "query": query,
                    "body": call.body,
                    "idempotency_key": call.idempotency_key,
                }));
            self.log
                .append(event)
                .await
                .map(|_| ())
                .map_err(|err| NotRecorded(err.to_string()))
        })
    }

    fn after_attempt<'a>(
        &'a self,
        attempt: &'a Attempt<'a>,
        outcome: &'a AttemptOutcome<'a>,
    ) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let ok = outcome.error.is_none();
            let mut event = self.event(
                Action::PostgridResponse,
                if ok { Outcome::Ok } else { Outcome::Error },
                attempt,
            );
            event.upstream_status = outcome.status.map(i64::from);
            event.upstream_request_id = outcome.upstream_request_id.clone();
            event.duration_ms =
                Some(i64::try_from(outcome.duration.as_millis()).unwrap_or(i64::MAX));
            // A write PostGrid accepted but whose answer cannot be read was probably made:
            // the auditor reads that here, not a failure to retry.
            let probably_made = matches!(
                outcome.error,
                Some(crate::postgrid::PostgridError::UnreadableSuccess { .. })
            );
            let event = event.detail(json!({
                "attempt": attempt.number,
                "error": outcome.error.map(|e| e.kind()),
                "resource_id": outcome.resource_id,
                "probably_made": probably_made,
            }));
            // The request event is already durable, so the page need not wait for this one; should
            // it be lost, the request without a response shows as an unknown outcome.
            if let Err(err) = self.log.append_in_background(event).await {
                tracing::error!(error = %err, call_id = %attempt.call_id, "postgrid.response could not be recorded");
            }
        })
    }
}
