//! The audit review page and its exports: filters, keyset pages, downloads, and the review
//! itself on record.

use std::collections::HashSet;

use serde_json::{json, Value};
use suborg_portal::audit::{Action, Actor, NewEvent, Origin, Outcome};
use suborg_portal::auth::Role;

use crate::helpers::{Browser, TestApp};

fn actor(n: i64) -> Origin {
    Origin {
        actor: Some(Actor {
            id: n,
            email: format!("staff{n}@example.com"),
            role: "admin".to_owned(),
            name: None,
        }),
        ..Origin::default()
    }
}

/// 60 known events: three actors, two sub-orgs, a few actions and outcomes.
async fn seed(app: &TestApp) {
    for i in 0..60i64 {
        let (action, outcome) = match i % 3 {
            0 => (Action::PostgridRequest, Outcome::Pending),
            1 => (Action::PostgridResponse, Outcome::Ok),
            _ => (Action::ImpersonationDenied, Outcome::Denied),
        };
        let mut event = NewEvent::new(action, outcome, actor(i % 3)).detail(
            json!({"n": i, "note": if i == 7 { "=HYPERLINK(\"http://evil\")" } else { "plain" }}),
        );
        event.sub_org_id = Some(format!("sub_org_seed{}", i % 2));
        event.impersonation_id = (i < 10).then(|| "imp-one".to_owned());
        event.reason = (i == 13).then(|| "needle in the reason".to_owned());
        app.state.audit.append(event).await.expect("appended");
    }
}

/// Every `seq` linked from an audit page (its rows link to /audit/events/{seq}).
fn seqs_on(html: &str) -> Vec<i64> {
    html.match_indices("href=\"/audit/events/")
        .filter_map(|(i, m)| html[i + m.len()..].split('"').next()?.parse().ok())
        .collect()
}

fn older_link(html: &str) -> Option<String> {
    let i = html.find("rel=\"next\"")?;
    let start = html[..i].rfind("href=\"")? + 6;
    Some(html[start..].split('"').next()?.replace("&amp;", "&"))
}

async fn auditor(app: &TestApp) -> Browser<'_> {
    app.signed_in(Role::Auditor).await
}

#[tokio::test]
async fn each_filter_narrows_and_they_combine() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    let mut auditor = auditor(&app).await;
    let count = |html: &str| seqs_on(html).len();
    let cases = [
        ("actor=staff1%40example.com", 20),
        ("action=impersonation.denied", 20),
        ("outcome=pending", 20),
        ("sub_org=sub_org_seed0", 30),
        ("impersonation=imp-one", 10),
        ("q=needle", 1),
        ("q=HYPERLINK", 1),
        ("actor=staff1%40example.com&sub_org=sub_org_seed1", 10),
        (
            "actor=staff0%40example.com&outcome=pending&impersonation=imp-one",
            4,
        ),
        (
            "from=2000-01-01T00%3A00&to=2999-01-01T00%3A00&action=postgrid.response",
            20,
        ),
        ("to=2000-01-01T00%3A00", 0),
    ];
    for (query, expected) in cases {
        let html = auditor
            .get(&format!("/audit?{query}"))
            .await
            .text()
            .await
            .expect("body");
        assert_eq!(count(&html), expected, "{query}");
    }
    let html = auditor
        .get("/audit?action=made.up")
        .await
        .text()
        .await
        .expect("body");
    assert!(html.contains("Choose an action from the list."));
}

#[tokio::test]
async fn keyset_pages_show_every_event_once_while_new_ones_arrive() {
    let app = TestApp::spawn().await;
    for i in 0..130 {
        app.state
            .audit
            .append(
                NewEvent::new(Action::AuditViewed, Outcome::Ok, actor(9)).detail(json!({"i": i})),
            )
            .await
            .expect("appended");
    }
    let mut auditor = auditor(&app).await;
    let mut seen = Vec::new();
    // Page views of the log are hidden unless asked for, as here.
    let mut path = "/audit?actor=staff9%40example.com&views=1".to_owned();
    let mut pages = 0;
    loop {
        let html = auditor.get(&path).await.text().await.expect("body");
        seen.extend(seqs_on(&html));
        pages += 1;
        // New events arrive between pages; they are newer and never shift the older pages.
        app.state
            .audit
            .append(NewEvent::new(Action::AuditViewed, Outcome::Ok, actor(9)))
            .await
            .expect("appended");
        match older_link(&html) {
            Some(next) => path = next,
            None => break,
        }
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(pages, 3);
    let unique: HashSet<i64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "no event twice");
    assert_eq!(seen.len(), 130, "every event of the first view once");
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "newest first");
}

#[tokio::test]
async fn exports_download_the_filtered_set_as_csv_and_json_lines() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    let mut auditor = auditor(&app).await;
    let res = auditor
        .get("/audit/export.jsonl?sub_org=sub_org_seed1&outcome=denied")
        .await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-disposition"]
        .to_str()
        .expect("ascii")
        .starts_with("attachment; filename=\"audit-"));
    let lines: Vec<Value> = res
        .text()
        .await
        .expect("body")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(lines.len(), 10);
    assert!(lines
        .iter()
        .all(|e| e["sub_org_id"] == "sub_org_seed1" && e["outcome"] == "denied"));
    assert!(
        lines
            .windows(2)
            .all(|w| w[0]["seq"].as_i64() < w[1]["seq"].as_i64()),
        "seq order"
    );

    let res = auditor.get("/audit/export.csv?q=HYPERLINK").await;
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = res.text().await.expect("body");
    let mut rows = csv.split("\r\n").filter(|l| !l.is_empty());
    assert_eq!(
        rows.next(),
        Some(suborg_portal::audit::COLUMNS.join(",").as_str())
    );
    let row = rows.next().expect("one row");
    assert!(rows.next().is_none());
    assert!(row.contains("HYPERLINK"), "{row}");

    let exported = app.events_of("audit.exported").await;
    let done: Vec<&Value> = exported.iter().filter(|e| e["outcome"] == "ok").collect();
    assert_eq!(done.len(), 2);
    assert_eq!(done[0]["detail"]["rows"], 10);
    assert_eq!(done[0]["detail"]["filters"]["sub_org"], "sub_org_seed1");
    assert_eq!(
        exported
            .iter()
            .filter(|e| e["outcome"] == "pending")
            .count(),
        2,
        "recorded before the first byte"
    );
}

#[tokio::test]
async fn csv_cells_that_start_a_formula_are_neutralised() {
    let app = TestApp::spawn().await;
    let mut event = NewEvent::new(Action::StaffCreated, Outcome::Ok, Origin::default());
    event.reason = Some("=cmd|' /C calc'!A0".to_owned());
    event.sub_org_id = Some("+1+1".to_owned());
    event.operation = Some("-2".to_owned());
    event.upstream_path = Some("@SUM(A1)".to_owned());
    app.state.audit.append(event).await.expect("appended");
    let mut auditor = auditor(&app).await;
    let csv = auditor
        .get("/audit/export.csv?action=staff.created")
        .await
        .text()
        .await
        .expect("body");
    for cell in [
        "\"'=cmd|' /C calc'!A0\"",
        "\"'+1+1\"",
        "\"'-2\"",
        "\"'@SUM(A1)\"",
    ] {
        assert!(csv.contains(cell), "{cell} in {csv}");
    }
}

#[tokio::test]
async fn reading_is_recorded_and_viewers_are_refused() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    let mut auditor = auditor(&app).await;
    auditor.get("/audit?outcome=denied").await;
    auditor.get("/audit/events/5").await;
    let viewed = app.events_of("audit.viewed").await;
    assert_eq!(viewed.len(), 2);
    assert_eq!(viewed[0]["detail"]["filters"]["outcome"], "denied");
    assert_eq!(viewed[1]["detail"]["event"], 5);

    let mut viewer = app.signed_in(Role::Viewer).await;
    assert_eq!(viewer.get("/audit").await.status(), 403);
    assert_eq!(viewer.get("/audit/export.csv").await.status(), 403);
    let denied: Vec<Value> = app
        .audit_events()
        .await
        .into_iter()
        .filter(|e| e["outcome"] == "denied" && e["actor_role"] == "viewer")
        .collect();
    for path in ["/audit", "/audit/export.csv"] {
        assert!(
            denied.iter().any(|e| e["action"] == "access.denied"
                && e["detail"]["path"] == path
                && e["detail"]["permission"] == "review_audit"),
            "{path}: {denied:?}"
        );
    }
}

#[tokio::test]
async fn an_event_page_and_an_impersonation_timeline() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    let mut auditor = auditor(&app).await;
    let html = auditor
        .get("/audit/events/2")
        .await
        .text()
        .await
        .expect("body");
    assert!(html.contains("postgrid.response"));
    assert!(html.contains("matches this hash"));
    assert!(html.contains("Previous hash"));
    assert_eq!(auditor.get("/audit/events/99999").await.status(), 404);

    let html = auditor
        .get("/audit/impersonations/imp-one")
        .await
        .text()
        .await
        .expect("body");
    assert_eq!(seqs_on(&html).len(), 10);
}

#[tokio::test]
async fn an_admin_verifies_the_chain_from_the_page() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    let mut admin = app.signed_in(Role::Admin).await;
    assert_eq!(admin.post("/audit/verify", &[]).await.status(), 303);
    let mut html = String::new();
    for _ in 0..50 {
        html = admin.get("/audit").await.text().await.expect("body");
        if html.contains("Intact up to seq") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(html.contains("Intact up to seq"), "{html}");
    let mut viewer = app.signed_in(Role::Viewer).await;
    assert_eq!(
        viewer.post("/audit/verify", &[]).await.status(),
        403,
        "admins and auditors only"
    );
}

/// The `<tr>…</tr>` rows of the audit table.
fn table_rows(html: &str) -> Vec<String> {
    let Some(body) = html.split("<tbody>").nth(1) else {
        return Vec::new();
    };
    let body = body.split("</tbody>").next().unwrap_or_default();
    body.split("<tr")
        .skip(1)
        .map(|row| row.split("</tr>").next().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn a_call_is_one_row_that_reads_as_a_sentence_with_the_names_recorded() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in(Role::Admin).await;
    assert_eq!(
        admin
            .start_impersonation(crate::helpers::ORG)
            .await
            .status(),
        303
    );
    assert_eq!(admin.get("/impersonation/contacts").await.status(), 200);
    let mut auditor = auditor(&app).await;
    let html = auditor
        .page(&format!("/audit?sub_org={}", crate::helpers::ORG))
        .await;
    let rows = table_rows(&html);
    let listed: Vec<&String> = rows
        .iter()
        .filter(|r| r.contains("listed the contacts"))
        .collect();
    assert_eq!(
        listed.len(),
        1,
        "one row for the call's request and answer: {rows:?}"
    );
    let row = listed[0];
    assert!(row.contains("Admin "), "the staff member's name: {row}");
    assert!(
        row.contains("Brien &amp; Daughters 64"),
        "the sub-organization's name as recorded, escaped: {row}"
    );
    assert!(row.contains("acting for them"), "{row}");
    assert!(row.contains(": <span class=\"result\">200 in "), "{row}");
    assert_eq!(
        seqs_on(row).len(),
        2,
        "both events of the call are linked: {row}"
    );
    // Every value is a link that adds its filter to the ones in use.
    for field in [
        "actor=",
        "impersonation=",
        "outcome=ok",
        "action=postgrid.response",
        "call=",
    ] {
        assert!(
            row.contains(&format!("sub_org={}", crate::helpers::ORG)) && row.contains(field),
            "{field}: {row}"
        );
    }
    assert!(
        html.contains("Remove the filter Sub-organization"),
        "the filter in use is a chip that takes it away"
    );
    assert!(
        html.contains("href=\"/audit\""),
        "removing the only chip leaves the whole log"
    );
}

#[tokio::test]
async fn a_request_without_an_answer_is_an_unknown_outcome() {
    let app = TestApp::spawn().await;
    let mut event = NewEvent::new(Action::PostgridRequest, Outcome::Pending, actor(1))
        .detail(json!({"attempt": 0}));
    event.call_id = Some("call-without-answer".to_owned());
    event.operation = Some("letters.cancel".to_owned());
    event.method = Some("POST".to_owned());
    event.upstream_path = Some("/letters/letter_1/cancellation".to_owned());
    app.state.audit.append(event).await.expect("appended");
    let mut auditor = auditor(&app).await;
    let html = auditor.page("/audit?action=postgrid.request").await;
    let rows = table_rows(&html);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].contains("cancelled a letter"), "{}", rows[0]);
    assert!(rows[0].contains("no answer recorded"), "{}", rows[0]);
    assert!(
        rows[0].contains("class=\"unknown\""),
        "highlighted: {}",
        rows[0]
    );
}

#[tokio::test]
async fn an_invalid_filter_shows_its_message_and_no_rows() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    let mut auditor = auditor(&app).await;
    for (query, message) in [
        ("outcome=maybe", "Choose an outcome from the list."),
        (
            "action=made.up&actor=staff1%40example.com",
            "Choose an action from the list.",
        ),
        ("from=last+week", "Enter a date and time"),
    ] {
        let html = auditor.page(&format!("/audit?{query}")).await;
        assert!(html.contains(message), "{query}: {html}");
        assert!(
            html.contains("cannot be used, so no events are shown"),
            "{query}"
        );
        assert!(seqs_on(&html).is_empty(), "{query}: never the whole log");
    }
}

#[tokio::test]
async fn page_views_are_hidden_unless_asked_for_and_the_count_stops_at_ten_thousand() {
    let app = TestApp::spawn().await;
    for i in 0..10_001 {
        let event = NewEvent::new(Action::AuditExported, Outcome::Ok, actor(i % 3));
        app.state
            .audit
            .append_in_background(event)
            .await
            .expect("queued");
    }
    app.state.audit.flush().await.expect("written");
    let mut auditor = auditor(&app).await;
    let html = auditor.page("/audit").await;
    assert!(html.contains("More than 10,000 events match."), "{html}");
    let html = auditor.page("/audit?actor=staff1%40example.com").await;
    assert!(
        html.contains("3,334 events match."),
        "exact below the limit"
    );
    auditor.page("/audit?action=audit.viewed").await;
    let html = auditor.page("/audit").await;
    assert!(
        !html.contains("viewed the audit log"),
        "page views are hidden"
    );
    let html = auditor.page("/audit?views=1").await;
    assert!(html.contains("viewed the audit log"), "unless asked for");
    assert!(
        html.contains("Remove the filter Including page views"),
        "{html}"
    );
    let html = auditor.page("/audit?action=audit.viewed").await;
    assert!(
        html.contains("viewed the audit log"),
        "or chosen as the action"
    );
}

#[tokio::test]
async fn an_auditor_verifies_the_chain_and_sees_what_arrived_since() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    let mut auditor = auditor(&app).await;
    let res = auditor.post("/audit/verify", &[]).await;
    assert_eq!(res.status(), 303, "verifying only reads the chain");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let html = auditor.page("/audit").await;
        if html.contains("Intact up to seq") {
            assert!(
                html.contains("events have arrived since")
                    || html.contains("1 event has arrived since"),
                "{html}"
            );
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{html}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn times_show_in_the_zone_each_person_chose_and_exports_stay_utc() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    let mut auditor = auditor(&app).await;
    let html = auditor.page("/audit").await;
    assert!(html.contains(" UTC</time>"), "UTC until a zone is chosen");

    let res = auditor
        .post("/account/time-zone", &[("time_zone", "Mars/Olympus_Mons")])
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("page");
    assert!(html.contains("That is not a time zone name"), "{html}");
    assert!(
        html.contains("value=\"Mars/Olympus_Mons\""),
        "what was typed stays"
    );

    let res = auditor
        .post("/account/time-zone", &[("time_zone", "Europe/Berlin")])
        .await;
    assert_eq!(res.status(), 303);
    let html = auditor.page("/audit").await;
    assert!(
        html.contains(" CET</time>") || html.contains(" CEST</time>"),
        "times in Berlin's zone: {html}"
    );
    assert!(
        html.contains(" UTC\">"),
        "the exact UTC in each time's title"
    );
    let account = auditor.page("/account").await;
    assert!(account.contains("value=\"Europe/Berlin\""), "{account}");
    let csv = auditor
        .get("/audit/export.csv")
        .await
        .text()
        .await
        .expect("csv");
    let second = csv.lines().nth(1).expect("a row");
    assert!(
        second.split(',').nth(2).is_some_and(|at| at.ends_with('Z')),
        "{second}"
    );
}

#[tokio::test]
async fn the_sub_organization_page_shows_who_acts_for_it_and_what_happened() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in(Role::Admin).await;
    let page = format!("/sub-orgs/{}", crate::helpers::ORG);
    let html = admin.page(&page).await;
    assert!(
        html.contains("Nobody is acting for this sub-organization."),
        "{html}"
    );
    assert_eq!(
        admin
            .start_impersonation(crate::helpers::ORG)
            .await
            .status(),
        303
    );
    admin.get("/impersonation/contacts").await;
    let html = admin.page(&page).await;
    assert!(html.contains("Acting now"), "{html}");
    assert!(
        html.contains(crate::helpers::IMPERSONATION_REASON),
        "{html}"
    );
    assert!(
        html.contains("/audit/impersonations/"),
        "a link to its timeline"
    );
    assert!(
        html.contains("listed the contacts"),
        "recent activity as sentences"
    );
    assert!(html.contains("started acting for"), "{html}");

    // A viewer sees who acts for it, but not the log.
    let mut viewer = app.signed_in(Role::Viewer).await;
    let html = viewer.page(&page).await;
    assert!(html.contains("Acting for it now"), "{html}");
    assert!(html.contains(crate::helpers::IMPERSONATION_REASON));
    assert!(
        !html.contains("Recent activity"),
        "the log is for those who review it"
    );
    assert!(!html.contains("/audit/impersonations/"));
}

#[tokio::test]
async fn a_call_found_by_text_in_only_one_half_still_shows_once() {
    // The database decides what a search selects: SQLite's lower() folds ASCII only, so the
    // answer below ("ÉCOLE") is not found by "école" there, while the request is. Either way
    // the call shows once, never zero times.
    let app = TestApp::spawn().await;
    for (action, outcome, name) in [
        (Action::PostgridRequest, Outcome::Pending, "école du nord"),
        (Action::PostgridResponse, Outcome::Ok, "ÉCOLE DU NORD"),
    ] {
        let mut event = NewEvent::new(action, outcome, actor(1))
            .detail(json!({"attempt": 0, "sub_org_name": name}));
        event.call_id = Some("call-ecole".to_owned());
        event.operation = Some("contacts.list".to_owned());
        app.state.audit.append(event).await.expect("appended");
    }
    let mut auditor = auditor(&app).await;
    let html = auditor.page("/audit?q=%C3%A9cole").await;
    let rows = table_rows(&html);
    assert_eq!(
        rows.iter()
            .filter(|r| r.contains("listed the contacts"))
            .count(),
        1,
        "{rows:?}"
    );
}
