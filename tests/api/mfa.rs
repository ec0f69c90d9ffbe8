//! Two-step sign-in (issue #17): enrolment, codes at sign-in, replay, recovery codes, lockout,
//! step-up before risky steps, and an admin's reset.

use suborg_portal::auth::Role;
use time::Duration;
use totp_rs::{Algorithm, Secret, TOTP};

use crate::helpers::{location, Browser, TestApp, ORG};

const ADMINS: &[(&str, &str)] = &[("PORTAL_MFA", "admins")];

/// The code an authenticator app shows for `secret` (base32, as the page shows it) at `unix`.
fn code_at(secret: &str, unix: i64) -> String {
    let bytes = Secret::Encoded(secret.to_owned())
        .to_bytes()
        .expect("base32");
    TOTP::new(Algorithm::SHA1, 6, 1, 30, bytes, None, "test".to_owned())
        .expect("valid secret")
        .generate(unix as u64)
}

fn now(app: &TestApp) -> i64 {
    app.state.clock.now().unix_timestamp()
}

/// Moves the clock to the next 30-second step, so a new code is shown.
fn next_step(app: &TestApp) {
    app.clock.advance(Duration::seconds(30));
}

fn between<'h>(html: &'h str, start: &str, end: &str) -> Vec<&'h str> {
    html.split(start)
        .skip(1)
        .filter_map(|rest| rest.split(end).next())
        .collect()
}

/// Enrols the signed-in person as the page asks; returns the secret and the recovery codes.
async fn enrol(app: &TestApp, browser: &mut Browser<'_>) -> (String, Vec<String>) {
    let res = browser.post("/account/mfa/start", &[]).await;
    assert_eq!(location(&res), "/account/mfa");
    let page = browser.page("/account/mfa").await;
    assert!(page.contains("<svg"), "the QR code is drawn on the page");
    let secret = between(&page, "id=\"mfa-secret\" class=\"secret\">", "<")[0].to_owned();
    let res = browser
        .post("/account/mfa", &[("code", &code_at(&secret, now(app)))])
        .await;
    assert_eq!(res.status(), 200);
    let shown = res.text().await.expect("page");
    let codes: Vec<String> = between(&shown, "<li><code>", "</code>")
        .into_iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(codes.len(), 10, "{shown}");
    next_step(app);
    (secret, codes)
}

/// A new admin, enrolled; their email, password and secret, signed out.
async fn enrolled_admin(app: &TestApp) -> (String, String, String, Vec<String>) {
    let (email, password) = app.add_staff(Role::Admin).await;
    let mut browser = app.browser();
    assert_eq!(browser.sign_in(&email, &password).await.status(), 303);
    let (secret, codes) = enrol(app, &mut browser).await;
    (email, password, secret, codes)
}

/// Signs in with the password and then `code`, which must be accepted.
async fn signs_in_with(browser: &mut Browser<'_>, email: &str, password: &str, code: &str) {
    let res = sign_in_with(browser, email, password, code).await;
    assert_eq!(res.status(), 303, "signed in with the code");
}

/// Signs in with the password and then `code`; the answer to the code.
async fn sign_in_with(
    browser: &mut Browser<'_>,
    email: &str,
    password: &str,
    code: &str,
) -> reqwest::Response {
    let res = browser.sign_in(email, password).await;
    assert_eq!(
        location(&res),
        "/login/code",
        "the password leads to the code"
    );
    browser.post("/login/code", &[("code", code)]).await
}

#[tokio::test]
async fn an_admin_enrols_before_anything_else_and_a_viewer_need_not() {
    let app = TestApp::spawn_with(ADMINS).await;
    let mut admin = app.signed_in(Role::Admin).await;
    let res = admin.get("/sub-orgs").await;
    assert_eq!(location(&res), "/account/mfa?required=1");
    let res = admin.start_impersonation(ORG).await;
    assert_eq!(location(&res), "/account/mfa?required=1");
    assert_eq!(app.open_impersonations().await, 0);
    let page = admin.page("/account/mfa?required=1").await;
    assert!(
        page.contains("Your role must use two-step sign-in"),
        "{page}"
    );
    enrol(&app, &mut admin).await;
    assert_eq!(admin.get("/sub-orgs").await.status(), 200);

    let mut viewer = app.signed_in(Role::Viewer).await;
    assert_eq!(viewer.get("/sub-orgs").await.status(), 200);
}

#[tokio::test]
async fn an_enrolled_admin_signs_in_with_a_code_and_the_secret_is_never_shown_again() {
    let app = TestApp::spawn_with(ADMINS).await;
    let (email, password, secret, codes) = enrolled_admin(&app).await;
    let enrolled = app.events_of("auth.mfa_enrolled").await;
    assert_eq!(enrolled.len(), 1);
    assert_eq!(enrolled[0]["actor_email"], email.as_str());

    let mut browser = app.browser();
    let res = browser.sign_in(&email, &password).await;
    assert_eq!(location(&res), "/login/code");
    // Nobody is signed in by the password alone.
    let res = browser.get("/sub-orgs").await;
    assert!(location(&res).starts_with("/login"), "{}", location(&res));
    let res = browser.post("/login/code", &[("code", "000000")]).await;
    assert_eq!(res.status(), 401);
    assert!(res
        .text()
        .await
        .expect("page")
        .contains("That code is not right"));
    let failed = app.events_of("auth.mfa_failed").await;
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["detail"]["reason"], "wrong_code");

    let res = browser
        .post("/login/code", &[("code", &code_at(&secret, now(&app)))])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/");
    let page = browser.page("/account/mfa").await;
    assert!(page.contains("Two-step sign-in is on"), "{page}");
    assert!(
        !page.contains(&secret),
        "the secret is not shown after enrolment"
    );
    let signed_in = app.events_of("auth.login.succeeded").await;
    assert_eq!(
        signed_in.last().expect("a sign-in")["detail"]["second_factor"],
        "totp"
    );

    let log = serde_json::to_string(&app.audit_events().await).expect("json");
    assert!(!log.contains(&secret));
    for code in &codes {
        assert!(
            !log.contains(code.as_str()),
            "a recovery code in the audit log"
        );
    }
    let stored: Option<String> = suborg_portal::on_engine!(app.state.db, |pool| {
        sqlx::query_scalar("select totp_secret from staff where lower(email) = lower($1)")
            .bind(&email)
            .fetch_one(pool)
            .await
            .expect("row")
    });
    assert!(
        !stored.expect("sealed").contains(&secret),
        "the secret is sealed at rest"
    );
}

#[tokio::test]
async fn a_code_is_used_once() {
    let app = TestApp::spawn_with(ADMINS).await;
    let (email, password, secret, _) = enrolled_admin(&app).await;
    let code = code_at(&secret, now(&app));
    let mut first = app.browser();
    signs_in_with(&mut first, &email, &password, &code).await;
    let mut second = app.browser();
    let res = sign_in_with(&mut second, &email, &password, &code).await;
    assert_eq!(res.status(), 401);
    assert!(res.text().await.expect("page").contains("already used"));
    assert_eq!(
        app.events_of("auth.mfa_failed").await[0]["detail"]["reason"],
        "reused_code"
    );
    // The code of the step before, still within the drift allowed, is refused too.
    next_step(&app);
    let earlier = code_at(&secret, now(&app) - 60);
    let res = second.post("/login/code", &[("code", &earlier)]).await;
    assert_eq!(res.status(), 401);
    let res = second
        .post("/login/code", &[("code", &code_at(&secret, now(&app)))])
        .await;
    assert_eq!(res.status(), 303);
}

#[tokio::test]
async fn a_recovery_code_signs_in_once() {
    let app = TestApp::spawn_with(ADMINS).await;
    let (email, password, _, codes) = enrolled_admin(&app).await;
    let mut browser = app.browser();
    let typed = codes[3].to_uppercase().replace('-', " ");
    signs_in_with(&mut browser, &email, &password, &typed).await;
    let signed_in = app.events_of("auth.login.succeeded").await;
    let detail = &signed_in.last().expect("a sign-in")["detail"];
    assert_eq!(detail["second_factor"], "recovery_code");
    assert_eq!(detail["recovery_codes_left"], 9);
    let page = browser.page("/account/mfa").await;
    assert!(page.contains("You have 9 unused recovery codes"), "{page}");

    let mut again = app.browser();
    let res = sign_in_with(&mut again, &email, &password, &codes[3]).await;
    assert_eq!(res.status(), 401, "a recovery code works once");
}

#[tokio::test]
async fn wrong_codes_lock_the_account_like_wrong_passwords() {
    let app = TestApp::spawn_with(ADMINS).await;
    let (email, password, secret, _) = enrolled_admin(&app).await;
    let mut browser = app.browser();
    assert_eq!(
        location(&browser.sign_in(&email, &password).await),
        "/login/code"
    );
    for _ in 0..5 {
        let res = browser.post("/login/code", &[("code", "000000")]).await;
        assert_eq!(res.status(), 401);
    }
    assert_eq!(app.events_of("auth.locked").await.len(), 1);
    let res = browser
        .post("/login/code", &[("code", &code_at(&secret, now(&app)))])
        .await;
    assert_eq!(res.status(), 429, "locked: even the right code is refused");
    assert!(res.text().await.expect("page").contains("locked"));
}

#[tokio::test]
async fn the_code_must_follow_the_password_within_five_minutes() {
    let app = TestApp::spawn_with(ADMINS).await;
    let (email, password, secret, _) = enrolled_admin(&app).await;
    let mut browser = app.browser();
    browser.sign_in(&email, &password).await;
    app.clock.advance(Duration::minutes(6));
    let res = browser
        .post("/login/code", &[("code", &code_at(&secret, now(&app)))])
        .await;
    assert_eq!(location(&res), "/login?ended=code_expired");
    let page = browser.page("/login?ended=code_expired").await;
    assert!(page.contains("The time to type your code ran out"));
}

#[tokio::test]
async fn risky_steps_ask_for_a_fresh_code_and_keep_the_form() {
    let app = TestApp::spawn_with(ADMINS).await;
    let (email, password, secret, _) = enrolled_admin(&app).await;
    let mut browser = app.browser();
    let code = code_at(&secret, now(&app));
    signs_in_with(&mut browser, &email, &password, &code).await;
    // Within the step-up window of the sign-in's code: nothing is asked.
    assert_eq!(browser.start_impersonation(ORG).await.status(), 303);
    assert_eq!(app.open_impersonations().await, 1);
    browser.post("/impersonation/stop", &[]).await;

    app.clock.advance(Duration::minutes(6));
    let res = browser.start_impersonation(ORG).await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.expect("page");
    assert!(page.contains("Confirm it is you"), "{page}");
    assert!(page.contains("name=\"reason\""), "the reason typed is kept");
    assert!(page.contains(crate::helpers::IMPERSONATION_REASON));
    assert_eq!(
        app.open_impersonations().await,
        0,
        "nothing started without the code"
    );

    // The page's form: what was typed, with the code added.
    let start_with = |code: String| {
        vec![
            ("sub_org_id", ORG.to_owned()),
            ("reason", crate::helpers::IMPERSONATION_REASON.to_owned()),
            ("ticket", "T-42".to_owned()),
            ("minutes", "30".to_owned()),
            ("step_up_code", code),
        ]
    };
    let wrong = start_with("000000".to_owned());
    let wrong: Vec<(&str, &str)> = wrong.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = browser.post("/impersonation/start", &wrong).await;
    assert_eq!(res.status(), 401);
    assert!(res
        .text()
        .await
        .expect("page")
        .contains("That code is not right"));
    assert_eq!(app.open_impersonations().await, 0);

    let right = start_with(code_at(&secret, now(&app)));
    let right: Vec<(&str, &str)> = right.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = browser.post("/impersonation/start", &right).await;
    assert_eq!(res.status(), 303);
    assert_eq!(app.open_impersonations().await, 1);
    let stepped = app.events_of("auth.step_up").await;
    assert_eq!(stepped.len(), 1);
    assert_eq!(stepped[0]["detail"]["path"], "/impersonation/start");
    // The code just given covers write mode too.
    assert_eq!(browser.switch_to_write_mode().await.status(), 303);
    assert_eq!(app.events_of("impersonation.mode_changed").await.len(), 1);

    // A staff change holds what was typed, but never the password: it is typed again.
    app.clock.advance(Duration::minutes(6));
    let res = browser
        .post(
            "/staff",
            &[
                ("name", "Lee Newcomer"),
                ("email", "lee@staff.example"),
                ("role", "viewer"),
                ("password", "first-password-for-lee"),
            ],
        )
        .await;
    let page = res.text().await.expect("page");
    assert!(page.contains("Lee Newcomer"));
    assert!(
        !page.contains("first-password-for-lee"),
        "a password is never echoed"
    );
    assert!(
        page.contains("type=\"password\" name=\"password\""),
        "{page}"
    );
}

#[tokio::test]
async fn an_admin_resets_a_lost_second_factor_but_not_their_own() {
    let app = TestApp::spawn_with(ADMINS).await;
    let (lost_email, lost_password, lost_secret, _) = enrolled_admin(&app).await;
    let (email, password, secret, _) = enrolled_admin(&app).await;
    let mut lost = app.browser();
    let code = code_at(&lost_secret, now(&app));
    signs_in_with(&mut lost, &lost_email, &lost_password, &code).await;
    let mut admin = app.browser();
    let code = code_at(&secret, now(&app));
    signs_in_with(&mut admin, &email, &password, &code).await;

    let lost_id = suborg_portal::auth::staff::find_by_email(&app.state.db, &lost_email)
        .await
        .expect("query")
        .expect("row")
        .id;
    let res = admin
        .post(&format!("/staff/{lost_id}/mfa/reset"), &[])
        .await;
    assert_eq!(location(&res), "/staff?done=updated");
    let reset = app.events_of("auth.mfa_reset").await;
    assert_eq!(reset.len(), 1);
    assert_eq!(reset[0]["detail"]["email"], lost_email.as_str());
    // Their session ended with the reset; signing in again needs only the password, and
    // then a new enrolment.
    assert!(location(&lost.get("/").await).starts_with("/login"));
    assert_eq!(
        location(&lost.sign_in(&lost_email, &lost_password).await),
        "/"
    );
    assert_eq!(
        location(&lost.get("/sub-orgs").await),
        "/account/mfa?required=1"
    );

    let my_id = suborg_portal::auth::staff::find_by_email(&app.state.db, &email)
        .await
        .expect("query")
        .expect("row")
        .id;
    let res = admin.post(&format!("/staff/{my_id}/mfa/reset"), &[]).await;
    assert_eq!(res.status(), 409);
    assert!(res
        .text()
        .await
        .expect("page")
        .contains("cannot reset your own"));
}

#[tokio::test]
async fn enrolment_follows_a_fresh_sign_in_and_ends_the_other_sessions() {
    let app = TestApp::spawn_with(ADMINS).await;
    let (email, password) = app.add_staff(Role::Admin).await;
    let mut stale = app.browser();
    assert_eq!(stale.sign_in(&email, &password).await.status(), 303);
    // Twenty minutes on, kept alive: an old session cannot tie the account to a phone.
    for _ in 0..4 {
        app.clock.advance(Duration::minutes(5));
        stale.get("/account/mfa").await;
    }
    let res = stale.post("/account/mfa/start", &[]).await;
    assert_eq!(location(&res), "/account/mfa?sign_in_again=1");
    let page = stale.page("/account/mfa?sign_in_again=1").await;
    assert!(page.contains("must follow a fresh sign-in"));

    let mut fresh = app.browser();
    assert_eq!(fresh.sign_in(&email, &password).await.status(), 303);
    enrol(&app, &mut fresh).await;
    assert!(
        location(&stale.get("/account/mfa").await).starts_with("/login"),
        "the session from before the second factor ended"
    );
    assert_eq!(
        fresh.get("/sub-orgs").await.status(),
        200,
        "this one goes on"
    );
}
