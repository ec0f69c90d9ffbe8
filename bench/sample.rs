//! The events the audit benchmarks write: PostGrid calls of 50 staff members for 40
//! sub-organizations, each call a request and its answer under one call id.

use serde_json::json;
use suborg_portal::audit::{Action, Actor, NewEvent, Origin, Outcome};

const ACTORS: i64 = 50;
const SUB_ORGS: i64 = 40;

/// Event `i`: even ones are requests, odd ones the answers to the request before them.
pub fn event(i: i64) -> NewEvent {
    let actor = i % ACTORS;
    let mut event = NewEvent::new(
        if i % 2 == 0 {
            Action::PostgridRequest
        } else {
            Action::PostgridResponse
        },
        if i % 2 == 0 {
            Outcome::Pending
        } else {
            Outcome::Ok
        },
        Origin {
            actor: Some(Actor {
                id: actor,
                email: format!("staff{actor}@example.com"),
                role: "admin".to_owned(),
                name: None,
            }),
            client_ip: Some("10.0.0.1".to_owned()),
            user_agent: Some("bench".to_owned()),
            request_id: Some(format!("req-{i}")),
        },
    )
    .detail(json!({"attempt": 0, "query": {"limit": "10"}}));
    event.sub_org_id = Some(format!("sub_org_bench{:04}", (i * 7919) % SUB_ORGS));
    event.operation = Some("contacts.list".to_owned());
    event.method = Some("GET".to_owned());
    event.upstream_path = Some("/contacts".to_owned());
    // Request and answer share a call id, as the audited client writes them.
    event.call_id = Some(format!("call-{}", i / 2));
    event
}
