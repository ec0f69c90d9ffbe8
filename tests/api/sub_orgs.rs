//! Sub-organization pages against the simulator: list, search, paging, detail, users, create.

use suborg_portal::auth::Role;
use suborg_portal::postgrid::sim::Fault;

use crate::helpers::{location, sub_org_fields, token_in, Browser, TestApp};

async fn page(browser: &mut Browser<'_>, path: &str) -> (u16, String) {
    let res = browser.get(path).await;
    let status = res.status().as_u16();
    (status, res.text().await.expect("body"))
}

#[tokio::test]
async fn the_list_shows_newest_first_with_a_total_and_pages_forward_and_back() {
    let app = TestApp::spawn().await;
    let mut viewer = app.signed_in(Role::Viewer).await;
    let (status, html) = page(&mut viewer, "/sub-orgs").await;
    assert_eq!(status, 200);
    assert!(html.contains("Showing 1–20 of 64"), "{html}");
    assert!(html.contains("sub_org_demo0064"), "newest first");
    assert!(html.contains("$233.16"), "spend as money");
    assert!(html.contains("268 of 500"), "usage against the limit");
    assert!(html.contains("href=\"/sub-orgs?skip=20\""), "a Next link");

    let (_, html) = page(&mut viewer, "/sub-orgs?skip=60").await;
    assert!(html.contains("Showing 61–64 of 64"));
    assert!(
        html.contains("href=\"/sub-orgs?skip=40\""),
        "a Previous link"
    );
    assert!(!html.contains("rel=\"next\""), "no Next on the last page");
    assert!(!html.contains("<script"));
}

#[tokio::test]
async fn search_goes_to_postgrid_and_stays_in_the_links() {
    let app = TestApp::spawn().await;
    let mut viewer = app.signed_in(Role::Viewer).await;
    let (_, html) = page(&mut viewer, "/sub-orgs?search=Northwind").await;
    assert!(html.contains("Northwind Traders"));
    assert!(!html.contains("Acme Dental Group"));
    assert!(
        html.contains("value=\"Northwind\""),
        "the search box keeps the query"
    );
    let (_, html) = page(&mut viewer, "/sub-orgs?search=nothing-matches-this").await;
    assert!(html.contains("No sub-organizations match “nothing-matches-this”."));
    let (_, html) = page(&mut viewer, "/sub-orgs?search=a&limit=5").await;
    assert!(
        html.contains("href=\"/sub-orgs?search=a&amp;skip=5&amp;limit=5\""),
        "{html}"
    );
}

#[tokio::test]
async fn names_from_postgrid_are_escaped() {
    let app = TestApp::spawn().await;
    let mut viewer = app.signed_in(Role::Viewer).await;
    let (_, html) = page(&mut viewer, "/sub-orgs?search=script").await;
    assert!(html.contains("&lt;script&gt;alert("), "{html}");
    assert!(!html.contains("<script>alert("));
    let (_, html) = page(&mut viewer, "/sub-orgs/sub_org_demo0003").await;
    assert!(html.contains("&lt;script&gt;"));
    assert!(!html.to_ascii_lowercase().contains("<script"));
}

#[tokio::test]
async fn detail_and_users_show_what_postgrid_returns() {
    let app = TestApp::spawn().await;
    let mut viewer = app.signed_in(Role::Viewer).await;
    let (status, html) = page(&mut viewer, "/sub-orgs/sub_org_demo0002").await;
    assert_eq!(status, 200);
    assert!(html.contains("Northwind Traders"));
    assert!(html.contains("sub_org_demo0002"));
    assert!(html.contains("href=\"/sub-orgs/sub_org_demo0002/users\""));
    let (status, html) = page(&mut viewer, "/sub-orgs/sub_org_demo0002/users").await;
    assert_eq!(status, 200);
    assert!(html.contains("Users of Northwind Traders"));
    assert!(html.contains("@customer2.example"));
    assert!(html.contains("old.jose@customer2.example") || html.contains("Previous emails"));

    let (status, html) = page(&mut viewer, "/sub-orgs/sub_org_missing").await;
    assert_eq!(status, 404);
    assert!(html.contains("PostGrid has no such item"));
    let (status, _) = page(&mut viewer, "/sub-orgs/not-an-id").await;
    assert_eq!(status, 404);
    assert_eq!(
        app.sim.request_count(),
        4,
        "an invalid id never reaches PostGrid"
    );
}

#[tokio::test]
async fn each_postgrid_failure_gets_its_own_message() {
    // The page answers the status that says what failed (it was a 200 with the message
    // inside until #14), with the request id to quote and Retry-After when PostGrid asks.
    let app = TestApp::spawn().await;
    let mut viewer = app.signed_in(Role::Viewer).await;
    let cases = [
        (
            Fault::on("/sub_organizations").status(429).retry_after(0),
            "limiting how fast",
            429,
        ),
        (
            Fault::on("/sub_organizations").status(503),
            "PostGrid is unavailable right now",
            502,
        ),
        (
            Fault::on("/sub_organizations").status(401),
            "rejected the portal's API key",
            502,
        ),
        (
            Fault::on("/sub_organizations").malformed(),
            "could not read",
            502,
        ),
    ];
    for (fault, message, want) in cases {
        app.sim.clear_faults();
        app.sim.inject(fault);
        let res = viewer.get("/sub-orgs").await;
        assert_eq!(res.status().as_u16(), want, "{message}");
        let retry_after = res.headers().get("retry-after").cloned();
        assert_eq!(retry_after.is_some(), want == 429, "{message}");
        let request_id = res
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .expect("request id")
            .to_owned();
        let html = res.text().await.expect("body");
        assert!(html.contains(message), "{message}: {html}");
        assert!(html.contains(&request_id), "the reference to quote");
        assert!(html.contains("<header"), "inside the portal's chrome");
        assert!(!html.contains("Simulated"), "no raw upstream text");
    }
}

#[tokio::test]
async fn creating_a_sub_org_validates_each_field_and_keeps_what_was_typed() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in(Role::Admin).await;
    let (status, form) = page(&mut admin, "/sub-orgs/new").await;
    assert_eq!(status, 200);
    assert!(form.contains("Test mode"));
    assert!(
        form.contains("<option value=\"CA\">Canada (CA)</option>"),
        "countries with names"
    );
    let token = token_in(&form);
    let res = admin
        .post(
            "/sub-orgs/new",
            &[
                ("token", &token),
                ("organization_name", "Bright <Smile> Dental"),
                ("name", ""),
                ("email", "not-an-email"),
                ("password", "short"),
                ("country_code", "Narnia"),
                ("phone_number", "call me"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("body");
    for message in [
        "Enter the name of the first user",
        "Enter the first user's email",
        "at least 12 characters",
        "Choose the country",
        "phone number of 7 to 15 digits",
    ] {
        assert!(html.contains(message), "{message}");
    }
    assert!(
        html.contains("value=\"Bright &lt;Smile&gt; Dental\""),
        "typed values are kept and escaped"
    );
    assert!(html.contains("value=\"call me\""));
    assert!(!html.contains("value=\"short\""), "never the password");
    assert_eq!(token_in(&html), token, "the same form keeps its token");
    assert_eq!(app.sim.request_count(), 0, "nothing was sent");
}

#[tokio::test]
async fn a_form_submitted_twice_creates_one_sub_org() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in(Role::Admin).await;
    let token = admin.open_sub_org_form().await;
    let fields = sub_org_fields(&token, "Once Only Ltd");
    let first = admin.post("/sub-orgs/new", &fields).await;
    assert_eq!(first.status(), 303);
    let created = location(&first);
    assert!(
        created.starts_with("/sub-orgs/sub_org_") && created.ends_with("?created=1"),
        "{created}"
    );
    let again = admin.post("/sub-orgs/new", &fields).await;
    assert_eq!(
        location(&again),
        created,
        "the second submission lands on the first result"
    );
    let (_, html) = page(&mut admin, "/sub-orgs?search=Once%20Only").await;
    assert!(html.contains("Showing 1–1 of 1"), "{html}");
    let (status, html) = page(&mut admin, &created).await;
    assert_eq!(status, 200);
    assert!(html.contains("Once Only Ltd") && html.contains("was created"));
    // PostGrid returned the new user's API keys: no page and no event shows them.
    let events = serde_json::to_string(&app.audit_events().await).expect("json");
    for text in [&html, &events] {
        assert!(
            !text.contains("live_sk_") && !text.contains("test_sk_"),
            "an API key leaked"
        );
        assert!(!text.contains("a perfectly fine passphrase"));
    }
}

#[tokio::test]
async fn postgrid_refusing_a_create_shows_the_form_again() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in(Role::Admin).await;
    let token = admin.open_sub_org_form().await;
    app.sim.inject(
        Fault::on("/sub_organizations")
            .method("POST")
            .status(503)
            .times(1),
    );
    let fields = sub_org_fields(&token, "Retry Later Inc");
    let res = admin.post("/sub-orgs/new", &fields).await;
    assert_eq!(res.status(), 502);
    let html = res.text().await.expect("body");
    assert!(html.contains("PostGrid is unavailable right now"));
    assert!(html.contains("value=\"Retry Later Inc\""));
    // Trying again with the same form works, once.
    let res = admin.post("/sub-orgs/new", &fields).await;
    assert_eq!(res.status(), 303);
}

#[tokio::test]
async fn viewers_cannot_create_even_by_posting_directly() {
    let app = TestApp::spawn().await;
    let mut viewer = app.signed_in(Role::Viewer).await;
    let (status, _) = page(&mut viewer, "/sub-orgs/new").await;
    assert_eq!(status, 403);
    let res = viewer
        .post(
            "/sub-orgs/new",
            &[
                ("organization_name", "Sneaky"),
                ("name", "S"),
                ("email", "s@s.example"),
                ("password", "a perfectly fine passphrase"),
                ("country_code", "US"),
            ],
        )
        .await;
    assert_eq!(res.status(), 403);
    assert_eq!(app.sim.request_count(), 0);
    let denied = app.events_of("postgrid.request").await;
    assert!(denied
        .iter()
        .any(|e| e["outcome"] == "denied" && e["actor_role"] == "viewer"));
}
