//! The audited upstream call: every attempt is preceded by a durable `postgrid.request` (or
//! `sendgrid.request`) event and followed by the matching response event with the same
//! `call_id`. If the request event cannot be written, the attempt is not sent.

use futures_util::future::BoxFuture;
use serde_json::json;

use super::event::{Action, NewEvent, Origin, Outcome};
use super::AuditLog;
use crate::upstream::{AttemptRecord, NotRecorded, OutcomeRecord, Provider, Recorder};

/// Records the upstream calls made for one person's request.
pub struct AuditedCalls {
    log: AuditLog,
    origin: Origin,
    impersonation_id: Option<String>,
    /// The name of whom the impersonation acts for, as it was when it started.
    acting_for_name: Option<String>,
}

impl AuditedCalls {
    pub fn new(log: AuditLog, origin: Origin) -> Self {
        Self {
            log,
            origin,
            impersonation_id: None,
            acting_for_name: None,
        }
    }

    /// Delegated calls carry the impersonation they were made under, and the name of whom it
    /// acts for (`sub_org_name` in their detail).
    pub fn during_impersonation(mut self, impersonation_id: String, name: String) -> Self {
        self.acting_for_name = Some(name);
        self.impersonation_id = Some(impersonation_id);
        self
    }

    fn event(&self, response: bool, outcome: Outcome, attempt: &AttemptRecord<'_>) -> NewEvent {
        let action = match (attempt.provider, response) {
            (Provider::Postgrid, false) => Action::PostgridRequest,
            (Provider::Postgrid, true) => Action::PostgridResponse,
            (Provider::Sendgrid, false) => Action::SendgridRequest,
            (Provider::Sendgrid, true) => Action::SendgridResponse,
        };
        let mut event = NewEvent::new(action, outcome, self.origin.clone());
        event.provider = Some(attempt.provider);
        event.sub_org_id = attempt
            .acting_for
            .clone()
            .or_else(|| match attempt.provider {
                Provider::Postgrid => sub_org_in_path(attempt.path),
                Provider::Sendgrid => subuser_in_path(attempt.path),
            });
        event.impersonation_id = self.impersonation_id.clone();
        event.call_id = Some(attempt.call_id.to_string());
        event.operation = Some(attempt.operation.to_owned());
        event.method = Some(attempt.method.to_owned());
        event.upstream_path = Some(attempt.path.to_owned());
        event
    }
}

/// The sub-organization a parent call is about (`/sub_organizations/{id}/…`).
fn sub_org_in_path(path: &str) -> Option<String> {
    let rest = path.strip_prefix("/sub_organizations/")?;
    let id = rest.split('/').next()?;
    crate::domain::SubOrgId::parse(id).ok().map(String::from)
}

/// The subuser a SendGrid parent call is about (`/v3/subusers/{name}/…`), so "who disabled
/// this subuser" is one filter away.
fn subuser_in_path(path: &str) -> Option<String> {
    let rest = path.strip_prefix("/v3/subusers/")?;
    let name = percent_encoding::percent_decode_str(rest.split('/').next()?)
        .decode_utf8()
        .ok()?;
    crate::sendgrid::Username::parse(&name)
        .ok()
        .map(|name| name.to_string())
}

impl Recorder for AuditedCalls {
    fn before_send<'a>(
        &'a self,
        attempt: &'a AttemptRecord<'a>,
    ) -> BoxFuture<'a, Result<(), NotRecorded>> {
        Box::pin(async move {
            let query: serde_json::Map<String, serde_json::Value> = attempt
                .query
                .iter()
                .map(|(k, v)| ((*k).to_owned(), json!(v)))
                .collect();
            let event = self.event(false, Outcome::Pending, attempt).detail(json!({
                "attempt": attempt.number,
                "query": query,
                "body": attempt.body,
                "idempotency_key": attempt.idempotency_key,
                "sub_org_name": self.acting_for_name,
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
        attempt: &'a AttemptRecord<'a>,
        outcome: &'a OutcomeRecord,
    ) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let ok = outcome.error.is_none();
            let mut event =
                self.event(true, if ok { Outcome::Ok } else { Outcome::Error }, attempt);
            event.upstream_status = outcome.status.map(i64::from);
            event.upstream_request_id = outcome.upstream_request_id.clone();
            event.duration_ms =
                Some(i64::try_from(outcome.duration.as_millis()).unwrap_or(i64::MAX));
            // A write accepted but whose answer cannot be read was probably made: the auditor
            // reads that here, not a failure to retry.
            let event = event.detail(json!({
                "attempt": attempt.number,
                "error": outcome.error,
                "resource_id": outcome.resource_id,
                "probably_made": outcome.probably_made,
                "sub_org_name": self.acting_for_name,
            }));
            // The request event is already durable, so the page need not wait for this one; should
            // it be lost, the request without a response shows as an unknown outcome.
            if let Err(err) = self.log.append_in_background(event).await {
                tracing::error!(error = %err, call_id = %attempt.call_id, "an upstream response could not be recorded");
            }
        })
    }
}
