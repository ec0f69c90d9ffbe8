//! Four eyes for write mode (issue #17): a second admin grants or denies within 15 minutes;
//! nobody decides their own; a grant is for that impersonation only.

use suborg_portal::auth::Role;
use time::Duration;

use crate::helpers::{location, Browser, TestApp, ORG};

const REQUIRED: &[(&str, &str)] = &[("PORTAL_WRITE_APPROVAL", "required")];

async fn mode_of_open(app: &TestApp) -> String {
    suborg_portal::on_engine!(app.state.db, |pool| {
        sqlx::query_scalar("select mode from impersonations where ended_at is null")
            .fetch_one(pool)
            .await
            .expect("one open impersonation")
    })
}

/// The id of the request waiting on `/approvals`, from its Grant form.
async fn waiting_request(approver: &mut Browser<'_>) -> String {
    let page = approver.page("/approvals").await;
    let start = page.find("/approvals/").expect("a request") + "/approvals/".len();
    page[start..].split('/').next().expect("an id").to_owned()
}

async fn acting_admin(app: &TestApp) -> Browser<'_> {
    let mut requester = app.signed_in(Role::Admin).await;
    assert_eq!(requester.start_impersonation(ORG).await.status(), 303);
    requester
}

#[tokio::test]
async fn write_mode_waits_for_a_second_admin_who_grants_it_for_that_impersonation_only() {
    let app = TestApp::spawn_with(REQUIRED).await;
    let mut requester = acting_admin(&app).await;
    let res = requester.switch_to_write_mode().await;
    assert_eq!(location(&res), "/impersonation?approval=requested");
    assert_eq!(mode_of_open(&app).await, "read_only");
    // Asking again while one waits files nothing new.
    requester.switch_to_write_mode().await;
    let requested = app.events_of("approval.requested").await;
    assert_eq!(requested.len(), 1);
    assert_eq!(requested[0]["sub_org_id"], ORG);
    let page = requester.page("/impersonation").await;
    assert!(
        page.contains("Waiting for another admin to approve write mode"),
        "{page}"
    );

    // The requester cannot decide their own (their page offers no form for it).
    let id = requested[0]["detail"]["approval_id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let page = requester.page("/approvals").await;
    assert!(page.contains("Waiting for another admin (yours)"));
    let res = requester.post(&format!("/approvals/{id}/grant"), &[]).await;
    assert_eq!(res.status(), 409);
    assert!(res
        .text()
        .await
        .expect("page")
        .contains("cannot decide your own"));
    assert_eq!(
        app.events_of("approval.granted").await[0]["outcome"],
        "denied"
    );

    let mut approver = app.signed_in(Role::Admin).await;
    assert_eq!(waiting_request(&mut approver).await, id);
    let res = approver.post(&format!("/approvals/{id}/grant"), &[]).await;
    assert_eq!(location(&res), "/approvals?done=granted");
    let granted = app.events_of("approval.granted").await;
    assert_eq!(granted.len(), 2);
    assert_eq!(granted[1]["outcome"], "ok");
    assert_eq!(
        granted[1]["impersonation_id"],
        requested[0]["impersonation_id"]
    );
    // Decided once: a second decision is refused.
    let res = approver.post(&format!("/approvals/{id}/deny"), &[]).await;
    assert_eq!(res.status(), 409);

    let page = requester.page("/impersonation").await;
    assert!(
        page.contains("approved write mode for this impersonation"),
        "{page}"
    );
    // Write mode comes with the reason that was granted, whatever is typed now.
    let res = requester
        .post(
            "/impersonation/mode",
            &[("why", "Something else entirely, typed later")],
        )
        .await;
    assert_eq!(location(&res), "/impersonation?mode=write");
    assert_eq!(mode_of_open(&app).await, "write");
    let changed = app.events_of("impersonation.mode_changed").await;
    assert_eq!(changed[0]["detail"]["why"], crate::helpers::WRITE_REASON);

    // A new impersonation needs a new approval.
    requester.post("/impersonation/stop", &[]).await;
    assert_eq!(requester.start_impersonation(ORG).await.status(), 303);
    let res = requester.switch_to_write_mode().await;
    assert_eq!(location(&res), "/impersonation?approval=requested");
    assert_eq!(mode_of_open(&app).await, "read_only");
}

#[tokio::test]
async fn a_denied_request_keeps_read_only_and_an_undecided_one_expires() {
    let app = TestApp::spawn_with(REQUIRED).await;
    let mut requester = acting_admin(&app).await;
    requester.switch_to_write_mode().await;
    let mut approver = app.signed_in(Role::Admin).await;
    let id = waiting_request(&mut approver).await;
    let res = approver.post(&format!("/approvals/{id}/deny"), &[]).await;
    assert_eq!(location(&res), "/approvals?done=denied");
    assert_eq!(app.events_of("approval.denied").await.len(), 1);
    let page = requester.page("/impersonation").await;
    assert!(page.contains("denied write mode"), "{page}");
    assert_eq!(mode_of_open(&app).await, "read_only");

    // Asked again; nobody decides within 15 minutes.
    requester.switch_to_write_mode().await;
    let id = waiting_request(&mut approver).await;
    app.clock.advance(Duration::minutes(14));
    // Keeps the impersonation (idle limit 15 minutes) and the sessions alive.
    requester.get("/impersonation").await;
    approver.get("/").await;
    app.clock.advance(Duration::minutes(2));
    let res = approver.post(&format!("/approvals/{id}/grant"), &[]).await;
    assert_eq!(res.status(), 409);
    assert!(res.text().await.expect("page").contains("expired"));
    let expired = app.events_of("approval.expired").await;
    assert_eq!(expired.len(), 1, "recorded once");
    assert_eq!(expired[0]["detail"]["approval_id"], id.as_str());
    assert!(!app
        .events_of("approval.granted")
        .await
        .iter()
        .any(|e| e["outcome"] == "ok"));
}

#[tokio::test]
async fn without_the_setting_write_mode_needs_nobody_else() {
    let app = TestApp::spawn().await;
    let mut admin = acting_admin(&app).await;
    assert_eq!(
        location(&admin.switch_to_write_mode().await),
        "/impersonation?mode=write"
    );
    assert!(app.events_of("approval.requested").await.is_empty());
}
