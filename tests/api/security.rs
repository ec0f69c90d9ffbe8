//! The holes an attacker's review found (issue 13), each kept closed by a test: hostile text
//! in raw-text elements, the origin-refusal flood, the sign-in throttle behind proxies and
//! across accounts, impersonations that outlive their sessions, races on "already acting" and
//! on the last admin, `next=`, the password page's guesses, session rotation, HSTS, free-text
//! limits and upper-case hashes.

use suborg_portal::auth::{staff, Role};
use suborg_portal::db::Engine;
use suborg_portal::domain::StaffId;
use suborg_portal::postgrid::sim::Fault;

use crate::helpers::{
    cookie_from, execute, location, token_in, Fields, TestApp, IMPERSONATION_REASON, ORG,
    ORG_CONTACT, ORG_LETTER, ORG_TEMPLATE,
};

const OTHER_ORG: &str = "sub_org_demo0063";

/// Markup that would take the page over if any raw-text element printed it as it is.
const HOSTILE: &str = "</textarea></form><form method=\"post\" action=\"/staff\">\
<input type=\"hidden\" name=\"role\" value=\"admin\"><button>Save template</button>\
<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example/\"> \"double\" 'single' & &amp; done";

async fn text(res: reqwest::Response) -> String {
    res.text().await.expect("body")
}

fn unescape(html: &str) -> String {
    html.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// The text held by the text area named `name`, as a browser would read it.
fn text_area(html: &str, name: &str) -> String {
    let open = html
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("a text area named {name} in {html}"));
    let start = open + html[open..].find('>').expect("end of the tag") + 1;
    let end = start + html[start..].find("</textarea>").expect("closing tag");
    // HTML drops one newline right after the start tag.
    let raw = &html[start..end];
    unescape(raw.strip_prefix('\n').unwrap_or(raw))
}

/// How many of each element that would change what the page does it has.
fn active_markup(html: &str) -> (usize, usize, usize) {
    let lower = html.to_ascii_lowercase();
    (
        lower.matches("<form").count(),
        lower.matches("<meta").count(),
        lower.matches("<input").count(),
    )
}

#[tokio::test]
async fn every_text_area_holds_hostile_text_exactly_and_the_page_keeps_its_forms() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in(Role::Admin).await;

    // Typed input shown again: the impersonation reason on the sub-org page (a refused start).
    let page = format!("/sub-orgs/{ORG}");
    let benign = active_markup(&text(admin.get(&page).await).await);
    let res = admin
        .post(
            "/impersonation/start",
            &[("sub_org_id", ORG), ("reason", HOSTILE), ("minutes", "0")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = text(res).await;
    assert_eq!(text_area(&html, "reason"), HOSTILE);
    assert_eq!(
        active_markup(&html),
        benign,
        "the page has the forms it should"
    );

    // The write-mode reason on the acting page (refused: too long).
    assert_eq!(admin.start_impersonation(ORG).await.status(), 303);
    let benign = active_markup(&text(admin.get("/impersonation").await).await);
    let too_long = format!("{HOSTILE}{}", "x".repeat(1_000));
    let res = admin
        .post("/impersonation/mode", &[("why", too_long.as_str())])
        .await;
    assert_eq!(res.status(), 422);
    let html = text(res).await;
    assert_eq!(text_area(&html, "why"), too_long);
    assert_eq!(active_markup(&html), benign);

    // PostGrid's data: a template whose HTML is the attack, in the editor of write mode,
    // beside the same editor for a harmless template.
    assert_eq!(admin.switch_to_write_mode().await.status(), 303);
    let mut editors = Vec::new();
    // The harmless one starts with a newline, which HTML would drop if the portal did not
    // write one of its own first.
    let harmless = "\n<p>Hello {{to.firstName}}</p>";
    for html in [harmless, HOSTILE] {
        let form = text(admin.get("/impersonation/templates/new").await).await;
        let token = token_in(&form);
        let res = admin
            .post(
                "/impersonation/templates/new",
                &[
                    ("token", token.as_str()),
                    ("description", "Welcome"),
                    ("html", html),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        let created = location(&res);
        let editor = created.split('?').next().unwrap_or_default();
        editors.push(editor.to_owned());
    }
    let first = text(admin.get(&editors[0]).await).await;
    assert_eq!(text_area(&first, "html"), harmless);
    let benign = active_markup(&first);
    let editor = editors[1].clone();
    let html = text(admin.get(&editor).await).await;
    assert_eq!(
        text_area(&html, "html"),
        HOSTILE,
        "PostGrid's HTML, exactly"
    );
    assert_eq!(
        active_markup(&html),
        benign,
        "the editor has its own forms only"
    );
    assert!(!html.contains("<form method=\"post\" action=\"/staff\""));

    // Typed input on the editor and on the new-template page (refused: no description).
    for path in [editor.as_str(), "/impersonation/templates/new"] {
        let res = admin
            .post(path, &[("description", ""), ("html", HOSTILE)])
            .await;
        assert_eq!(res.status(), 422, "{path}");
        let html = text(res).await;
        assert_eq!(text_area(&html, "html"), HOSTILE, "{path}");
        assert!(
            !html.contains("<form method=\"post\" action=\"/staff\""),
            "{path}"
        );
    }

    // PostGrid's metadata, a value that is the attack, in the editor's metadata text area.
    let stored = "note: </textarea><form method=\"post\" action=\"/staff\"><textarea>";
    let form = text(admin.get("/impersonation/templates/new").await).await;
    let token = token_in(&form);
    let res = admin
        .post(
            "/impersonation/templates/new",
            &[
                ("token", token.as_str()),
                ("description", "Metadata"),
                ("html", "<p>x</p>"),
                ("metadata", stored),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let created = location(&res);
    let editor_page = created.split('?').next().unwrap_or_default();
    let html = text(admin.get(editor_page).await).await;
    assert_eq!(
        text_area(&html, "metadata"),
        stored,
        "PostGrid's metadata, exactly"
    );
    assert!(!html.contains("<form method=\"post\" action=\"/staff\""));

    // The metadata of each create form, the letter's HTML and the cancellation note, each
    // refused (metadata that is not `key: value` lines, HTML beside a template, a note too
    // long), come back exactly as typed.
    let letter_cancel = format!("/impersonation/letters/{ORG_LETTER}/cancel");
    let too_long = format!("{HOSTILE}{}", "x".repeat(1_000));
    let refusals: [(&str, Fields, &str, &str); 5] = [
        (
            "/impersonation/contacts/new",
            vec![("first_name", "Ann")],
            "metadata",
            HOSTILE,
        ),
        (
            "/impersonation/templates/new",
            vec![("description", "Welcome")],
            "metadata",
            HOSTILE,
        ),
        (
            "/impersonation/letters/new",
            vec![("to", ORG_CONTACT)],
            "metadata",
            HOSTILE,
        ),
        (
            "/impersonation/letters/new",
            vec![("to", ORG_CONTACT), ("template", ORG_TEMPLATE)],
            "html",
            HOSTILE,
        ),
        (&letter_cancel, vec![], "note", &too_long),
    ];
    for (path, mut fields, area, typed) in refusals {
        let form = text(admin.get(path).await).await;
        let token = form.contains("name=\"token\"").then(|| token_in(&form));
        if let Some(token) = &token {
            fields.push(("token", token));
        }
        fields.push((area, typed));
        let res = admin.post(path, &fields).await;
        assert_eq!(res.status(), 422, "{path} {area}");
        let html = text(res).await;
        assert_eq!(text_area(&html, area), typed, "{path} {area}");
        assert_eq!(
            active_markup(&html).0,
            active_markup(&form).0,
            "{path} {area} keeps its forms"
        );
    }
}

#[tokio::test]
async fn a_burst_of_refused_posts_from_one_address_adds_one_event_with_short_fields() {
    let app = TestApp::spawn().await;
    let long = format!("https://{}.example", "e".repeat(5_000));
    let url = format!("{}/login", app.address);
    let sends = (0..3_000).map(|_| {
        app.client
            .post(&url)
            .header("origin", &long)
            .header("referer", format!("{long}/page"))
            .header("user-agent", "u".repeat(5_000))
            .form(&[("email", "a@b.example")])
            .send()
    });
    let mut statuses = Vec::new();
    for chunk in sends.collect::<Vec<_>>().chunks_mut(100) {
        for res in futures_util::future::join_all(chunk.iter_mut()).await {
            statuses.push(res.expect("sent").status().as_u16());
        }
    }
    assert!(statuses.iter().all(|s| *s == 403));
    let events = app.events_of("security.origin_rejected").await;
    assert_eq!(events.len(), 1, "one event for the minute");
    let detail = &events[0]["detail"];
    assert_eq!(
        detail["origin"].as_str().map(|s| s.chars().count()),
        Some(200)
    );
    assert_eq!(
        detail["referer"].as_str().map(|s| s.chars().count()),
        Some(200)
    );
    assert_eq!(
        events[0]["user_agent"].as_str().map(|s| s.chars().count()),
        Some(256)
    );
    // The repeats are recorded as one count when the minute is over.
    app.clock.advance(time::Duration::minutes(1));
    let res = app
        .client
        .post(&url)
        .form(&[("x", "y")])
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 403);
    app.state.audit.flush().await.expect("flushed");
    let events = app.events_of("security.origin_rejected").await;
    assert_eq!(events.len(), 3);
    assert_eq!(events[1]["detail"]["repeats"], 2_999);
}

/// A sign-in attempt arriving through the load balancer at 127.0.0.1 for `client`.
async fn sign_in_from(app: &TestApp, client: &str, email: &str, password: &str) -> u16 {
    app.client
        .post(format!("{}/login", app.address))
        .header("origin", &app.address)
        .header("x-forwarded-for", format!("{client}, 127.0.0.1"))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .expect("sent")
        .status()
        .as_u16()
}

const BALANCER: (&str, &str) = ("PORTAL_TRUSTED_PROXIES", "127.0.0.0/8");

#[tokio::test]
async fn behind_a_trusted_proxy_one_persons_failures_slow_only_that_person() {
    let app = TestApp::spawn_with(&[BALANCER]).await;
    let (email, password) = app.add_staff(Role::Viewer).await;
    for n in 0..10 {
        let status =
            sign_in_from(&app, "203.0.113.9", &format!("guess{n}@x.example"), "wrong").await;
        assert_eq!(status, 401);
    }
    assert_eq!(
        sign_in_from(&app, "203.0.113.9", &email, &password).await,
        429
    );
    assert_eq!(
        sign_in_from(&app, "198.51.100.7", &email, &password).await,
        303,
        "another person behind the same balancer signs in"
    );
    let failures = app.events_of("auth.login.failed").await;
    assert!(failures.iter().all(|e| e["client_ip"] == "203.0.113.9"));
    let success = app.events_of("auth.login.succeeded").await;
    assert_eq!(success[0]["client_ip"], "198.51.100.7");

    // The throttle is in the database: a second portal process on it refuses the address too.
    let second = TestApp::spawn_with(&[BALANCER, ("DATABASE_URL", &app.db_url)]).await;
    assert_eq!(
        sign_in_from(&second, "203.0.113.9", &email, &password).await,
        429
    );
    assert_eq!(
        sign_in_from(&second, "198.51.100.8", &email, &password).await,
        303
    );
}

#[tokio::test]
async fn parallel_guesses_count_in_full_before_any_password_is_checked() {
    let app = TestApp::spawn_with(&[BALANCER]).await;
    let (email, password) = app.add_staff(Role::Viewer).await;
    // Thirty guesses at once at one account, each from an address of its own: the lockout
    // lets at most five be checked.
    let guesses = (0..30).map(|n| {
        let email = email.clone();
        let app = &app;
        async move { sign_in_from(app, &format!("203.0.113.{}", n + 1), &email, "guess").await }
    });
    let statuses = futures_util::future::join_all(guesses).await;
    assert!(statuses.iter().all(|s| *s == 401), "{statuses:?}");
    let checked = app
        .events_of("auth.login.failed")
        .await
        .iter()
        .filter(|e| e["detail"]["reason"] == "wrong_password")
        .count();
    assert!(checked <= 5, "{checked} guesses were checked");
    assert_eq!(
        sign_in_from(&app, "198.51.100.9", &email, &password).await,
        401,
        "locked"
    );
    // Thirty at once from one address: at most ten are let through to be checked.
    let guesses = (0..30).map(|n| {
        let app = &app;
        async move { sign_in_from(app, "203.0.113.200", &format!("g{n}@x.example"), "guess").await }
    });
    let statuses = futures_util::future::join_all(guesses).await;
    let through = statuses.iter().filter(|s| **s == 401).count();
    assert!(through <= 10, "{through} of {statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 30 - through);
}

#[tokio::test]
async fn without_trusted_proxies_a_forwarded_address_is_not_believed() {
    let app = TestApp::spawn().await;
    for n in 0..10 {
        let status = sign_in_from(&app, &format!("203.0.113.{n}"), "a@x.example", "wrong").await;
        assert_eq!(status, 401);
    }
    assert_eq!(
        sign_in_from(&app, "198.51.100.7", "a@x.example", "wrong").await,
        429,
        "every attempt came from 127.0.0.1, whatever the header said"
    );
    let failures = app.events_of("auth.login.failed").await;
    assert!(failures.iter().all(|e| e["client_ip"] == "127.0.0.1"));
}

#[tokio::test]
async fn a_success_forgives_only_the_failures_against_that_same_account() {
    let app = TestApp::spawn_with(&[BALANCER]).await;
    let (mine, my_password) = app.add_staff(Role::Viewer).await;
    let (victim, _) = app.add_staff(Role::Viewer).await;
    let attacker = "203.0.113.50";
    for _ in 0..9 {
        assert_eq!(sign_in_from(&app, attacker, &victim, "guess").await, 401);
    }
    assert_eq!(sign_in_from(&app, attacker, &mine, &my_password).await, 303);
    assert_eq!(sign_in_from(&app, attacker, &victim, "guess").await, 401);
    assert_eq!(
        sign_in_from(&app, attacker, &victim, "guess").await,
        429,
        "the address's budget was not reset by the attacker's own sign-in"
    );

    // Failures against one's own account are forgiven by signing in to it.
    let typo = "203.0.113.51";
    for _ in 0..4 {
        assert_eq!(sign_in_from(&app, typo, &mine, "typo").await, 401);
    }
    assert_eq!(sign_in_from(&app, typo, &mine, &my_password).await, 303);
    for _ in 0..9 {
        assert_eq!(sign_in_from(&app, typo, &victim, "guess").await, 401);
    }
    assert_eq!(sign_in_from(&app, typo, &mine, &my_password).await, 303);
}

async fn end_reasons(app: &TestApp) -> Vec<String> {
    app.events_of("impersonation.ended")
        .await
        .iter()
        .map(|e| {
            e["detail"]["end_reason"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn an_impersonation_ends_when_its_session_idles_out() {
    let app = TestApp::spawn_with(&[("PORTAL_SESSION_IDLE_MINUTES", "5")]).await;
    let mut admin = app.signed_in(Role::Admin).await;
    assert_eq!(admin.start_impersonation(ORG).await.status(), 303);
    app.clock.advance(time::Duration::minutes(6));
    let res = admin.get("/sub-orgs").await;
    assert_eq!(location(&res), "/login?next=%2Fsub-orgs&ended=idle");
    assert_eq!(app.open_impersonations().await, 0);
    assert_eq!(end_reasons(&app).await, ["idle"]);
}

#[tokio::test]
async fn an_impersonation_ends_when_its_session_reaches_its_absolute_limit() {
    let app = TestApp::spawn_with(&[
        ("PORTAL_SESSION_MAX_HOURS", "1"),
        ("PORTAL_IMPERSONATION_MAX_MINUTES", "120"),
    ])
    .await;
    let mut admin = app.signed_in(Role::Admin).await;
    app.clock.advance(time::Duration::minutes(25));
    assert_eq!(admin.get("/").await.status(), 200);
    app.clock.advance(time::Duration::minutes(25));
    assert_eq!(admin.start_impersonation(ORG).await.status(), 303);
    app.clock.advance(time::Duration::minutes(11));
    let res = admin.get("/impersonation").await;
    assert!(
        location(&res).ends_with("ended=expired"),
        "{}",
        location(&res)
    );
    assert_eq!(app.open_impersonations().await, 0);
    assert_eq!(end_reasons(&app).await, ["expired"]);
}

#[tokio::test]
async fn an_impersonation_ends_at_once_when_an_admin_resets_the_persons_password() {
    let app = TestApp::spawn().await;
    let (email, password) = app.add_staff(Role::Admin).await;
    let mut acting = app.browser();
    acting.sign_in(&email, &password).await;
    assert_eq!(acting.start_impersonation(ORG).await.status(), 303);
    let target = staff_id(&app, &email).await;
    let mut other_admin = app.signed_in(Role::Admin).await;
    let res = other_admin
        .post(
            &format!("/staff/{target}/password"),
            &[("password", "a brand new passphrase")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        app.open_impersonations().await,
        0,
        "ended before the person is back"
    );
    assert_eq!(end_reasons(&app).await, ["revoked"]);
}

#[tokio::test]
async fn an_impersonation_whose_session_vanished_is_closed_by_the_sweep_and_by_the_next_start() {
    let app = TestApp::spawn().await;
    let (email, password) = app.add_staff(Role::Admin).await;
    let mut first = app.browser();
    first.sign_in(&email, &password).await;
    assert_eq!(first.start_impersonation(ORG).await.status(), 303);
    let sessions = match app.state.db.engine() {
        Engine::Sqlite => "delete from tower_sessions",
        Engine::Postgres => "delete from sessions",
    };
    execute(&app.state.db, sessions)
        .await
        .expect("sessions gone");

    // Before it idles out, the person can end it from a new session and start again.
    let mut second = app.browser();
    second.sign_in(&email, &password).await;
    let refused = second.start_impersonation(OTHER_ORG).await;
    assert_eq!(refused.status(), 409);
    assert!(text(refused)
        .await
        .contains("Stop acting for the other one"));
    let res = second.post("/impersonation/stop", &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(app.open_impersonations().await, 0);
    assert_eq!(second.start_impersonation(OTHER_ORG).await.status(), 303);

    // Once idle, the next start closes it by itself …
    execute(&app.state.db, sessions)
        .await
        .expect("sessions gone");
    app.clock.advance(time::Duration::minutes(16));
    let mut third = app.browser();
    third.sign_in(&email, &password).await;
    assert_eq!(third.start_impersonation(ORG).await.status(), 303);
    assert_eq!(app.open_impersonations().await, 1);

    // … and the periodic sweep closes it if nobody looks.
    execute(&app.state.db, sessions)
        .await
        .expect("sessions gone");
    app.clock.advance(time::Duration::minutes(16));
    let swept = suborg_portal::impersonation::sweep(
        &app.state.db,
        &app.state.audit,
        app.state.clock.now(),
        app.state.session_policy.idle,
        None,
    )
    .await
    .expect("swept");
    // The periodic sweep of this portal may have been first; either way it is closed.
    assert!(swept <= 1);
    assert_eq!(app.open_impersonations().await, 0);
    assert_eq!(end_reasons(&app).await, ["stopped", "idle", "idle"]);
}

#[tokio::test]
async fn one_person_acts_for_one_sub_org_at_a_time_across_sessions() {
    let app = TestApp::spawn().await;
    let (email, password) = app.add_staff(Role::Admin).await;
    let mut here = app.browser();
    here.sign_in(&email, &password).await;
    let mut there = app.browser();
    there.sign_in(&email, &password).await;
    assert_eq!(here.start_impersonation(ORG).await.status(), 303);
    assert_eq!(there.start_impersonation(OTHER_ORG).await.status(), 409);
    let denied = app.events_of("impersonation.denied").await;
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0]["detail"]["refusal"], "already_impersonating");
    assert_eq!(denied[0]["sub_org_id"], OTHER_ORG);
    here.post("/impersonation/stop", &[]).await;

    // Two starts at the same moment from two sessions: exactly one acts.
    for _ in 0..5 {
        let (a, b) = tokio::join!(
            here.start_impersonation(ORG),
            there.start_impersonation(OTHER_ORG)
        );
        let mut statuses = [a.status().as_u16(), b.status().as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [303, 409]);
        assert_eq!(app.open_impersonations().await, 1);
        here.post("/impersonation/stop", &[]).await;
        there.post("/impersonation/stop", &[]).await;
        assert_eq!(app.open_impersonations().await, 0);
    }
}

async fn staff_id(app: &TestApp, email: &str) -> StaffId {
    staff::find_by_email(&app.state.db, email)
        .await
        .expect("db")
        .expect("staff")
        .id
}

async fn active_admins(app: &TestApp) -> i64 {
    const SQL: &str = "select count(*) from staff where role = 'admin' and not disabled";
    suborg_portal::on_engine!(app.state.db, |pool| sqlx::query_scalar(SQL)
        .fetch_one(pool)
        .await
        .expect("count"))
}

#[tokio::test]
async fn two_admins_removing_each_other_at_once_leave_an_admin() {
    let app = TestApp::spawn().await;
    for round in 0..6 {
        let (a_email, a_password) = app.add_staff(Role::Admin).await;
        let (b_email, b_password) = app.add_staff(Role::Admin).await;
        // Earlier rounds left one admin each; they step aside so these two are the last.
        const DEMOTE_OTHERS: &str = "update staff set role = 'viewer' where role = 'admin'";
        let keep = format!("{DEMOTE_OTHERS} and email not in ('{a_email}', '{b_email}')");
        execute(&app.state.db, &keep).await.expect("others demoted");
        let (a_id, b_id) = (
            staff_id(&app, &a_email).await,
            staff_id(&app, &b_email).await,
        );
        let mut a = app.browser();
        a.sign_in(&a_email, &a_password).await;
        let mut b = app.browser();
        b.sign_in(&b_email, &b_password).await;
        let (path_a, path_b) = if round % 2 == 0 {
            (format!("/staff/{b_id}/role"), format!("/staff/{a_id}/role"))
        } else {
            (
                format!("/staff/{b_id}/disable"),
                format!("/staff/{a_id}/disable"),
            )
        };
        let form = [("role", "viewer")];
        let (ra, rb) = tokio::join!(a.post(&path_a, &form), b.post(&path_b, &form));
        let statuses = [ra.status().as_u16(), rb.status().as_u16()];
        // One change goes through; the other is refused by the rule (409) or finds its
        // author's session already ended by that change (401).
        assert_eq!(
            statuses.iter().filter(|s| **s == 303).count(),
            1,
            "round {round}: {statuses:?}"
        );
        assert!(
            statuses.iter().all(|s| [303, 401, 409].contains(s)),
            "{statuses:?}"
        );
        assert_eq!(active_admins(&app).await, 1, "round {round}");
    }
}

#[tokio::test]
async fn next_is_used_only_when_it_is_a_plain_path() {
    let app = TestApp::spawn().await;
    let (email, password) = app.add_staff(Role::Viewer).await;
    for (next, lands) in [
        ("/sub-orgs?search=a", "/sub-orgs?search=a"),
        ("/\t/evil.example", "/"),
        ("/\n/evil.example", "/"),
        ("/sub-orgs\u{7}", "/"),
        ("/ /evil.example", "/"),
    ] {
        let mut browser = app.browser();
        let res = browser
            .post(
                "/login",
                &[("email", &email), ("password", &password), ("next", next)],
            )
            .await;
        assert_eq!(res.status(), 303, "{next:?}");
        assert_eq!(location(&res), lands, "{next:?}");
        assert!(
            matches!(cookie_from(&res), Some(Some(_))),
            "signed in with {next:?}"
        );
    }
}

#[tokio::test]
async fn guessing_the_current_password_counts_toward_the_lockout() {
    let app = TestApp::spawn().await;
    let (email, password) = app.add_staff(Role::Viewer).await;
    let mut me = app.browser();
    me.sign_in(&email, &password).await;
    let change = |current: &'static str| {
        [
            ("current_password", current),
            ("new_password", "another long passphrase"),
            ("confirm_password", "another long passphrase"),
        ]
    };
    for _ in 0..5 {
        let res = me
            .post("/account/password", &change("not my password"))
            .await;
        assert_eq!(res.status(), 422);
    }
    let form = [
        ("current_password", password.as_str()),
        ("new_password", "another long passphrase"),
        ("confirm_password", "another long passphrase"),
    ];
    let res = me.post("/account/password", &form).await;
    assert_eq!(
        res.status(),
        429,
        "locked: the right password no longer helps"
    );
    assert!(text(res).await.contains("locked"));
    assert_eq!(app.events_of("auth.locked").await.len(), 1);
    let mut elsewhere = app.browser();
    assert_eq!(
        elsewhere.sign_in(&email, &password).await.status(),
        401,
        "the account is locked for sign-in too"
    );
}

#[tokio::test]
async fn switching_write_mode_on_and_off_renews_the_session_id() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in(Role::Admin).await;
    assert_eq!(admin.start_impersonation(ORG).await.status(), 303);
    let before = admin.cookie.clone();
    assert_eq!(admin.switch_to_write_mode().await.status(), 303);
    let writing = admin.cookie.clone();
    assert_ne!(writing, before, "a new id for write mode");
    let res = admin
        .post("/impersonation/mode", &[("mode", "read_only")])
        .await;
    assert_eq!(location(&res), "/impersonation?mode=read_only");
    assert_ne!(admin.cookie, writing, "a new id back in read-only");
    let page = text(admin.get("/impersonation").await).await;
    assert!(page.contains("Switch to write mode"), "read-only again");
    let modes: Vec<_> = app
        .events_of("impersonation.mode_changed")
        .await
        .iter()
        .map(|e| e["detail"]["mode"]["to"].clone())
        .collect();
    assert_eq!(modes, ["write", "read_only"]);
    // The old ids sign nobody in.
    for old in [before, writing] {
        let mut stale = app.browser();
        stale.cookie = old;
        assert_eq!(stale.get("/impersonation").await.status(), 303);
    }
}

#[tokio::test]
async fn hsts_is_sent_over_https_only() {
    let https = TestApp::spawn_with(&[("PORTAL_PUBLIC_URL", "https://portal.example.com")]).await;
    let stylesheet = suborg_portal::http::STYLESHEET_PATH;
    for path in ["/login", "/healthz", "/no-such-page", stylesheet] {
        let res = https.get(path).await;
        assert_eq!(
            res.headers()
                .get("strict-transport-security")
                .and_then(|v| v.to_str().ok()),
            Some("max-age=31536000; includeSubDomains"),
            "{path}"
        );
    }
    let http = TestApp::spawn().await;
    for path in ["/login", "/healthz"] {
        assert!(http
            .get(path)
            .await
            .headers()
            .get("strict-transport-security")
            .is_none());
    }
}

#[tokio::test]
async fn free_text_has_a_maximum_refused_beside_the_field_with_the_text_kept() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in(Role::Admin).await;
    let reason = "r".repeat(1_001);
    let res = admin
        .post(
            "/impersonation/start",
            &[("sub_org_id", ORG), ("reason", &reason), ("minutes", "30")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = text(res).await;
    assert!(
        html.contains("at most 1000 characters; this has 1001"),
        "{html}"
    );
    assert_eq!(text_area(&html, "reason"), reason);
    let ticket = "t".repeat(101);
    let res = admin
        .post(
            "/impersonation/start",
            &[
                ("sub_org_id", ORG),
                ("reason", IMPERSONATION_REASON),
                ("ticket", &ticket),
                ("minutes", "30"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = text(res).await;
    assert!(
        html.contains("at most 100 characters for the ticket"),
        "{html}"
    );
    assert!(html.contains(&format!("value=\"{ticket}\"")));
    assert_eq!(app.open_impersonations().await, 0);

    let res = admin
        .post(
            "/staff",
            &[
                ("email", "n@x.example"),
                ("name", &"n".repeat(201)),
                ("role", "viewer"),
                ("password", "a long enough passphrase"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(text(res)
        .await
        .contains("Use at most 200 characters; this has 201."));

    // A body past the limit is refused before anything reads it.
    let huge = "r".repeat(1_500_000);
    let res = admin
        .post(
            "/impersonation/start",
            &[("sub_org_id", ORG), ("reason", &huge), ("minutes", "30")],
        )
        .await;
    assert_eq!(res.status(), 413);
    assert_eq!(app.events_of("impersonation.started").await.len(), 0);
}

#[tokio::test]
async fn audit_verify_refuses_a_hash_written_in_upper_case() {
    let app = TestApp::spawn().await;
    app.signed_in(Role::Viewer).await;
    app.state.audit.flush().await.expect("flushed");
    crate::helpers::drop_append_only_triggers(&app.state.db).await;
    // The newest event: no later event's prev_hash gives the change away.
    let head = app.state.audit.head_seq().await.expect("head");
    let sql = format!("update audit_events set hash = upper(hash) where seq = {head}");
    execute(&app.state.db, &sql).await.expect("edited");
    let verdict = app.state.audit.verify(None).await.expect("verifies");
    assert!(
        matches!(verdict, suborg_portal::audit::Verdict::Broken { seq, .. } if seq == head),
        "{verdict:?}"
    );
}

#[tokio::test]
async fn the_dashboard_hand_off_needs_a_user_postgrid_confirms() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in(Role::Admin).await;
    for (sub_org, email, status, refusal) in [
        (
            "sub_org_nosuchorg",
            "ada.64@customer64.example",
            403,
            "not_a_child",
        ),
        (ORG, "someone.else@customer64.example", 403, "not_a_user"),
        (ORG, "ada.63@customer63.example", 403, "not_a_user"),
        ("not-an-id", "ada.64@customer64.example", 422, "invalid"),
    ] {
        let res = admin
            .post(
                "/impersonation/handoff",
                &[("sub_org_id", sub_org), ("email", email)],
            )
            .await;
        assert_eq!(res.status(), status, "{sub_org} {email}");
        let page = text(res).await;
        assert!(!page.contains("dashboard.postgrid.com"), "no link: {page}");
        let last = app
            .events_of("dashboard.handoff")
            .await
            .pop()
            .expect("recorded");
        assert_eq!(last["outcome"], "denied");
        assert_eq!(last["detail"]["refusal"], refusal);
    }
    // PostGrid away: nothing confirmed, nothing handed off.
    app.sim.inject(
        Fault::on("/sub_organizations")
            .method("GET")
            .status(503)
            .times(3),
    );
    let res = admin
        .post(
            "/impersonation/handoff",
            &[("sub_org_id", ORG), ("email", "ada.64@customer64.example")],
        )
        .await;
    assert_eq!(res.status(), 502);
    let last = app
        .events_of("dashboard.handoff")
        .await
        .pop()
        .expect("recorded");
    assert_eq!(last["detail"]["refusal"], "not_confirmed");
}

#[tokio::test]
async fn the_cli_keeps_the_last_admin_by_the_same_rule() {
    let app = TestApp::spawn().await;
    let (only, _) = app.add_staff(Role::Admin).await;
    let disable = |email: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_suborg-portal"))
            .args(["staff", "disable", "--email", email])
            .env_clear()
            .env("DATABASE_URL", &app.db_url)
            .env("PORTAL_AUDIT_KEY", crate::helpers::AUDIT_KEY)
            .output()
            .expect("binary runs")
    };
    let refused = disable(&only);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("last active admin"));
    assert_eq!(active_admins(&app).await, 1);
    let (second, _) = app.add_staff(Role::Admin).await;
    assert!(disable(&only).status.success());
    assert!(
        !disable(&second).status.success(),
        "now the second is the last"
    );
    assert_eq!(active_admins(&app).await, 1);
}
