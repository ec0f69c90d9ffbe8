//! Staff sign-in, sessions and roles, as an attacker would try them.

use std::collections::BTreeSet;

use suborg_portal::auth::staff;
use suborg_portal::auth::Role;
use suborg_portal::http::STYLESHEET_PATH;

use crate::helpers::{
    execute, location, Browser, TestApp, ORG, ORG_CONTACT, ORG_LETTER, ORG_TEMPLATE, SUBUSER,
};

#[derive(Clone, Copy, Debug)]
enum Who {
    Anonymous,
    Viewer,
    Admin,
    Auditor,
    Disabled,
    /// An admin acting for `ORG`, read-only.
    Acting,
    /// An admin acting for `ORG` in write mode.
    Writing,
}

const PEOPLE: [Who; 7] = [
    Who::Anonymous,
    Who::Viewer,
    Who::Admin,
    Who::Auditor,
    Who::Disabled,
    Who::Acting,
    Who::Writing,
];

async fn browser_for(app: &TestApp, who: Who) -> Browser<'_> {
    match who {
        Who::Anonymous => app.browser(),
        Who::Viewer => app.signed_in(Role::Viewer).await,
        Who::Admin => app.signed_in(Role::Admin).await,
        Who::Auditor => app.signed_in(Role::Auditor).await,
        Who::Disabled => {
            let browser = app.signed_in(Role::Admin).await;
            execute(
                &app.state.db,
                "update staff set disabled = true, session_version = session_version + 1 \
                 where id = (select max(id) from staff)",
            )
            .await
            .expect("disabled");
            browser
        }
        Who::Acting => {
            let mut browser = app.signed_in(Role::Admin).await;
            assert_eq!(browser.start_impersonation(ORG).await.status(), 303);
            browser
        }
        Who::Writing => {
            let mut browser = app.signed_in(Role::Admin).await;
            assert_eq!(browser.start_impersonation(ORG).await.status(), 303);
            assert_eq!(browser.switch_to_write_mode().await.status(), 303);
            browser
        }
    }
}

/// One route of the router, how the matrix calls it, and the status for each of `PEOPLE`.
struct Case {
    method: &'static str,
    /// The route as the router lists it.
    route: &'static str,
    /// The path requested.
    path: String,
    form: Vec<(&'static str, &'static str)>,
    expected: [u16; 7],
}

fn case(method: &'static str, route: &'static str, expected: [u16; 7]) -> Case {
    Case {
        method,
        route,
        path: route.to_owned(),
        form: Vec::new(),
        expected,
    }
}

impl Case {
    fn at(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    fn form(mut self, form: &[(&'static str, &'static str)]) -> Self {
        self.form = form.to_vec();
        self
    }

    /// Whether the path requested is one the route answers.
    fn path_fits_route(&self) -> bool {
        let path = self.path.split('?').next().unwrap_or_default();
        let (route, path): (Vec<&str>, Vec<&str>) =
            (self.route.split('/').collect(), path.split('/').collect());
        route.len() == path.len()
            && route
                .iter()
                .zip(&path)
                .all(|(r, p)| r == p || (r.starts_with('{') && !p.is_empty()))
    }
}

/// Every route the router has × every kind of visitor → the exact status. The routes come
/// from the router's own list: a route without a row here fails the test.
#[tokio::test]
async fn permission_matrix() {
    let app = TestApp::spawn().await;
    // A second person to change, so no request below is about the visitor themselves.
    let (other_email, _) = app.add_staff(Role::Viewer).await;
    let other = staff::find_by_email(&app.state.db, &other_email)
        .await
        .expect("db")
        .expect("staff")
        .id;
    //  anonymous, viewer, admin, auditor, disabled, acting admin: read-only, write mode
    let cases = vec![
        case("GET", "/", [303, 200, 200, 200, 303, 200, 200]),
        case("GET", "/login", [200, 200, 200, 200, 200, 200, 200]),
        case(
            "GET",
            "/account/password",
            [303, 200, 200, 200, 303, 200, 200],
        ),
        case("GET", "/login/code", [200, 200, 200, 200, 200, 200, 200]),
        // Single sign-on is not set up here (tests/api/sso.rs has it).
        case("GET", "/login/sso/callback", [404, 404, 404, 404, 404, 404, 404]),
        case("GET", "/account/mfa", [303, 200, 200, 200, 303, 200, 200]),
        case("GET", "/staff", [303, 403, 200, 403, 303, 200, 200]),
        case("GET", "/account", [303, 200, 200, 200, 303, 200, 200]),
        case("GET", "/staff/{id}/disable", [303, 403, 200, 403, 303, 200, 200])
            .at(format!("/staff/{other}/disable")),
        case("GET", "/staff/{id}/role", [303, 403, 200, 403, 303, 200, 200])
            .at(format!("/staff/{other}/role?role=auditor")),
        case("GET", "/approvals", [303, 403, 200, 403, 303, 200, 200]),
        case("GET", "/sub-orgs", [303, 200, 200, 403, 303, 200, 200]),
        case("GET", "/sub-orgs", [303, 200, 200, 403, 303, 200, 200])
            .at("/sub-orgs?search=a&skip=20"),
        case("GET", "/sub-orgs/new", [303, 403, 200, 403, 303, 200, 200]),
        case("GET", "/sub-orgs/{id}", [303, 200, 200, 403, 303, 200, 200])
            .at(format!("/sub-orgs/{ORG}")),
        case(
            "GET",
            "/sub-orgs/{id}/users",
            [303, 200, 200, 403, 303, 200, 200],
        )
        .at(format!("/sub-orgs/{ORG}/users")),
        case("GET", "/audit", [303, 403, 200, 200, 303, 200, 200]),
        case("GET", "/audit", [303, 403, 200, 200, 303, 200, 200])
            .at("/audit?action=auth.logout&before=100"),
        case(
            "GET",
            "/audit/events/{seq}",
            [303, 403, 200, 200, 303, 200, 200],
        )
        .at("/audit/events/1"),
        case("GET", "/audit/streams", [303, 403, 200, 200, 303, 200, 200]),
        case(
            "GET",
            "/audit/impersonations/{id}",
            [303, 403, 404, 404, 303, 404, 404],
        )
        .at("/audit/impersonations/nothing"),
        case(
            "GET",
            "/audit/export.csv",
            [303, 403, 200, 200, 303, 200, 200],
        ),
        case(
            "GET",
            "/audit/export.jsonl",
            [303, 403, 200, 200, 303, 200, 200],
        ),
        case("GET", "/impersonation", [303, 403, 200, 403, 303, 200, 200]),
        case(
            "GET",
            "/impersonation/handoff",
            [303, 403, 200, 403, 303, 200, 200],
        ),
        case(
            "GET",
            "/impersonation/contacts",
            [303, 403, 200, 403, 303, 200, 200],
        ),
        case(
            "GET",
            "/impersonation/contacts/new",
            [303, 403, 200, 403, 303, 200, 200],
        ),
        case(
            "GET",
            "/impersonation/contacts/{id}",
            [303, 403, 200, 403, 303, 200, 200],
        )
        .at(format!("/impersonation/contacts/{ORG_CONTACT}")),
        case(
            "GET",
            "/impersonation/templates",
            [303, 403, 200, 403, 303, 200, 200],
        ),
        case(
            "GET",
            "/impersonation/templates/new",
            [303, 403, 200, 403, 303, 200, 200],
        ),
        case(
            "GET",
            "/impersonation/templates/{id}",
            [303, 403, 200, 403, 303, 200, 200],
        )
        .at(format!("/impersonation/templates/{ORG_TEMPLATE}")),
        case(
            "GET",
            "/impersonation/letters",
            [303, 403, 200, 403, 303, 200, 200],
        ),
        case(
            "GET",
            "/impersonation/letters/new",
            [303, 403, 200, 403, 303, 200, 200],
        ),
        case(
            "GET",
            "/impersonation/letters/{id}",
            [303, 403, 200, 403, 303, 200, 200],
        )
        .at(format!("/impersonation/letters/{ORG_LETTER}")),
        case(
            "GET",
            "/impersonation/letters/{id}/cancel",
            [303, 403, 200, 403, 303, 200, 200],
        )
        .at(format!("/impersonation/letters/{ORG_LETTER}/cancel")),
        case(
            "GET",
            "/impersonation/contacts/{id}/delete",
            [303, 403, 200, 403, 303, 200, 200],
        )
        .at(format!("/impersonation/contacts/{ORG_CONTACT}/delete")),
        case(
            "GET",
            "/impersonation/templates/{id}/delete",
            [303, 403, 200, 403, 303, 200, 200],
        )
        .at(format!("/impersonation/templates/{ORG_TEMPLATE}/delete")),
        case(
            "GET",
            "/impersonation/postcards",
            [303, 403, 200, 403, 303, 200, 200],
        ),
        case(
            "GET",
            "/impersonation/postcards/{id}",
            [303, 403, 200, 403, 303, 200, 200],
        )
        .at("/impersonation/postcards/postcard_demo0064hello"),
        case(
            "GET",
            "/sendgrid/subusers",
            [303, 200, 200, 403, 303, 200, 200],
        )
        .at("/sendgrid/subusers?search=cust&skip=20"),
        case(
            "GET",
            "/sendgrid/subusers/{name}",
            [303, 200, 200, 403, 303, 200, 200],
        )
        .at(format!("/sendgrid/subusers/{SUBUSER}")),
        case(
            "GET",
            "/sendgrid/subusers/{name}/status",
            [303, 403, 200, 403, 303, 200, 200],
        )
        .at(format!("/sendgrid/subusers/{SUBUSER}/status")),
        // Without a SendGrid impersonation these pages say so and offer to start one.
        case(
            "GET",
            "/sendgrid/acting",
            [303, 403, 200, 403, 303, 200, 200],
        ),
        case(
            "GET",
            "/sendgrid/acting/suppressions/{kind}",
            [303, 403, 200, 403, 303, 200, 200],
        )
        .at("/sendgrid/acting/suppressions/bounces"),
        case(
            "GET",
            "/sendgrid/acting/templates",
            [303, 403, 200, 403, 303, 200, 200],
        ),
        case(
            "GET",
            "/sendgrid/acting/templates/{id}",
            [303, 403, 200, 403, 303, 200, 200],
        )
        .at("/sendgrid/acting/templates/00000001-0001-4000-a000-000000000000"),
        case(
            "GET",
            "/sendgrid/acting/senders",
            [303, 403, 200, 403, 303, 200, 200],
        ),
        case(
            "POST",
            "/sendgrid/subusers/{name}/status",
            [401, 403, 400, 403, 401, 400, 400],
        )
        .at(format!("/sendgrid/subusers/{SUBUSER}/status"))
        .form(&[("disabled", "bogus")]),
        // Acting for a PostGrid sub-organization is not acting for a SendGrid sub-account.
        case(
            "POST",
            "/sendgrid/acting/suppressions/{kind}/remove",
            [401, 403, 303, 403, 401, 303, 303],
        )
        .at("/sendgrid/acting/suppressions/bounces/remove")
        .form(&[("email", "x@example.com")]),
        case(
            "POST",
            "/sendgrid/acting/templates/{id}/versions/{version}/activate",
            [401, 403, 303, 403, 401, 303, 303],
        )
        .at("/sendgrid/acting/templates/00000001-0001-4000-a000-000000000000/versions/00000001-0001-4000-8000-000000000002/activate"),
        case("GET", "/healthz", [200, 200, 200, 200, 200, 200, 200]),
        case("GET", "/readyz", [200, 200, 200, 200, 200, 200, 200]),
        case("GET", "/assets/{name}", [200, 200, 200, 200, 200, 200, 200]).at(STYLESHEET_PATH),
        case("POST", "/login", [422, 422, 422, 422, 422, 422, 422]).form(&[("email", "")]),
        case("POST", "/logout", [401, 303, 303, 303, 401, 303, 303]),
        // Without a password checked first, there is no code to check.
        case("POST", "/login/code", [303, 303, 303, 303, 303, 303, 303]).form(&[("code", "1")]),
        case("POST", "/account/mfa", [401, 303, 303, 303, 401, 303, 303]).form(&[("code", "1")]),
        case("POST", "/login/sso", [404, 404, 404, 404, 404, 404, 404]),
        // Not a session of theirs: nothing to end.
        case(
            "POST",
            "/account/sessions/{handle}/end",
            [401, 303, 303, 303, 401, 303, 303],
        )
        .at("/account/sessions/0000/end"),
        case(
            "POST",
            "/staff/{id}/enable",
            [401, 403, 303, 403, 401, 303, 303],
        )
        .at(format!("/staff/{other}/enable")),
        case(
            "POST",
            "/staff/{id}/unlock",
            [401, 403, 303, 403, 401, 303, 303],
        )
        .at(format!("/staff/{other}/unlock")),
        case("POST", "/account/mfa/start", [401, 303, 303, 303, 401, 303, 303]),
        case("POST", "/account/time-zone", [401, 303, 303, 303, 401, 303, 303])
            .form(&[("time_zone", "Europe/Berlin")]),
        case(
            "POST",
            "/staff/{id}/mfa/reset",
            [401, 403, 303, 403, 401, 303, 303],
        )
        .at(format!("/staff/{other}/mfa/reset")),
        case(
            "POST",
            "/account/password",
            [401, 422, 422, 422, 401, 422, 422],
        )
        .form(&[("current_password", "x")]),
        case("POST", "/staff", [401, 403, 422, 403, 401, 422, 422]).form(&[("email", "")]),
        case(
            "POST",
            "/staff/{id}/role",
            [401, 403, 409, 403, 401, 409, 409],
        )
        .at(format!("/staff/{other}/role"))
        .form(&[("role", "bogus")]),
        case(
            "POST",
            "/staff/{id}/password",
            [401, 403, 422, 403, 401, 422, 422],
        )
        .at(format!("/staff/{other}/password"))
        .form(&[("password", "short")]),
        case(
            "POST",
            "/staff/{id}/disable",
            [401, 403, 303, 403, 401, 303, 303],
        )
        .at(format!("/staff/{other}/disable")),
        case(
            "POST",
            "/approvals/{id}/grant",
            [401, 403, 409, 403, 401, 409, 409],
        )
        .at("/approvals/00000000-0000-4000-8000-000000000000/grant"),
        case(
            "POST",
            "/approvals/{id}/deny",
            [401, 403, 409, 403, 401, 409, 409],
        )
        .at("/approvals/not-an-id/deny"),
        case("POST", "/sub-orgs/new", [401, 403, 422, 403, 401, 422, 422])
            .form(&[("organization_name", "")]),
        case("POST", "/audit/verify", [401, 403, 303, 303, 401, 303, 303]),
        case(
            "POST",
            "/impersonation/start",
            [401, 403, 422, 403, 401, 409, 409],
        )
        .form(&[("sub_org_id", ORG), ("reason", "short")]),
        case(
            "POST",
            "/impersonation/stop",
            [401, 403, 303, 403, 401, 303, 303],
        ),
        case(
            "POST",
            "/impersonation/mode",
            [401, 403, 303, 403, 401, 422, 422],
        )
        .form(&[("why", "short")]),
        case(
            "POST",
            "/impersonation/handoff",
            [401, 403, 422, 403, 401, 422, 422],
        )
        .form(&[("email", "")]),
        case(
            "POST",
            "/impersonation/contacts/new",
            [401, 403, 303, 403, 401, 403, 422],
        ),
        case(
            "POST",
            "/impersonation/templates/new",
            [401, 403, 303, 403, 401, 403, 422],
        ),
        case(
            "POST",
            "/impersonation/templates/{id}",
            [401, 403, 303, 403, 401, 403, 422],
        )
        .at(format!("/impersonation/templates/{ORG_TEMPLATE}")),
        case(
            "POST",
            "/impersonation/letters/new",
            [401, 403, 303, 403, 401, 403, 422],
        ),
        // A note is required: the writer's empty form is refused before anything is sent.
        case(
            "POST",
            "/impersonation/letters/{id}/cancel",
            [401, 403, 303, 403, 401, 403, 422],
        )
        .at(format!("/impersonation/letters/{ORG_LETTER}/cancel")),
        // Ids PostGrid does not know: the writer's delete reaches PostGrid and is not found.
        case(
            "POST",
            "/impersonation/contacts/{id}/delete",
            [401, 403, 303, 403, 401, 403, 404],
        )
        .at("/impersonation/contacts/contact_gone/delete"),
        case(
            "POST",
            "/impersonation/templates/{id}/delete",
            [401, 403, 303, 403, 401, 403, 404],
        )
        .at("/impersonation/templates/template_gone/delete"),
    ];

    let routes: BTreeSet<(String, String)> = suborg_portal::http::routes()
        .into_iter()
        .map(|(method, route)| (method.to_string(), route))
        .collect();
    let covered: BTreeSet<(String, String)> = cases
        .iter()
        .map(|c| (c.method.to_owned(), c.route.to_owned()))
        .collect();
    assert_eq!(
        routes.difference(&covered).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "routes of the router without a row in the matrix"
    );
    assert_eq!(
        covered.difference(&routes).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "rows for routes the router does not have"
    );

    for c in &cases {
        assert!(
            c.path_fits_route(),
            "{} is not a path of {}",
            c.path,
            c.route
        );
    }
    let mut wrong = Vec::new();
    for c in &cases {
        for (who, want) in PEOPLE.iter().zip(c.expected) {
            let mut browser = browser_for(&app, *who).await;
            let res = match c.method {
                "GET" => browser.get(&c.path).await,
                _ => browser.post(&c.path, &c.form).await,
            };
            let got = res.status().as_u16();
            if got != want {
                wrong.push(format!(
                    "{} {} as {who:?}: {got}, not {want}",
                    c.method, c.path
                ));
            }
            let signed_out = matches!(who, Who::Anonymous | Who::Disabled);
            if got == 303 && c.method == "GET" && signed_out {
                assert!(
                    location(&res).starts_with("/login"),
                    "{} as {who:?}",
                    c.path
                );
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let denied = app.audit_events().await;
    assert!(
        denied.iter().any(|e| e["outcome"] == "denied"
            && e["action"] == "access.denied"
            && e["detail"]["path"] == "/staff"
            && e["detail"]["permission"] == "manage_staff"
            && e["actor_role"] == "viewer"),
        "a viewer's refused visit to /staff is recorded as a refused page"
    );
    assert!(denied.iter().any(|e| e["outcome"] == "denied"
        && e["action"] == "access.denied"
        && e["detail"]["path"] == "/audit"
        && e["actor_role"] == "viewer"));
    assert!(
        !denied.iter().any(|e| e["outcome"] == "denied"
            && e["action"] == "staff.updated"
            && e["detail"]["method"] == "GET"),
        "a refused page is not a refused change"
    );
    assert!(
        denied.iter().any(|e| e["outcome"] == "denied"
            && e["action"] == "staff.disabled"
            && e["actor_role"] == "viewer"),
        "a refused change is recorded as the change it would have been"
    );
}

#[tokio::test]
async fn signing_in_and_out_and_a_copied_cookie_stops_working() {
    let app = TestApp::spawn().await;
    let (email, password) = app.add_staff(Role::Viewer).await;
    let mut browser = app.browser();
    let res = browser.sign_in(&email, &password).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/");
    let cookie = browser.cookie.clone().expect("a session cookie");
    let home = browser.get("/").await.text().await.expect("body");
    assert!(home.contains("Viewer"), "the header shows the role");
    assert_eq!(app.events_of("auth.login.succeeded").await.len(), 1);

    let out = browser.post("/logout", &[]).await;
    assert_eq!(out.status(), 303);
    let mut thief = app.browser();
    thief.cookie = Some(cookie);
    let res = thief.get("/").await;
    assert_eq!(res.status(), 303, "the old cookie signs in nobody");
    assert_eq!(app.events_of("auth.logout").await.len(), 1);
}

#[tokio::test]
async fn the_session_id_changes_at_sign_in() {
    let app = TestApp::spawn().await;
    let (email, password) = app.add_staff(Role::Admin).await;
    let mut browser = app.browser();
    browser.sign_in(&email, &password).await;
    let first = browser.cookie.clone().expect("cookie");
    // Signing in again over an existing session must not keep its id (no fixation).
    browser.sign_in(&email, &password).await;
    let second = browser.cookie.clone().expect("cookie");
    assert_ne!(first, second);
    let mut old = app.browser();
    old.cookie = Some(first);
    assert_eq!(old.get("/").await.status(), 303, "the replaced id is dead");
}

#[tokio::test]
async fn a_cookie_has_the_safe_attributes() {
    let app = TestApp::spawn().await;
    let (email, password) = app.add_staff(Role::Viewer).await;
    let res = app.browser().sign_in(&email, &password).await;
    let cookie = res
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(cookie.starts_with("suborg_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
}

#[tokio::test]
async fn idle_and_absolute_timeouts_end_the_session() {
    let app = TestApp::spawn_with(&[("PORTAL_SESSION_MAX_HOURS", "1")]).await;
    let mut browser = app.signed_in(Role::Viewer).await;
    app.clock.advance(time::Duration::minutes(31));
    let res = browser.get("/").await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/login?ended=idle");

    let mut browser = app.signed_in(Role::Viewer).await;
    for _ in 0..2 {
        app.clock.advance(time::Duration::minutes(25));
        assert_eq!(
            browser.get("/").await.status(),
            200,
            "activity keeps it alive"
        );
    }
    app.clock.advance(time::Duration::minutes(25));
    let res = browser.get("/").await;
    assert_eq!(location(&res), "/login?ended=expired", "one hour at most");
}

#[tokio::test]
async fn five_failures_lock_the_account_for_fifteen_minutes() {
    let app = TestApp::spawn().await;
    let (email, password) = app.add_staff(Role::Admin).await;
    let mut browser = app.browser();
    for _ in 0..5 {
        let res = browser.sign_in(&email, "not the password at all").await;
        assert_eq!(res.status(), 401);
    }
    let res = browser.sign_in(&email, &password).await;
    assert_eq!(res.status(), 401, "locked: even the right password fails");
    assert_eq!(app.events_of("auth.locked").await.len(), 1);
    assert_eq!(app.events_of("auth.login.failed").await.len(), 6);

    app.clock.advance(time::Duration::minutes(16));
    let res = browser.sign_in(&email, &password).await;
    assert_eq!(res.status(), 303, "the lock expires");
}

#[tokio::test]
async fn a_failed_sign_in_keeps_the_email_and_does_not_say_whether_it_exists() {
    let app = TestApp::spawn().await;
    let (email, _) = app.add_staff(Role::Admin).await;
    let known = app
        .browser()
        .sign_in(&email, "wrong password here")
        .await
        .text()
        .await
        .expect("body");
    let unknown = app
        .browser()
        .sign_in("nobody@staff.example", "wrong password here")
        .await
        .text()
        .await
        .expect("body");
    let message = suborg_portal::forms::login::FAILED;
    assert!(known.contains(message) && unknown.contains(message));
    assert!(
        known.contains(&format!("value=\"{email}\"")),
        "the email typed is kept"
    );
    assert!(unknown.contains("value=\"nobody@staff.example\""));
    assert!(
        !known.contains("wrong password here"),
        "the password is never shown again"
    );
}

#[tokio::test]
async fn next_only_leads_within_the_portal() {
    let app = TestApp::spawn().await;
    let (email, password) = app.add_staff(Role::Viewer).await;
    for (next, expected) in [
        ("/account/password", "/account/password"),
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
    ] {
        let res = app
            .browser()
            .post(
                "/login",
                &[("email", &email), ("password", &password), ("next", next)],
            )
            .await;
        assert_eq!(location(&res), expected, "next={next}");
    }
    let res = app.get("/staff?x=1").await;
    assert_eq!(location(&res), "/login?next=%2Fstaff%3Fx%3D1");
}

#[tokio::test]
async fn cross_origin_and_origin_less_posts_are_refused_and_recorded() {
    let app = TestApp::spawn().await;
    let (email, password) = app.add_staff(Role::Viewer).await;
    let url = format!("{}/login", app.address);
    let form = [("email", email.as_str()), ("password", password.as_str())];
    let attempts = [
        app.client
            .post(&url)
            .header("origin", "https://evil.example")
            .form(&form),
        app.client.post(&url).form(&form),
        app.client
            .post(&url)
            .header("sec-fetch-site", "cross-site")
            .form(&form),
        app.client
            .post(&url)
            .header("origin", &app.address)
            .header("referer", "https://evil.example/page")
            .form(&form),
    ];
    for attempt in attempts {
        let res = attempt.send().await.expect("sent");
        assert_eq!(res.status(), 403);
        assert!(
            res.headers().get("set-cookie").is_none(),
            "nobody was signed in"
        );
    }
    // One address, one minute: the first refusal is an event, the repeats are counted.
    let recorded = app.events_of("security.origin_rejected").await;
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert_eq!(recorded[0]["detail"]["origin"], "https://evil.example");
    assert_eq!(recorded[0]["client_ip"], "127.0.0.1");
    // The minute's repeats are recorded with their count once it is over.
    app.clock.advance(time::Duration::seconds(61));
    let next_minute = app
        .client
        .post(&url)
        .form(&form)
        .send()
        .await
        .expect("sent");
    assert_eq!(next_minute.status(), 403);
    app.state.audit.flush().await.expect("flushed");
    let recorded = app.events_of("security.origin_rejected").await;
    assert_eq!(recorded.len(), 3, "{recorded:?}");
    assert_eq!(recorded[1]["detail"]["repeats"], 3);
    assert_eq!(recorded[1]["client_ip"], "127.0.0.1");
    let same_site = app
        .client
        .post(&url)
        .header("sec-fetch-site", "same-origin")
        .form(&form)
        .send()
        .await
        .expect("sent");
    assert_eq!(same_site.status(), 303);
}

#[tokio::test]
async fn admins_manage_staff_within_the_rules() {
    let app = TestApp::spawn().await;
    let (admin_email, admin_password) = app.add_staff(Role::Admin).await;
    let mut admin = app.browser();
    admin.sign_in(&admin_email, &admin_password).await;
    let me = staff::find_by_email(&app.state.db, &admin_email)
        .await
        .expect("db")
        .expect("me")
        .id;

    // Add someone; bad values come back beside their fields with what was typed.
    let res = admin
        .post(
            "/staff",
            &[
                ("name", "Nia Newcomer"),
                ("email", "nia@@bad"),
                ("role", "viewer"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.expect("body");
    assert!(page.contains("value=\"Nia Newcomer\""));
    assert!(page.contains("Enter an email address"));
    assert!(page.contains("at least 12 characters"));
    let res = admin
        .post(
            "/staff",
            &[
                ("name", "Nia Newcomer"),
                ("email", "nia@staff.example"),
                ("role", "viewer"),
                ("password", "a fine long passphrase"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let nia = staff::find_by_email(&app.state.db, "NIA@staff.example")
        .await
        .expect("db")
        .expect("case-insensitive");
    let dup = admin
        .post(
            "/staff",
            &[
                ("name", "Dup"),
                ("email", "Nia@Staff.Example"),
                ("role", "viewer"),
                ("password", "a fine long passphrase"),
            ],
        )
        .await;
    assert_eq!(dup.status(), 409);

    // Nobody can disable or demote themselves, and the last admin stays.
    assert_eq!(
        admin
            .post(&format!("/staff/{me}/disable"), &[])
            .await
            .status(),
        409
    );
    assert_eq!(
        admin
            .post(&format!("/staff/{me}/role"), &[("role", "viewer")])
            .await
            .status(),
        409
    );

    // Demoting or disabling someone ends their sessions at once.
    let mut nia_browser = app.browser();
    nia_browser
        .sign_in("nia@staff.example", "a fine long passphrase")
        .await;
    assert_eq!(nia_browser.get("/").await.status(), 200);
    assert_eq!(
        admin
            .post(&format!("/staff/{}/role", nia.id), &[("role", "auditor")])
            .await
            .status(),
        303
    );
    assert_eq!(
        nia_browser.get("/").await.status(),
        303,
        "role change ends the session"
    );
    nia_browser
        .sign_in("nia@staff.example", "a fine long passphrase")
        .await;
    assert_eq!(
        admin
            .post(&format!("/staff/{}/disable", nia.id), &[])
            .await
            .status(),
        303
    );
    assert_eq!(
        nia_browser.get("/").await.status(),
        303,
        "disable ends the session"
    );
    let res = nia_browser
        .sign_in("nia@staff.example", "a fine long passphrase")
        .await;
    assert_eq!(res.status(), 401, "a disabled person cannot sign in");

    assert_eq!(app.events_of("staff.created").await.len(), 1);
    assert_eq!(
        app.events_of("staff.disabled")
            .await
            .iter()
            .filter(|e| e["outcome"] == "ok")
            .count(),
        1
    );
    assert!(app
        .events_of("staff.updated")
        .await
        .iter()
        .any(|e| e["outcome"] == "denied"));
}

#[tokio::test]
async fn changing_your_password_ends_your_other_sessions() {
    let app = TestApp::spawn().await;
    let (email, password) = app.add_staff(Role::Auditor).await;
    let mut here = app.browser();
    here.sign_in(&email, &password).await;
    let mut elsewhere = app.browser();
    elsewhere.sign_in(&email, &password).await;

    let wrong = here
        .post(
            "/account/password",
            &[
                ("current_password", "nope"),
                ("new_password", "a brand new passphrase"),
                ("confirm_password", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(wrong.status(), 422);
    let res = here
        .post(
            "/account/password",
            &[
                ("current_password", &password),
                ("new_password", "a brand new passphrase"),
                ("confirm_password", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(here.get("/").await.status(), 200, "this session continues");
    assert_eq!(
        elsewhere.get("/").await.status(),
        303,
        "the other one ended"
    );
    assert_eq!(
        app.browser()
            .sign_in(&email, "a brand new passphrase")
            .await
            .status(),
        303
    );
    assert_eq!(
        app.events_of("auth.password_changed")
            .await
            .iter()
            .filter(|e| e["outcome"] == "ok")
            .count(),
        1
    );
}
