//! SendGrid subusers and customer accounts: the parent's pages, acting through
//! `on-behalf-of`, and the audit log's record of every call.

use std::collections::HashSet;

use suborg_portal::auth::Role;
use suborg_portal::postgrid::sim::Fault;
use suborg_portal::sendgrid::sim::{DEMO_CUSTOMER, HOSTILE, HOSTILE_SUBUSER};
use suborg_portal::sendgrid::SuppressionKind;

use crate::helpers::{location, TestApp, SUBUSER, WRITE_REASON};

const BOUNCED: &str = "jane.doe@acme-customers.example";

async fn text(res: reqwest::Response) -> String {
    res.text().await.expect("body")
}

/// Whether SendGrid's request at `path` is a parent operation (subusers, customer accounts).
fn parent_path(path: &str) -> bool {
    path.starts_with("/v3/subusers") || path.starts_with("/v3/partners")
}

/// Every request and response event is paired by call id, names SendGrid, and carries the
/// sub-account exactly as sent.
async fn assert_paired(app: &TestApp, acting_for: &str) {
    let requests = app.events_of("sendgrid.request").await;
    let responses = app.events_of("sendgrid.response").await;
    assert!(!requests.is_empty());
    let answered: HashSet<String> = responses
        .iter()
        .map(|e| e["call_id"].as_str().unwrap_or_default().to_owned())
        .collect();
    for event in requests.iter().chain(&responses) {
        assert_eq!(event["provider"], "sendgrid", "{event}");
        let path = event["upstream_path"].as_str().unwrap_or_default();
        if parent_path(path) {
            assert!(event["impersonation_id"].is_null(), "{event}");
        } else {
            assert_eq!(event["sub_org_id"], acting_for, "{event}");
            assert!(event["impersonation_id"].is_string(), "{event}");
        }
    }
    for request in &requests {
        let id = request["call_id"].as_str().unwrap_or_default();
        assert!(answered.contains(id), "no response for {request}");
    }
}

#[tokio::test]
async fn acting_for_a_subuser_sends_its_username_on_every_call_and_never_on_parent_calls() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in(Role::Admin).await;
    let list = text(admin.get("/sendgrid/subusers?search=acme").await).await;
    assert!(list.contains(SUBUSER), "{list}");
    let page = text(admin.get(&format!("/sendgrid/subusers/{SUBUSER}")).await).await;
    assert!(page.contains("ops@acme.example"), "{page}");
    assert!(page.contains("Delivered"), "{page}");

    let res = admin.start_acting_for_subuser(SUBUSER).await;
    assert_eq!(res.status(), 303);
    let home = text(admin.get("/sendgrid/acting").await).await;
    assert!(
        home.contains("Acting for acme-mail (ops@acme.example)"),
        "{home}"
    );
    assert!(
        home.contains("SendGrid"),
        "the banner names the provider: {home}"
    );
    for kind in SuppressionKind::ALL {
        let res = admin
            .get(&format!("/sendgrid/acting/suppressions/{}", kind.slug()))
            .await;
        assert_eq!(res.status(), 200, "{kind:?}");
    }
    let bounces = text(
        admin
            .get("/sendgrid/acting/suppressions/bounces?search=jane")
            .await,
    )
    .await;
    assert!(bounces.contains(BOUNCED), "{bounces}");
    assert!(
        !bounces.contains("bounced01@"),
        "the search narrows: {bounces}"
    );
    assert!(
        !bounces.contains("Remove"),
        "read-only offers no remove button: {bounces}"
    );
    let templates = text(admin.get("/sendgrid/acting/templates").await).await;
    assert!(templates.contains("Acme receipt"), "{templates}");
    let senders = text(admin.get("/sendgrid/acting/senders").await).await;
    assert!(senders.contains("support@acme.example"), "{senders}");

    let res = admin
        .post(
            "/impersonation/mode",
            &[("why", WRITE_REASON), ("back", "/sendgrid/acting")],
        )
        .await;
    assert_eq!(location(&res), "/sendgrid/acting?mode=write");
    let res = admin
        .post(
            "/sendgrid/acting/suppressions/bounces/remove",
            &[("email", BOUNCED), ("search", "jane")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let landed = location(&res);
    assert!(
        landed.contains("search=jane") && landed.contains("removed="),
        "{landed}"
    );
    assert!(!app
        .sendgrid
        .is_suppressed(SUBUSER, SuppressionKind::Bounces, BOUNCED));
    let after = text(admin.get(&landed).await).await;
    assert!(after.contains("was removed from the list"), "{after}");
    let res = admin
        .post(
            "/sendgrid/acting/templates/00000001-0002-4000-a000-000000000000/versions/00000001-0002-4000-8000-000000000003/activate",
            &[],
        )
        .await;
    assert_eq!(
        location(&res),
        "/sendgrid/acting/templates/00000001-0002-4000-a000-000000000000?activated=1"
    );
    let template = text(admin.get(&location(&res)).await).await;
    assert!(template.contains("The version is active now"), "{template}");

    let res = admin.post("/impersonation/stop", &[]).await;
    assert_eq!(
        location(&res),
        format!("/sendgrid/subusers/{SUBUSER}?stopped=1")
    );

    let seen = app.sendgrid.seen();
    assert!(seen.iter().any(|s| s.method == "DELETE"));
    for request in &seen {
        assert!(!request.path.starts_with("/v3/mail"), "{request:?}");
        if parent_path(&request.path) {
            assert_eq!(request.on_behalf_of, None, "{request:?}");
        } else {
            assert_eq!(
                request.on_behalf_of.as_deref(),
                Some(SUBUSER),
                "{request:?}"
            );
        }
    }
    assert_paired(&app, SUBUSER).await;
    let started = app.events_of("impersonation.started").await;
    assert_eq!(started[0]["provider"], "sendgrid");
    assert_eq!(started[0]["sub_org_id"], SUBUSER);
    let verdict = app.state.audit.verify(None).await.expect("verify");
    assert!(
        matches!(verdict, suborg_portal::audit::Verdict::Intact { .. }),
        "{verdict:?}"
    );
}

#[tokio::test]
async fn a_customer_account_is_acted_for_as_account_id_and_a_bad_id_is_never_sent() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in(Role::Admin).await;
    let form = |id: &'static str| {
        [
            ("customer_id", id),
            ("reason", "The reseller's customer reports bounces"),
            ("minutes", "20"),
        ]
    };
    let res = admin
        .post("/impersonation/start", &form("sg12 34\r\nX: y"))
        .await;
    assert_eq!(res.status(), 422);
    let html = text(res).await;
    assert!(html.contains("Check the id"), "{html}");
    assert!(
        html.contains("customer reports bounces</textarea>"),
        "kept: {html}"
    );
    // The page shown again lists the subusers; the id itself went nowhere.
    assert!(
        app.sendgrid
            .seen()
            .iter()
            .all(|s| s.on_behalf_of.is_none() && !s.path.starts_with("/v3/partners")),
        "{:?}",
        app.sendgrid.seen()
    );

    let res = admin
        .post("/impersonation/start", &form("sgabcdef0123"))
        .await;
    assert_eq!(res.status(), 403, "SendGrid does not know the account");
    let denied = app.events_of("impersonation.denied").await;
    assert_eq!(denied[0]["provider"], "sendgrid");
    assert_eq!(denied[0]["sub_org_id"], "account-id sgabcdef0123");

    let res = admin
        .post("/impersonation/start", &form(DEMO_CUSTOMER))
        .await;
    assert_eq!(res.status(), 303);
    let bounces = admin.get("/sendgrid/acting/suppressions/bounces").await;
    assert_eq!(bounces.status(), 200);
    assert!(text(bounces).await.contains("reseller-customers.example"));
    let header = format!("account-id {DEMO_CUSTOMER}");
    let acting: Vec<_> = app
        .sendgrid
        .seen()
        .into_iter()
        .filter(|s| s.path.starts_with("/v3/suppression"))
        .collect();
    assert!(!acting.is_empty());
    for request in acting {
        assert_eq!(request.on_behalf_of.as_deref(), Some(header.as_str()));
    }
    assert_paired(&app, &header).await;
}

#[tokio::test]
async fn read_only_refuses_sendgrid_writes_by_direct_post_with_nothing_sent() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in(Role::Admin).await;
    assert_eq!(admin.start_acting_for_subuser(SUBUSER).await.status(), 303);
    let before = app.sendgrid.seen().len();
    let res = admin
        .post(
            "/sendgrid/acting/suppressions/bounces/remove",
            &[("email", BOUNCED)],
        )
        .await;
    assert_eq!(res.status(), 403);
    assert!(text(res).await.contains("This impersonation is read-only"));
    let res = admin
        .post(
            "/sendgrid/acting/templates/00000001-0002-4000-a000-000000000000/versions/00000001-0002-4000-8000-000000000003/activate",
            &[],
        )
        .await;
    assert_eq!(res.status(), 403);
    let writes = app.sendgrid.seen()[before..]
        .iter()
        .filter(|s| s.method != "GET")
        .count();
    assert_eq!(writes, 0, "nothing that changes anything reached SendGrid");
    assert!(app
        .sendgrid
        .is_suppressed(SUBUSER, SuppressionKind::Bounces, BOUNCED));
    let refusals = app.events_of("impersonation.denied").await;
    let operations: Vec<_> = refusals
        .iter()
        .map(|e| e["detail"]["operation"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        operations,
        ["suppression.bounces.delete", "templates.versions.activate"]
    );
    assert!(refusals.iter().all(|e| e["provider"] == "sendgrid"));
}

#[tokio::test]
async fn a_name_that_is_not_a_sendgrid_username_never_reaches_a_header_or_a_path() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in(Role::Admin).await;
    let list = text(admin.get("/sendgrid/subusers?search=bad").await).await;
    assert!(list.contains("bad name&lt;b&gt;"), "{list}");
    assert!(
        list.contains("a name the portal cannot open or act for"),
        "{list}"
    );
    assert!(!list.contains("href=\"/sendgrid/subusers/bad"), "{list}");
    let before = app.sendgrid.seen().len();
    assert_eq!(
        admin
            .get("/sendgrid/subusers/bad%20name%3Cb%3E")
            .await
            .status(),
        404
    );
    assert_eq!(
        admin.start_acting_for_subuser("bad name<b>").await.status(),
        404
    );
    assert_eq!(
        admin
            .start_acting_for_subuser("acme\r\nX-Injected: 1")
            .await
            .status(),
        404
    );
    assert_eq!(app.sendgrid.seen().len(), before, "nothing was sent");
    assert_eq!(app.open_impersonations().await, 0);
}

#[tokio::test]
async fn hostile_text_from_sendgrid_is_escaped_on_every_page() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in(Role::Admin).await;
    assert_eq!(
        admin
            .start_acting_for_subuser(HOSTILE_SUBUSER)
            .await
            .status(),
        303
    );
    assert_eq!(admin.switch_to_write_mode().await.status(), 303);
    let mut pages = vec![
        "/sendgrid/subusers?search=bad".to_owned(),
        format!("/sendgrid/subusers/{HOSTILE_SUBUSER}"),
        "/sendgrid/acting".to_owned(),
        "/sendgrid/acting/templates".to_owned(),
        "/sendgrid/acting/templates/00000005-0003-4000-a000-000000000000".to_owned(),
        "/sendgrid/acting/senders".to_owned(),
    ];
    for kind in SuppressionKind::ALL {
        pages.push(format!("/sendgrid/acting/suppressions/{}", kind.slug()));
    }
    for path in pages {
        let res = admin.get(&path).await;
        assert_eq!(res.status(), 200, "{path}");
        let html = text(res).await;
        assert!(!html.contains(HOSTILE), "{path} shows SendGrid's text raw");
        assert!(
            !html.to_ascii_lowercase().contains("<script"),
            "{path}: {html}"
        );
        assert!(!html.contains("<img src=x"), "{path}: {html}");
    }
    let page = text(admin.get("/sendgrid/acting/suppressions/bounces").await).await;
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{page}"
    );
}

#[tokio::test]
async fn an_admin_disables_and_enables_a_subuser_after_confirming_and_a_viewer_cannot() {
    let app = TestApp::spawn().await;
    let mut viewer = app.signed_in(Role::Viewer).await;
    let path = format!("/sendgrid/subusers/{SUBUSER}/status");
    assert_eq!(
        viewer
            .get(&format!("/sendgrid/subusers/{SUBUSER}"))
            .await
            .status(),
        200
    );
    assert_eq!(
        viewer.post(&path, &[("disabled", "true")]).await.status(),
        403
    );
    assert!(app.sendgrid.seen().iter().all(|s| s.method != "PATCH"));

    let mut admin = app.signed_in(Role::Admin).await;
    let confirm = text(admin.get(&path).await).await;
    assert!(
        confirm.contains("Disable the subuser acme-mail?"),
        "{confirm}"
    );
    let res = admin.post(&path, &[("disabled", "true")]).await;
    assert_eq!(
        location(&res),
        format!("/sendgrid/subusers/{SUBUSER}?status=disabled")
    );
    let page = text(admin.get(&location(&res)).await).await;
    assert!(page.contains("The subuser is disabled now."), "{page}");
    assert!(
        page.contains("Disabled: SendGrid refuses its mail"),
        "{page}"
    );
    let res = admin.post(&path, &[("disabled", "false")]).await;
    assert_eq!(res.status(), 303);
    let changes: Vec<_> = app
        .events_of("sendgrid.request")
        .await
        .into_iter()
        .filter(|e| e["method"] == "PATCH")
        .collect();
    assert_eq!(changes.len(), 2);
    assert_eq!(
        changes[0]["upstream_path"],
        format!("/v3/subusers/{SUBUSER}")
    );
    assert_eq!(changes[0]["detail"]["body"]["disabled"], true);
    assert_eq!(
        changes[0]["sub_org_id"], SUBUSER,
        "a parent call about a subuser names it"
    );
    assert!(
        changes[0]["impersonation_id"].is_null(),
        "and acts for nobody"
    );
    let filtered = text(
        admin
            .get(&format!(
                "/audit/export.jsonl?provider=sendgrid&sub_org={SUBUSER}"
            ))
            .await,
    )
    .await;
    assert!(filtered.contains("\"method\":\"PATCH\""), "{filtered}");
}

#[tokio::test]
async fn sendgrid_asking_to_slow_down_is_honoured_and_explained() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in(Role::Admin).await;
    assert_eq!(admin.start_acting_for_subuser(SUBUSER).await.status(), 303);
    app.sendgrid.inject(
        Fault::on("/v3/suppression/bounces")
            .status(429)
            .retry_after(120)
            .times(1),
    );
    let res = admin.get("/sendgrid/acting/suppressions/bounces").await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().get("retry-after").is_some());
    assert!(text(res).await.contains("SendGrid is limiting how fast"));
    let sent = |app: &TestApp| {
        app.sendgrid
            .seen()
            .iter()
            .filter(|s| s.path == "/v3/suppression/bounces")
            .count()
    };
    let before = sent(&app);
    // X-RateLimit-Reset said two minutes: the next read is not sent before then.
    let res = admin.get("/sendgrid/acting/suppressions/bounces").await;
    assert_eq!(res.status(), 429);
    assert_eq!(
        sent(&app),
        before,
        "the exhausted endpoint was not called again"
    );
    let other = admin.get("/sendgrid/acting/suppressions/blocks").await;
    assert_eq!(
        other.status(),
        200,
        "other endpoints have their own allowance"
    );
}

#[tokio::test]
async fn the_audit_log_filters_and_exports_by_provider() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in(Role::Admin).await;
    assert_eq!(admin.get("/sendgrid/subusers").await.status(), 200);
    assert_eq!(admin.get("/sub-orgs").await.status(), 200);
    let jsonl = text(admin.get("/audit/export.jsonl?provider=sendgrid").await).await;
    let events: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert!(!events.is_empty());
    assert!(
        events.iter().all(|e| e["provider"] == "sendgrid"),
        "{jsonl}"
    );
    let csv = text(admin.get("/audit/export.csv?provider=postgrid").await).await;
    let mut lines = csv.lines();
    assert!(lines.next().unwrap_or_default().ends_with(",hash,provider"));
    assert!(lines.all(|l| l.ends_with(",postgrid")), "{csv}");
    let verdict = app.state.audit.verify(None).await.expect("verify");
    assert!(matches!(
        verdict,
        suborg_portal::audit::Verdict::Intact { .. }
    ));
    // Events from before `provider` existed count as PostGrid's by their action.
    let mut old = suborg_portal::audit::NewEvent::new(
        suborg_portal::audit::Action::PostgridRequest,
        suborg_portal::audit::Outcome::Pending,
        Default::default(),
    );
    old.upstream_path = Some("/before-providers".to_owned());
    app.state.audit.append(old).await.expect("appended");
    let csv = text(admin.get("/audit/export.csv?provider=postgrid").await).await;
    assert!(csv.contains("/before-providers"), "{csv}");
    let page = admin.get("/audit?provider=mailchimp").await;
    assert!(text(page).await.contains("Choose PostGrid or SendGrid."));
}

#[tokio::test]
async fn sendgrid_sends_mail_as_the_parent_whatever_on_behalf_of_says() {
    // The simulator as SendGrid's users report it: the header is not honoured on Mail Send.
    // The portal has no operation for it (a unit test of the operations says so); this is why.
    let app = TestApp::spawn().await;
    let base = app
        .state
        .config
        .sendgrid
        .as_ref()
        .map(|s| s.base_url.as_str().trim_end_matches('/').to_owned())
        .expect("configured");
    let res = app
        .client
        .post(format!("{base}/v3/mail/send"))
        .header(
            "authorization",
            format!("Bearer {}", crate::helpers::SENDGRID_KEY),
        )
        .header("On-Behalf-Of", SUBUSER)
        .json(&serde_json::json!({"personalizations": [], "subject": "x"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 202);
    let mail = app.sendgrid.mail_sent();
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].on_behalf_of.as_deref(), Some(SUBUSER));
    assert_eq!(mail[0].sent_as, "parent");
}
