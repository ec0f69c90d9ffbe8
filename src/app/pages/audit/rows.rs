//! The review's rows as an auditor reads them: one row per upstream call (its request and its
//! answer together), and every row a sentence with the names recorded when it was written.

use std::collections::HashSet;

use crate::audit::{AuditError, AuditLog, Filter, StoredEvent};

/// One row of the review. A page holds at most fifty, so the variants' sizes do not matter.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum Row {
    Event(StoredEvent),
    /// An upstream call: its request and its answer, either of which may be missing (a request
    /// with no answer recorded is an unknown outcome).
    Call {
        request: Option<StoredEvent>,
        response: Option<StoredEvent>,
    },
}

fn is_request(action: &str) -> bool {
    matches!(action, "postgrid.request" | "sendgrid.request")
}

fn is_response(action: &str) -> bool {
    matches!(action, "postgrid.response" | "sendgrid.response")
}

/// The call and attempt an event belongs to: a retried call has a request and an answer per
/// attempt.
fn attempt_of(event: &StoredEvent) -> Option<(&str, i64)> {
    let call = event.call_id.as_deref()?;
    let detail: serde_json::Value = serde_json::from_str(&event.detail).ok()?;
    Some((call, detail["attempt"].as_i64().unwrap_or(0)))
}

/// The call ids of the page's call events, for reading their other halves.
pub fn call_ids(page: &[StoredEvent]) -> Vec<String> {
    let mut ids: Vec<String> = page
        .iter()
        .filter(|e| is_request(&e.action) || is_response(&e.action))
        .filter_map(|e| e.call_id.clone())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Reads the other halves of the calls on `page` and folds it into rows: what every page that
/// lists events as rows does.
pub async fn fold_page(
    log: &AuditLog,
    filter: &Filter,
    page: Vec<StoredEvent>,
) -> Result<Vec<Row>, AuditError> {
    let calls = log.find_calls(&call_ids(&page)).await?;
    let selected = log.selected_among(filter, &calls).await?;
    Ok(fold(page, &calls, &selected))
}

/// Folds a page (newest first) into rows, given every event of its calls and which of those
/// the page's filter selects (`selected`, by `seq`). A call shows once, where its answer
/// stands; at its request only when the answer is missing or is not selected.
pub fn fold(page: Vec<StoredEvent>, calls: &[StoredEvent], selected: &HashSet<i64>) -> Vec<Row> {
    let half = |of: &StoredEvent, want: fn(&str) -> bool| {
        let key = attempt_of(of)?;
        calls
            .iter()
            .find(|e| want(&e.action) && attempt_of(e) == Some(key))
            .cloned()
    };
    let mut rows = Vec::with_capacity(page.len());
    for event in page {
        if is_response(&event.action) {
            rows.push(Row::Call {
                request: half(&event, is_request),
                response: Some(event),
            });
        } else if is_request(&event.action) {
            let response = half(&event, is_response);
            if response.as_ref().is_some_and(|r| selected.contains(&r.seq)) {
                continue;
            }
            rows.push(Row::Call {
                request: Some(event),
                response,
            });
        } else {
            rows.push(Row::Event(event));
        }
    }
    rows
}

fn detail_of(event: &StoredEvent) -> serde_json::Value {
    serde_json::from_str(&event.detail).unwrap_or_default()
}

/// Who did it, as recorded: their name then, else their email; `None` for the portal itself.
pub fn subject(event: &StoredEvent) -> Option<String> {
    let detail = detail_of(event);
    detail["actor_name"]
        .as_str()
        .map(str::to_owned)
        .or_else(|| event.actor_email.clone())
}

/// Whom it concerned, as recorded: the sub-organization's (or SendGrid account's) name then,
/// else its id.
pub fn whom(events: &[&StoredEvent]) -> Option<String> {
    events
        .iter()
        .find_map(|e| detail_of(e)["sub_org_name"].as_str().map(str::to_owned))
        .filter(|name| !name.trim().is_empty())
        .or_else(|| events.iter().find_map(|e| e.sub_org_id.clone()))
}

/// What an upstream operation did, in words, and the word that joins it to whom.
pub fn call_words(operation: &str) -> (String, &'static str) {
    let (what, verb) = operation.rsplit_once('.').unwrap_or((operation, ""));
    let thing = match what {
        "contacts" => ("contacts", "a contact"),
        "templates" => ("templates", "a template"),
        "letters" => ("letters", "a letter"),
        "postcards" => ("postcards", "a postcard"),
        "senders" => ("senders", "a sender"),
        "stats" => ("statistics", "the statistics"),
        "sub_organizations" => ("sub-organizations", "the sub-organization"),
        "subusers" => ("SendGrid subusers", "a SendGrid subuser"),
        "suppression.blocks" => ("blocked addresses", "a blocked address"),
        "suppression.bounces" => ("bounced addresses", "a bounced address"),
        _ => return (format!("called {operation}"), "for"),
    };
    if what == "sub_organizations" {
        // The sub-organization itself follows the verb ("opened the sub-organization X").
        return match verb {
            "list" => ("listed the sub-organizations".to_owned(), ""),
            "create" => ("created the sub-organization".to_owned(), ""),
            _ => ("opened the sub-organization".to_owned(), ""),
        };
    }
    match verb {
        "list" => (format!("listed the {}", thing.0), "of"),
        "get" => (format!("opened {}", thing.1), "of"),
        "create" => (format!("created {}", thing.1), "for"),
        "update" => (format!("changed {}", thing.1), "of"),
        "delete" => (format!("deleted {}", thing.1), "of"),
        "cancel" => (format!("cancelled {}", thing.1), "of"),
        _ => (format!("called {operation}"), "for"),
    }
}

/// What a portal event did, in words: the verb after the subject, and whether the one it
/// concerned follows ("started acting for" …).
pub fn event_words(action: &str) -> (&'static str, bool) {
    match action {
        "auth.login.succeeded" => ("signed in", false),
        "auth.login.failed" => ("failed to sign in", false),
        "auth.locked" => ("was locked out after repeated failures", false),
        "auth.logout" => ("signed out", false),
        "auth.password_changed" => ("changed a password", false),
        "auth.mfa_enrolled" => ("enrolled a second factor", false),
        "auth.mfa_failed" => ("entered a wrong second-factor code", false),
        "auth.mfa_reset" => ("reset a second factor", false),
        "auth.step_up" => ("confirmed a risky step with a second factor", false),
        "auth.sso_succeeded" => ("signed in through single sign-on", false),
        "auth.sso_failed" => ("failed to sign in through single sign-on", false),
        "auth.session_ended" => ("ended a session", false),
        "staff.created" => ("added a staff member", false),
        "staff.updated" => ("changed a staff member", false),
        "staff.disabled" => ("disabled a staff member", false),
        "staff.enabled" => ("enabled a staff member", false),
        "staff.unlocked" => ("unlocked a staff member", false),
        "impersonation.started" => ("started acting for", true),
        "impersonation.ended" => ("stopped acting for", true),
        "impersonation.mode_changed" => ("switched modes while acting for", true),
        "impersonation.denied" => ("was refused acting for", true),
        "dashboard.handoff" => ("opened PostGrid's dashboard as a user of", true),
        "approval.requested" => ("asked for write mode for", true),
        "approval.granted" => ("granted write mode for", true),
        "approval.denied" => ("denied write mode for", true),
        "approval.expired" => ("saw a request for write mode expire for", true),
        "audit.viewed" => ("viewed the audit log", false),
        "audit.exported" => ("exported the audit log", false),
        "audit.pruned" => ("pruned archived events from the audit log", false),
        "access.denied" => ("was refused a page", false),
        "security.origin_rejected" => ("sent a request from another site, refused", false),
        "postgrid.request" | "sendgrid.request" => ("sent a request", false),
        "postgrid.response" | "sendgrid.response" => ("got an answer", false),
        _ => ("did something", false),
    }
}

/// How a call ended, for its sentence: `200 in 52 ms`, the error, or that no answer is on
/// record.
pub fn call_result(response: Option<&StoredEvent>) -> String {
    let Some(response) = response else {
        return "no answer recorded".to_owned();
    };
    let took = response
        .duration_ms
        .map(|ms| format!(" in {ms} ms"))
        .unwrap_or_default();
    match response.upstream_status {
        Some(status) => format!("{status}{took}"),
        None => {
            let error = detail_of(response)["error"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| "no answer".to_owned());
            format!("failed ({error}){took}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: i64, action: &str, call: Option<&str>, attempt: i64) -> StoredEvent {
        serde_json::from_value(serde_json::json!({
            "seq": seq, "id": format!("e{seq}"), "at": "2026-12-02T21:04:05.000000Z",
            "action": action, "outcome": if action.ends_with(".request") { "pending" } else { "ok" },
            "actor_id": 1, "actor_email": "ada@example.com", "actor_role": "admin",
            "sub_org_id": "sub_org_1", "impersonation_id": null, "reason": null,
            "call_id": call, "operation": "contacts.list", "method": "GET",
            "upstream_path": "/contacts", "upstream_status": null, "upstream_request_id": null,
            "duration_ms": null, "client_ip": null, "user_agent": null, "request_id": null,
            "detail": {"attempt": attempt, "actor_name": "Ada Admin", "sub_org_name": "O'Brien & Daughters"},
            "prev_hash": "0", "hash": "0", "provider": "postgrid"
        }))
        .expect("event")
    }

    #[test]
    fn a_call_is_one_row_where_its_answer_stands() {
        let request = event(1, "postgrid.request", Some("c1"), 0);
        let response = event(2, "postgrid.response", Some("c1"), 0);
        let other = event(3, "auth.logout", None, 0);
        let calls = vec![request.clone(), response.clone()];
        let page = vec![other.clone(), response.clone(), request.clone()];
        let all: HashSet<i64> = calls.iter().map(|e| e.seq).collect();
        let rows = fold(page, &calls, &all);
        assert_eq!(
            rows,
            vec![
                Row::Event(other),
                Row::Call {
                    request: Some(request.clone()),
                    response: Some(response.clone())
                }
            ]
        );
        // The answer is on a newer page: the request's page does not show the call again.
        let rows = fold(vec![request.clone()], &calls, &all);
        assert!(rows.is_empty());
        // Filtered so that the answer is shown nowhere (pending events only): the request is.
        let requests_only = HashSet::from([request.seq]);
        let rows = fold(vec![request.clone()], &calls, &requests_only);
        assert_eq!(rows.len(), 1);
    }

    #[test]
    fn a_request_without_an_answer_says_so_and_retries_pair_by_attempt() {
        let first = event(1, "postgrid.request", Some("c1"), 0);
        let failed = event(2, "postgrid.response", Some("c1"), 0);
        let retry = event(3, "postgrid.request", Some("c1"), 1);
        let calls = vec![first, failed.clone(), retry.clone()];
        let all: HashSet<i64> = calls.iter().map(|e| e.seq).collect();
        let rows = fold(vec![retry.clone(), failed.clone()], &calls, &all);
        assert_eq!(
            rows[0],
            Row::Call {
                request: Some(retry),
                response: None
            },
            "the retry has no answer of its own"
        );
        assert_eq!(call_result(None), "no answer recorded");
    }

    #[test]
    fn sentences_use_the_names_recorded() {
        let e = event(1, "postgrid.response", Some("c1"), 0);
        assert_eq!(subject(&e).as_deref(), Some("Ada Admin"));
        assert_eq!(whom(&[&e]).as_deref(), Some("O'Brien & Daughters"));
        assert_eq!(
            call_words("contacts.list"),
            ("listed the contacts".to_owned(), "of")
        );
        assert_eq!(
            call_words("sub_organizations.get"),
            ("opened the sub-organization".to_owned(), "")
        );
        assert_eq!(
            call_words("letters.cancel"),
            ("cancelled a letter".to_owned(), "of")
        );
        assert_eq!(
            call_words("suppression.bounces.list"),
            ("listed the bounced addresses".to_owned(), "of")
        );
        let mut answered = e.clone();
        answered.upstream_status = Some(200);
        answered.duration_ms = Some(52);
        assert_eq!(call_result(Some(&answered)), "200 in 52 ms");
    }
}
