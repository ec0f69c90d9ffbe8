//! Acting on behalf of a sub-organization: refusals, the org header, time limits, read-only
//! by default, and nothing delegated once it has ended.

use suborg_portal::auth::Role;

use crate::helpers::{
    location, token_in, Fields, TestApp, IMPERSONATION_REASON, ORG, ORG_CONTACT, ORG_LETTER,
    ORG_TEMPLATE,
};

const OTHER_ORG: &str = "sub_org_demo0063";

/// Requests the simulator got since `from`, by their `PostGrid-Org` header.
fn delegated_since(app: &TestApp, from: usize) -> Vec<Option<String>> {
    app.sim.orgs_seen().into_iter().skip(from).collect()
}

#[tokio::test]
async fn an_admin_starts_sees_the_banner_browses_and_stops() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in(Role::Admin).await;
    let before = admin.cookie.clone();
    let res = admin.start_impersonation(ORG).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/impersonation");
    assert_ne!(admin.cookie, before, "the session id changes at start");

    let home = admin
        .get("/impersonation")
        .await
        .text()
        .await
        .expect("body");
    assert!(
        home.contains("Acting for O&#x27;Brien &amp; Daughters 64")
            || home.contains("Acting for O'Brien &amp; Daughters 64"),
        "{home}"
    );
    assert!(home.contains("read-only mode"));
    assert!(home.contains("Stop acting"));
    // The banner is on every page while acting.
    let other_page = admin.get("/sub-orgs").await.text().await.expect("body");
    assert!(other_page.contains("Stop acting") && other_page.contains(ORG));

    let from = app.sim.orgs_seen().len();
    for path in [
        "/impersonation/contacts",
        "/impersonation/templates",
        "/impersonation/letters",
    ] {
        let html = admin.get(path).await.text().await.expect("body");
        assert!(
            html.contains("demo0064"),
            "{path} shows the sub-org's own data"
        );
        assert!(!html.contains("demo0063"), "{path} shows nobody else's");
    }
    let sent = delegated_since(&app, from);
    assert_eq!(sent.len(), 3);
    assert!(
        sent.iter().all(|org| org.as_deref() == Some(ORG)),
        "{sent:?}"
    );

    let before = admin.cookie.clone();
    let res = admin.post("/impersonation/stop", &[]).await;
    assert_eq!(location(&res), format!("/sub-orgs/{ORG}?stopped=1"));
    assert_ne!(admin.cookie, before, "the session id changes at stop");
    let from = app.sim.orgs_seen().len();
    let html = admin
        .get("/impersonation/contacts")
        .await
        .text()
        .await
        .expect("body");
    assert!(html.contains("Not acting for a sub-organization"));
    assert!(
        delegated_since(&app, from).is_empty(),
        "nothing delegated after Stop"
    );

    let started = app.events_of("impersonation.started").await;
    assert_eq!(started.len(), 1);
    assert_eq!(started[0]["reason"], IMPERSONATION_REASON);
    assert_eq!(started[0]["detail"]["ticket"], "T-42");
    assert_eq!(started[0]["detail"]["mode"], "read_only");
    let id = started[0]["impersonation_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let ended = app.events_of("impersonation.ended").await;
    assert_eq!(ended[0]["detail"]["end_reason"], "stopped");
    // Every delegated call names the impersonation, the sub-org and the real person.
    let calls: Vec<_> = app
        .events_of("postgrid.request")
        .await
        .into_iter()
        .filter(|e| e["impersonation_id"] == id.as_str())
        .collect();
    assert_eq!(calls.len(), 3);
    assert!(calls
        .iter()
        .all(|e| e["sub_org_id"] == ORG && e["actor_role"] == "admin"));
}

#[tokio::test]
async fn each_refusal_is_recorded_and_leaves_nothing_behind() {
    let app = TestApp::spawn_with(&[("PORTAL_IMPERSONATION_BLOCKLIST", "sub_org_demo0001")]).await;
    let mut viewer = app.signed_in(Role::Viewer).await;
    assert_eq!(
        viewer.start_impersonation(ORG).await.status(),
        403,
        "not an admin"
    );

    let mut admin = app.signed_in(Role::Admin).await;
    assert_eq!(
        admin.start_impersonation("sub_org_demo0001").await.status(),
        403,
        "blocked"
    );
    assert_eq!(
        admin
            .start_impersonation("sub_org_notachild")
            .await
            .status(),
        403,
        "PostGrid does not confirm it"
    );
    let short = admin
        .post(
            "/impersonation/start",
            &[
                ("sub_org_id", ORG),
                ("reason", "because"),
                ("minutes", "30"),
            ],
        )
        .await;
    assert_eq!(short.status(), 422, "a reason of under 10 characters");
    assert!(short
        .text()
        .await
        .expect("body")
        .contains("at least 10 characters"));
    let long = admin
        .post(
            "/impersonation/start",
            &[
                ("sub_org_id", ORG),
                ("reason", IMPERSONATION_REASON),
                ("minutes", "61"),
            ],
        )
        .await;
    assert_eq!(long.status(), 422, "longer than the maximum");
    assert_eq!(app.open_impersonations().await, 0);

    assert_eq!(admin.start_impersonation(ORG).await.status(), 303);
    assert_eq!(
        admin.start_impersonation(OTHER_ORG).await.status(),
        409,
        "no nesting"
    );
    assert_eq!(app.open_impersonations().await, 1);

    let denied = app.events_of("impersonation.denied").await;
    let refusals: Vec<&str> = denied
        .iter()
        .filter_map(|e| e["detail"]["refusal"].as_str())
        .collect();
    for refusal in [
        "blocked_sub_org",
        "not_a_child",
        "reason_too_short",
        "bad_duration",
        "already_impersonating",
    ] {
        assert!(refusals.contains(&refusal), "{refusal} in {refusals:?}");
    }
    assert!(
        denied
            .iter()
            .any(|e| e["actor_role"] == "viewer" && e["outcome"] == "denied"),
        "the viewer's attempt"
    );

    let off = TestApp::spawn_with(&[("PORTAL_IMPERSONATION", "disabled")]).await;
    let mut admin = off.signed_in(Role::Admin).await;
    assert_eq!(
        admin.start_impersonation(ORG).await.status(),
        403,
        "switched off"
    );
    assert_eq!(off.open_impersonations().await, 0);
    assert_eq!(
        off.events_of("impersonation.denied").await[0]["detail"]["refusal"],
        "impersonation_disabled"
    );
}

#[tokio::test]
async fn read_only_refuses_every_write_on_the_server() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in(Role::Admin).await;
    admin.start_impersonation(ORG).await;
    let from = app.sim.orgs_seen().len();
    let letter_template = format!("/impersonation/templates/{ORG_TEMPLATE}");
    let contact_delete = format!("/impersonation/contacts/{ORG_CONTACT}/delete");
    let template_delete = format!("{letter_template}/delete");
    let letter_cancel = format!("/impersonation/letters/{ORG_LETTER}/cancel");
    // Each write, sent by the form of the page at its own path, and the fields it sends.
    let writes: Vec<(&str, Fields)> = vec![
        (
            "/impersonation/contacts/new",
            vec![
                ("first_name", "Ann"),
                ("address_line1", "1 Road"),
                ("country_code", "US"),
            ],
        ),
        (
            "/impersonation/templates/new",
            vec![("description", "New"), ("html", "<p>x</p>")],
        ),
        (
            &letter_template,
            vec![("description", "Edited"), ("html", "<p>y</p>")],
        ),
        (
            "/impersonation/letters/new",
            vec![
                ("to", ORG_CONTACT),
                ("from", "contact_demo0064from"),
                ("template", ORG_TEMPLATE),
                ("merge.plan", "Gold"),
            ],
        ),
        (
            &letter_cancel,
            vec![("note", "The customer changed their mind")],
        ),
        (&template_delete, vec![]),
        (&contact_delete, vec![]),
    ];
    let requests_before = app.events_of("postgrid.request").await.len();
    for (path, form) in &writes {
        let res = admin.post(path, form).await;
        assert_eq!(res.status(), 403, "{path}");
        // The refusal is the form's own page again, with what was typed.
        let html = res.text().await.expect("body");
        assert!(html.contains("This impersonation is read-only"), "{path}");
        if let Some((field, typed)) = form.first() {
            assert!(
                html.contains(&format!("value=\"{typed}\"")) || html.contains(typed),
                "{path} keeps {field}"
            );
        }
    }
    // Showing a form again may read (the template being edited, the letter's choices);
    // nothing is written.
    let requests = app.events_of("postgrid.request").await;
    assert!(
        requests[requests_before..]
            .iter()
            .all(|e| e["method"] == "GET"),
        "no write reached PostGrid"
    );
    // Each is about this sub-organization: delegated in its header, or the parent's read of
    // its record (the letter form's size follows its country).
    let about: Vec<_> = app.events_of("postgrid.request").await[requests_before..]
        .iter()
        .map(|e| e["sub_org_id"].clone())
        .collect();
    assert!(about.iter().all(|org| org == ORG), "{about:?}");
    assert!(delegated_since(&app, from)
        .iter()
        .all(|org| org.as_deref().is_none_or(|org| org == ORG)));
    let denied = app.events_of("impersonation.denied").await;
    assert_eq!(
        denied
            .iter()
            .filter(|e| e["detail"]["refusal"] == "read_only")
            .count(),
        writes.len()
    );

    // With its own reason, write mode lets each of them through, in turn.
    let res = admin.switch_to_write_mode().await;
    assert_eq!(res.status(), 303);
    assert_eq!(app.events_of("impersonation.mode_changed").await.len(), 1);
    for (path, form) in &writes {
        let html = admin.get(path).await.text().await.expect("body");
        let token = html.contains("name=\"token\"").then(|| token_in(&html));
        let mut fields = form.clone();
        if let Some(token) = &token {
            fields.push(("token", token));
        }
        let res = admin.post(path, &fields).await;
        assert_eq!(res.status(), 303, "{path} in write mode");
    }
    let written: Vec<_> = app.events_of("postgrid.request").await[requests_before..]
        .iter()
        .filter(|e| e["method"] != "GET")
        .map(|e| e["method"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(written.len(), writes.len(), "{written:?}");
    // Each is about this sub-organization: delegated in its header, or the parent's read of
    // its record (the letter form's size follows its country).
    let about: Vec<_> = app.events_of("postgrid.request").await[requests_before..]
        .iter()
        .map(|e| e["sub_org_id"].clone())
        .collect();
    assert!(about.iter().all(|org| org == ORG), "{about:?}");
    assert!(delegated_since(&app, from)
        .iter()
        .all(|org| org.as_deref().is_none_or(|org| org == ORG)));
}

#[tokio::test]
async fn a_reference_from_another_organization_is_named() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in(Role::Admin).await;
    admin.start_impersonation(ORG).await;
    assert_eq!(admin.switch_to_write_mode().await.status(), 303);
    let form = admin.get("/impersonation/letters/new").await;
    let token = token_in(&form.text().await.expect("body"));
    let res = admin
        .post(
            "/impersonation/letters/new",
            &[
                ("token", token.as_str()),
                ("to", ORG_CONTACT),
                ("from", "contact_demo0064from"),
                ("template", "template_parentwelcome"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("body");
    assert!(
        html.contains("This sub-organization has no such template."),
        "{html}"
    );
}

#[tokio::test]
async fn expiry_idle_disable_and_demotion_end_it_before_anything_is_sent() {
    for (trigger, reason) in [
        ("expiry", "expired"),
        ("idle", "idle"),
        ("disable", "disabled"),
        ("demotion", "revoked"),
        ("logout", "logout"),
    ] {
        let app = TestApp::spawn().await;
        let (email, password) = app.add_staff(Role::Admin).await;
        let mut admin = app.browser();
        admin.sign_in(&email, &password).await;
        let mut boss = app.signed_in(Role::Admin).await;
        admin.start_impersonation(ORG).await;
        assert_eq!(admin.get("/impersonation/contacts").await.status(), 200);
        let id = suborg_portal::auth::staff::find_by_email(&app.state.db, &email)
            .await
            .expect("db")
            .expect("me")
            .id;
        match trigger {
            "expiry" => {
                // Active every 10 minutes, so only the 30-minute limit can end it.
                for _ in 0..3 {
                    app.clock.advance(time::Duration::minutes(10));
                    admin.get("/impersonation").await;
                }
            }
            "idle" => app.clock.advance(time::Duration::minutes(16)),
            "disable" => assert_eq!(
                boss.post(&format!("/staff/{id}/disable"), &[])
                    .await
                    .status(),
                303
            ),
            "demotion" => assert_eq!(
                boss.post(&format!("/staff/{id}/role"), &[("role", "viewer")])
                    .await
                    .status(),
                303
            ),
            _ => assert_eq!(admin.post("/logout", &[]).await.status(), 303),
        }
        let from = app.sim.orgs_seen().len();
        let _ = admin.get("/impersonation/contacts").await;
        let sent = delegated_since(&app, from);
        assert!(sent.iter().all(Option::is_none), "{trigger}: sent {sent:?}");
        let ended = app.events_of("impersonation.ended").await;
        assert_eq!(ended.len(), 1, "{trigger}");
        assert_eq!(ended[0]["detail"]["end_reason"], reason, "{trigger}");
        assert_eq!(app.open_impersonations().await, 0, "{trigger}");
    }
}

#[tokio::test]
async fn two_admins_acting_at_once_never_see_each_others_org() {
    let app = TestApp::spawn().await;
    let mut first = app.signed_in(Role::Admin).await;
    let mut second = app.signed_in(Role::Admin).await;
    first.start_impersonation(ORG).await;
    second.start_impersonation(OTHER_ORG).await;
    for _ in 0..3 {
        let a = first
            .get("/impersonation/contacts")
            .await
            .text()
            .await
            .expect("body");
        let b = second
            .get("/impersonation/contacts")
            .await
            .text()
            .await
            .expect("body");
        assert!(a.contains("demo0064") && !a.contains("demo0063"));
        assert!(b.contains("demo0063") && !b.contains("demo0064"));
    }
}

#[tokio::test]
async fn start_and_stop_need_a_same_origin_post() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in(Role::Admin).await;
    let cookie = admin.cookie.clone().expect("cookie");
    let forged = app
        .client
        .post(format!("{}/impersonation/start", app.address))
        .header("cookie", &cookie)
        .header("origin", "https://evil.example")
        .form(&[
            ("sub_org_id", ORG),
            ("reason", IMPERSONATION_REASON),
            ("minutes", "30"),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(forged.status(), 403);
    assert_eq!(
        admin.get("/impersonation/start").await.status(),
        405,
        "GET does nothing"
    );
    assert_eq!(app.open_impersonations().await, 0);

    admin.start_impersonation(ORG).await;
    let forged = app
        .client
        .post(format!("{}/impersonation/stop", app.address))
        .header("cookie", admin.cookie.clone().expect("cookie"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .expect("sent");
    assert_eq!(forged.status(), 403);
    assert_eq!(admin.get("/impersonation/stop").await.status(), 405);
    assert_eq!(app.open_impersonations().await, 1, "still acting");
}

#[tokio::test]
async fn the_dashboard_hand_off_is_recorded_then_links_to_postgrids_login() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in(Role::Admin).await;
    let users = admin
        .get(&format!("/sub-orgs/{ORG}/users"))
        .await
        .text()
        .await
        .expect("body");
    assert!(users.contains("Open as this user"));
    let res = admin
        .post(
            "/impersonation/handoff",
            &[("sub_org_id", ORG), ("email", "ada.64@customer64.example")],
        )
        .await;
    // A page with a plain link, not a redirect: the CSP's form-action would block that.
    assert_eq!(res.status(), 200);
    let page = res.text().await.expect("body");
    assert!(
        page.contains("href=\"https://dashboard.postgrid.com/login/impersonate\""),
        "{page}"
    );
    assert!(page.contains("ada.64@customer64.example"));
    let handoffs = app.events_of("dashboard.handoff").await;
    assert_eq!(handoffs.len(), 1);
    assert_eq!(handoffs[0]["outcome"], "ok");
    assert_eq!(handoffs[0]["detail"]["shown"], "dashboard_link");
    assert_eq!(handoffs[0]["sub_org_id"], ORG);
    assert_eq!(
        handoffs[0]["detail"]["user_email"],
        "ada.64@customer64.example"
    );

    let mut viewer = app.signed_in(Role::Viewer).await;
    let res = viewer
        .post(
            "/impersonation/handoff",
            &[("sub_org_id", ORG), ("email", "ada.64@customer64.example")],
        )
        .await;
    assert_eq!(res.status(), 403);
    assert!(app
        .events_of("dashboard.handoff")
        .await
        .iter()
        .any(|e| e["outcome"] == "denied"));
}
