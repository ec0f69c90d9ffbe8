//! The audit log: append-only, a keyed chain that exposes tampering, fail-closed recording of
//! every PostGrid call, and no secrets in any event.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{json, Value};
use suborg_portal::audit::{
    Action, AuditLog, AuditedCalls, Checkpoint, Filter, Format, NewEvent, Origin, Outcome, Problem,
    Verdict,
};
use suborg_portal::db::{Database, Engine};
use suborg_portal::postgrid::models::NewSubOrganization;
use suborg_portal::postgrid::sim::Fault;
use suborg_portal::postgrid::{Page, ParentClient, PostgridError};

use crate::helpers::{
    drop_append_only_triggers, execute, with_url_option, TestApp, API_KEY, AUDIT_KEY,
};

fn origin() -> Origin {
    Origin {
        actor: Some(suborg_portal::audit::Actor {
            id: 7,
            email: "auditor@example.com".to_owned(),
            role: "admin".to_owned(),
            name: None,
        }),
        client_ip: Some("127.0.0.1".to_owned()),
        user_agent: Some("tests".to_owned()),
        request_id: Some("req-1".to_owned()),
    }
}

async fn append_n(log: &AuditLog, n: usize) {
    for i in 0..n {
        let event =
            NewEvent::new(Action::AuditViewed, Outcome::Ok, origin()).detail(json!({"page": i}));
        log.append(event).await.expect("appended");
    }
}

/// Runs raw SQL as an attacker with write access to the database file would.
async fn tamper(app: &TestApp, statements: &[&str]) {
    drop_append_only_triggers(&app.state.db).await;
    for sql in statements {
        execute(&app.state.db, sql).await.expect(sql);
    }
}

async fn verdict(app: &TestApp, checkpoint: Option<&Checkpoint>) -> Verdict {
    app.state
        .audit
        .verify(checkpoint)
        .await
        .expect("verification runs")
}

#[tokio::test]
async fn an_untouched_chain_verifies() {
    let app = TestApp::spawn().await;
    append_n(&app.state.audit, 5).await;
    assert_eq!(
        verdict(&app, None).await,
        Verdict::Intact {
            events: 5,
            head_seq: 5
        }
    );
}

#[tokio::test]
async fn the_database_refuses_update_and_delete() {
    let app = TestApp::spawn().await;
    append_n(&app.state.audit, 1).await;
    let db = &app.state.db;
    let update = execute(db, "update audit_events set reason = 'x' where seq = 1").await;
    assert!(update.is_err(), "update was accepted");
    let delete = execute(db, "delete from audit_events where seq = 1").await;
    assert!(delete.is_err(), "delete was accepted");
    assert_eq!(
        verdict(&app, None).await,
        Verdict::Intact {
            events: 1,
            head_seq: 1
        }
    );
}

#[tokio::test]
async fn an_edited_field_is_reported() {
    let app = TestApp::spawn().await;
    append_n(&app.state.audit, 5).await;
    tamper(
        &app,
        &["update audit_events set actor_email = 'someone@else.com' where seq = 3"],
    )
    .await;
    assert_eq!(
        verdict(&app, None).await,
        Verdict::Broken {
            seq: 3,
            problem: Problem::Edited
        }
    );
}

#[tokio::test]
async fn a_deleted_event_is_reported() {
    let app = TestApp::spawn().await;
    append_n(&app.state.audit, 5).await;
    tamper(&app, &["delete from audit_events where seq = 2"]).await;
    assert_eq!(
        verdict(&app, None).await,
        Verdict::Broken {
            seq: 2,
            problem: Problem::Missing
        }
    );
}

#[tokio::test]
async fn an_inserted_event_is_reported() {
    let app = TestApp::spawn().await;
    append_n(&app.state.audit, 5).await;
    // Make room after seq 2 and forge an event there, chained to its predecessor.
    tamper(
        &app,
        &[
            "update audit_events set seq = seq + 100 where seq > 2",
            "update audit_events set seq = seq - 99 where seq > 100",
            "insert into audit_events (seq, id, at, action, outcome, detail, prev_hash, hash) \
             select 3, 'forged', at, 'staff.created', 'ok', '{}', hash, hash from audit_events where seq = 2",
        ],
    )
    .await;
    assert_eq!(
        verdict(&app, None).await,
        Verdict::Broken {
            seq: 3,
            problem: Problem::Inserted
        }
    );
}

#[tokio::test]
async fn two_swapped_events_are_reported() {
    let app = TestApp::spawn().await;
    append_n(&app.state.audit, 5).await;
    // Exchange the places of events 3 and 4.
    tamper(
        &app,
        &[
            "update audit_events set seq = 1000 where seq = 3",
            "update audit_events set seq = 3 where seq = 4",
            "update audit_events set seq = 4 where seq = 1000",
        ],
    )
    .await;
    assert_eq!(
        verdict(&app, None).await,
        Verdict::Broken {
            seq: 3,
            problem: Problem::Reordered
        }
    );
}

#[tokio::test]
async fn a_truncated_tail_is_caught_with_a_checkpoint_only() {
    let app = TestApp::spawn().await;
    append_n(&app.state.audit, 5).await;
    let checkpoint = app
        .state
        .audit
        .checkpoint("2026-01-01T00:00:00.000000Z")
        .await
        .expect("cp");
    assert_eq!(checkpoint.seq, 5);
    tamper(&app, &["delete from audit_events where seq >= 4"]).await;
    // Without a checkpoint a shorter history looks whole: that is why checkpoints are kept.
    assert_eq!(
        verdict(&app, None).await,
        Verdict::Intact {
            events: 3,
            head_seq: 3
        }
    );
    assert_eq!(
        verdict(&app, Some(&checkpoint)).await,
        Verdict::Broken {
            seq: 5,
            problem: Problem::Truncated { last_seq: 3 }
        }
    );
    let mut forged = checkpoint.clone();
    forged.seq = 3;
    assert_eq!(
        verdict(&app, Some(&forged)).await,
        Verdict::Broken {
            seq: 3,
            problem: Problem::CheckpointForged
        }
    );
}

#[tokio::test]
async fn sixty_four_concurrent_writers_make_one_gapless_chain() {
    let app = TestApp::spawn().await;
    let tasks: Vec<_> = (0..64)
        .map(|i| {
            let log = app.state.audit.clone();
            tokio::spawn(async move {
                let event = NewEvent::new(Action::AuditViewed, Outcome::Ok, Origin::default())
                    .detail(json!({"writer": i}));
                log.append(event).await.map(|e| e.seq)
            })
        })
        .collect();
    let mut seqs = Vec::new();
    for task in tasks {
        seqs.push(task.await.expect("task").expect("appended"));
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=64).collect::<Vec<i64>>());
    assert_eq!(
        verdict(&app, None).await,
        Verdict::Intact {
            events: 64,
            head_seq: 64
        }
    );
}

#[tokio::test]
async fn no_postgrid_call_is_sent_when_the_audit_log_cannot_be_written() {
    let app = TestApp::spawn().await;
    let read_only_url = match app.state.db.engine() {
        Engine::Sqlite => with_url_option(&app.db_url, "mode=ro"),
        Engine::Postgres => {
            with_url_option(&app.db_url, "options[default_transaction_read_only]=on")
        }
    };
    let read_only = Database::connect(&read_only_url)
        .await
        .expect("opens read-only");
    let key = Arc::new(suborg_portal::config::AuditKey::parse(AUDIT_KEY).expect("key"));
    let refusing = AuditLog::start(read_only, key);
    let client = ParentClient::new(
        app.state.postgrid.clone(),
        Arc::new(AuditedCalls::new(refusing, Origin::default())),
    );
    let err = client.list_sub_orgs(&Page::default()).await.unwrap_err();
    assert_eq!(err, PostgridError::NotRecorded);
    assert_eq!(app.sim.request_count(), 0, "nothing reached PostGrid");
}

async fn all_events(app: &TestApp) -> Vec<Value> {
    let mut out = Vec::new();
    app.state
        .audit
        .export(&Filter::default(), Format::Jsonl, &mut out)
        .await
        .expect("export");
    String::from_utf8(out)
        .expect("utf-8")
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object a line"))
        .collect()
}

#[tokio::test]
async fn every_postgrid_request_is_paired_with_one_response() {
    let app = TestApp::spawn().await;
    let parent = app.audited_parent();
    app.sim.inject(
        Fault::on("/sub_organizations")
            .method("GET")
            .status(503)
            .times(2),
    );
    parent
        .list_sub_orgs(&Page::default())
        .await
        .expect("succeeds on the third try");
    app.sim.inject(
        Fault::on("/sub_organizations")
            .method("GET")
            .status(429)
            .retry_after(0)
            .times(1),
    );
    parent
        .list_sub_orgs(&Page::new(5, 5, None))
        .await
        .expect("retried");
    app.sim.inject(
        Fault::on("/sub_organizations/sub_org_demo0001")
            .malformed()
            .times(1),
    );
    assert!(parent
        .get_sub_org(&"sub_org_demo0001".parse_id())
        .await
        .is_err());
    parent
        .list_sub_org_users(&"sub_org_demo0002".parse_id(), &Page::default())
        .await
        .expect("users");

    let events = all_events(&app).await;
    let requests: Vec<&Value> = events
        .iter()
        .filter(|e| e["action"] == "postgrid.request")
        .collect();
    assert_eq!(requests.len() as u64, app.sim.request_count());
    assert_eq!(requests.len(), 3 + 2 + 1 + 1);
    let mut responses: HashMap<&str, usize> = HashMap::new();
    for e in events.iter().filter(|e| e["action"] == "postgrid.response") {
        *responses
            .entry(e["call_id"].as_str().expect("call id"))
            .or_default() += 1;
    }
    for request in &requests {
        let call_id = request["call_id"].as_str().expect("call id");
        assert_eq!(responses.get(call_id), Some(&1), "{call_id}");
        assert_eq!(request["outcome"], "pending");
    }
    assert_eq!(responses.len(), requests.len());
    let users_call = events
        .iter()
        .find(|e| e["operation"] == "sub_organizations.users.list")
        .expect("users call");
    assert_eq!(users_call["sub_org_id"], "sub_org_demo0002");
    assert_eq!(
        users_call["upstream_path"],
        "/sub_organizations/sub_org_demo0002/users"
    );
    assert!(matches!(verdict(&app, None).await, Verdict::Intact { .. }));
}

#[tokio::test]
async fn no_event_holds_the_key_a_password_or_a_returned_api_key() {
    let app = TestApp::spawn().await;
    let new = NewSubOrganization {
        organization_name: "Secretive Ltd".to_owned(),
        name: "Sam Secret".to_owned(),
        email: "sam@secretive.example".to_owned(),
        password: "correct-horse-battery-staple".to_owned(),
        country_code: "GB".to_owned(),
        phone_number: None,
    };
    let created = app
        .audited_parent()
        .create_sub_org(&new, "token-secret")
        .await
        .expect("created");
    // What PostGrid returned for this user carries keys; find them through the simulator's API.
    let raw: Value = reqwest::Client::new()
        .post(format!(
            "{}/sub_organizations",
            app.state.postgrid.base_url()
        ))
        .header("x-api-key", API_KEY)
        .header("idempotency-key", "token-secret")
        .json(&new)
        .send()
        .await
        .expect("replayed")
        .json()
        .await
        .expect("json");
    assert_eq!(
        raw["subOrganization"]["id"],
        created.sub_organization.id.as_str()
    );
    let returned_keys: Vec<String> = raw["user"]["apiKeys"]
        .as_array()
        .expect("keys")
        .iter()
        .filter_map(|k| k["value"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(returned_keys.len(), 2);

    let mut out = Vec::new();
    app.state
        .audit
        .export(&Filter::default(), Format::Jsonl, &mut out)
        .await
        .expect("export");
    let mut csv = Vec::new();
    app.state
        .audit
        .export(&Filter::default(), Format::Csv, &mut csv)
        .await
        .expect("export");
    for text in [String::from_utf8_lossy(&out), String::from_utf8_lossy(&csv)] {
        assert!(text.contains("sub_organizations.create"));
        for secret in [API_KEY, "correct-horse-battery-staple"]
            .iter()
            .copied()
            .chain(returned_keys.iter().map(String::as_str))
        {
            assert!(!text.contains(secret), "{secret} found in the audit log");
        }
    }
}

trait ParseId {
    fn parse_id(&self) -> suborg_portal::domain::SubOrgId;
}

impl ParseId for &str {
    fn parse_id(&self) -> suborg_portal::domain::SubOrgId {
        suborg_portal::domain::SubOrgId::parse(self).expect("valid id")
    }
}
