//! No dead ends: every refusal and failure is a page inside the portal, with what was typed,
//! the request id to quote and a way on.

use suborg_portal::auth::Role;

use crate::helpers::{location, TestApp, ORG};

/// The page of a refusal or failure: the portal's own (its header), with the request id an
/// administrator can look up.
async fn error_page(res: reqwest::Response, status: u16) -> String {
    assert_eq!(res.status(), status);
    let id = res
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("request id")
        .to_owned();
    let html = res.text().await.expect("body");
    assert!(
        html.contains("<header"),
        "inside the portal's chrome: {html}"
    );
    assert!(html.contains(&id), "the request id to quote");
    html
}

#[tokio::test]
async fn a_handler_error_is_a_page_with_the_request_id_and_a_way_back() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in(Role::Admin).await;
    let res = app
        .client
        .post(format!("{}/impersonation/start", app.address))
        .header("origin", &app.address)
        .header("referer", format!("{}/sub-orgs?search=x", app.address))
        .header("cookie", admin.cookie.clone().expect("signed in"))
        .form(&[("sub_org_id", "not an id"), ("reason", "x")])
        .send()
        .await
        .expect("sent");
    let html = error_page(res, 404).await;
    assert!(html.contains("There is no such sub-organization."));
    assert!(
        html.contains(r#"href="/sub-orgs?search=x""#),
        "back to the page it came from: {html}"
    );
    // Without a session, a post is a page too, not a bare line of text.
    let res = app.browser().post("/staff", &[("email", "x")]).await;
    let html = error_page(res, 401).await;
    assert!(html.contains("Sign in again"), "{html}");
}

#[tokio::test]
async fn an_origin_refusal_says_which_address_the_portal_expects() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .post(format!("{}/login", app.address))
        .header("origin", "http://localhost:1")
        .form(&[("email", "a@b.example"), ("password", "x")])
        .send()
        .await
        .expect("sent");
    let html = error_page(res, 403).await;
    assert!(
        html.contains(&format!(
            "expects to be opened at {}",
            app.state.config.public_origin()
        )),
        "{html}"
    );
}

#[tokio::test]
async fn a_refused_staff_change_shows_the_staff_page_again() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in(Role::Admin).await;
    let (email, _) = app.add_staff(Role::Viewer).await;
    let target = suborg_portal::auth::staff::find_by_email(&app.state.db, &email)
        .await
        .expect("read")
        .expect("exists");
    let res = admin
        .post(&format!("/staff/{}/role", target.id), &[("role", "bogus")])
        .await;
    assert_eq!(res.status(), 409);
    let html = res.text().await.expect("body");
    assert!(html.contains("<h1>Staff</h1>"), "{html}");
    assert!(html.contains("Choose a role."));
    assert!(!html.contains("Page not found"));
    assert!(html.contains(&email), "the list is there to try again");
}

#[tokio::test]
async fn a_bad_export_filter_shows_the_audit_page_with_the_problem() {
    let app = TestApp::spawn().await;
    let mut auditor = app.signed_in(Role::Auditor).await;
    let res = auditor.get("/audit/export.csv?action=made.up&q=kept").await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("body");
    assert!(html.contains("<h1>Audit log</h1>"), "{html}");
    assert!(html.contains("Choose an action from the list."));
    assert!(html.contains(r#"value="kept""#), "the filters as typed");
    assert!(
        app.events_of("audit.exported").await.is_empty(),
        "nothing exported"
    );
}

#[tokio::test]
async fn read_only_create_forms_become_the_way_to_write_mode_and_back() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in(Role::Admin).await;
    admin.start_impersonation(ORG).await;
    let html = admin
        .get("/impersonation/contacts/new")
        .await
        .text()
        .await
        .expect("body");
    assert!(html.contains("Switch to write mode to create contacts"));
    assert!(
        !html.contains(r#"action="/impersonation/contacts/new""#),
        "no form that would be refused"
    );
    assert!(html.contains(r#"name="back" value="/impersonation/contacts/new""#));
    // Too short a reason: the same page again, with what was typed.
    let res = admin
        .post(
            "/impersonation/mode",
            &[("why", "typo"), ("back", "/impersonation/contacts/new")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("body");
    assert!(html.contains("Switch to write mode to create contacts"));
    assert!(html.contains("typo"));
    let res = admin
        .post(
            "/impersonation/mode",
            &[
                ("why", "The customer asked for a new contact"),
                ("back", "/impersonation/contacts/new"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/impersonation/contacts/new");
    let html = admin
        .get("/impersonation/contacts/new")
        .await
        .text()
        .await
        .expect("body");
    assert!(html.contains(r#"action="/impersonation/contacts/new""#));
    assert!(!html.contains("Switch to write mode"));
    // A way back that leaves the portal is not followed.
    let res = admin
        .post(
            "/impersonation/mode",
            &[("mode", "read_only"), ("back", "//evil.example/")],
        )
        .await;
    assert_eq!(location(&res), "/impersonation?mode=read_only");
}

/// The mode form names a mode the portal knows, or nothing changes: an unknown value is not
/// taken as a request for write mode.
#[tokio::test]
async fn an_unknown_mode_changes_nothing() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in(Role::Admin).await;
    assert_eq!(admin.start_impersonation(ORG).await.status(), 303);
    let res = admin
        .post(
            "/impersonation/mode",
            &[
                ("mode", "admin"),
                ("why", "The customer asked for a new contact"),
            ],
        )
        .await;
    error_page(res, 400).await;
    assert!(app.events_of("impersonation.mode_changed").await.is_empty());
    let html = admin
        .get("/impersonation")
        .await
        .text()
        .await
        .expect("body");
    assert!(html.contains("read-only"), "{html}");
}
