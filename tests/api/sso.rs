//! Single sign-on (issue #17) against a real OpenID provider: the npm package `oidc-provider`
//! (end2end/oidc/provider.mjs), started per test on a loopback port. A browser is played with
//! plain requests, a cookie jar and the provider's HTML forms, as with JavaScript off.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use suborg_portal::auth::staff;
use suborg_portal::auth::Role;
use suborg_portal::domain::Email;
use time::Duration;

use crate::helpers::{execute, location, TestApp, ORG};

const CLIENT_ID: &str = "suborg-portal";
const CLIENT_SECRET: &str = "test-client-secret";

/// The provider process, stopped when dropped.
struct Provider {
    child: Child,
    issuer: String,
}

impl Provider {
    fn start(redirect_uri: &str) -> Self {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/end2end/oidc/provider.mjs");
        let mut child = Command::new("node")
            .arg(script)
            .env("OIDC_REDIRECT_URIS", redirect_uri)
            .env("OIDC_CLIENT_ID", CLIENT_ID)
            .env("OIDC_CLIENT_SECRET", CLIENT_SECRET)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node runs (the test command installs end2end/node_modules)");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("provider output");
        // Drained, so the provider never writes into a closed pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let issuer = line
            .trim()
            .strip_prefix("listening ")
            .unwrap_or_else(|| {
                panic!("oidc-provider did not start ({line:?}); run `npm ci` in end2end")
            })
            .to_owned();
        Self { child, issuer }
    }

    /// Makes the provider misbehave once (see the script's `/__test/knobs`).
    async fn knob(&self, query: &str) {
        reqwest::Client::new()
            .post(format!("{}/__test/knobs?{query}", self.issuer))
            .send()
            .await
            .expect("knob set");
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A portal with single sign-on on a port chosen first (the provider must know the callback).
async fn portal_with_sso(extra: &[(&str, &str)]) -> (TestApp, Provider) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let addr = format!("127.0.0.1:{port}");
    let provider = Provider::start(&format!("http://{addr}/login/sso/callback"));
    let mut vars = vec![
        ("PORTAL_ADDR", addr.as_str()),
        ("PORTAL_OIDC_ISSUER", provider.issuer.as_str()),
        ("PORTAL_OIDC_CLIENT_ID", CLIENT_ID),
        ("PORTAL_OIDC_CLIENT_SECRET", CLIENT_SECRET),
    ];
    vars.extend_from_slice(extra);
    (TestApp::spawn_with(&vars).await, provider)
}

/// A browser with every cookie it is given (the provider's and the portal's share a host).
struct Jar<'a> {
    app: &'a TestApp,
    cookies: HashMap<String, String>,
}

impl<'a> Jar<'a> {
    fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            cookies: HashMap::new(),
        }
    }

    fn keep(&mut self, res: &reqwest::Response) {
        for value in res.headers().get_all("set-cookie") {
            let Ok(text) = value.to_str() else { continue };
            let pair = text.split(';').next().unwrap_or_default();
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            let gone = value.is_empty() || text.to_ascii_lowercase().contains("max-age=0");
            if gone {
                self.cookies.remove(name.trim());
            } else {
                self.cookies
                    .insert(name.trim().to_owned(), value.to_owned());
            }
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn get(&mut self, url: &str) -> reqwest::Response {
        let res = self
            .app
            .client
            .get(url)
            .header("cookie", self.cookie_header())
            .send()
            .await
            .expect("sent");
        self.keep(&res);
        res
    }

    async fn post(&mut self, url: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let origin = url::Url::parse(url)
            .expect("url")
            .origin()
            .ascii_serialization();
        let res = self
            .app
            .client
            .post(url)
            .header("cookie", self.cookie_header())
            .header("origin", origin)
            .form(form)
            .send()
            .await
            .expect("sent");
        self.keep(&res);
        res
    }

    /// Presses "Sign in with your company account" and signs in at the provider as `login`;
    /// returns the callback URL the provider sends the browser back to (not yet opened).
    async fn through_provider(&mut self, login: &str) -> String {
        self.through_provider_from(login, &[("next", "/sub-orgs")])
            .await
    }

    /// The same, from the form with `fields` (a step-up's, say).
    async fn through_provider_from(&mut self, login: &str, fields: &[(&str, &str)]) -> String {
        let portal = self.app.address.clone();
        let res = self.post(&format!("{portal}/login/sso"), fields).await;
        let mut url = continues_to(res).await;
        assert!(url.starts_with("http"), "to the provider, not {url}");
        for _ in 0..12 {
            if url.starts_with(&format!("{portal}/login/sso/callback")) {
                return url;
            }
            let res = self.get(&url).await;
            let here = url::Url::parse(&url).expect("url");
            if res.status().is_redirection() {
                url = here.join(&location(&res)).expect("location").to_string();
                continue;
            }
            let page = res.text().await.expect("page");
            let answer = if page.contains("name=\"password\"") {
                self.post(
                    here.as_str(),
                    &[
                        ("prompt", "login"),
                        ("login", login),
                        ("password", "password"),
                    ],
                )
                .await
            } else {
                assert!(page.contains("value=\"consent\""), "{page}");
                self.post(here.as_str(), &[("prompt", "consent")]).await
            };
            assert!(
                answer.status().is_redirection(),
                "the provider accepted the form"
            );
            url = here.join(&location(&answer)).expect("location").to_string();
        }
        panic!("the provider never sent the browser back");
    }

    /// Opens the callback and follows the page that continues on the portal; the final path.
    async fn come_back(&mut self, callback: &str) -> String {
        let res = self.get(callback).await;
        continues_to(res).await
    }
}

/// Where an answer sends the browser: a redirect, or a page that continues by itself (a
/// refresh, as it does without script).
async fn continues_to(res: reqwest::Response) -> String {
    if res.status().is_redirection() {
        return location(&res);
    }
    assert_eq!(res.status(), 200);
    let page = res.text().await.expect("page");
    let marker = "http-equiv=\"refresh\" content=\"0;url=";
    let start = page.find(marker).unwrap_or_else(|| panic!("{page}")) + marker.len();
    let url = page[start..].split('"').next().expect("url");
    // The page's HTML escapes the URL's ampersands.
    url.replace("&amp;", "&")
}

async fn add_staff_with_email(app: &TestApp, email: &str, role: Role) {
    let hash = app
        .state
        .hasher
        .hash(secrecy::SecretString::from(
            "a long enough password".to_owned(),
        ))
        .await
        .expect("hash");
    staff::insert_staff(
        &app.state.db,
        &Email::parse(email).expect("email"),
        "Known Person",
        role,
        &hash,
        false,
        app.state.clock.now(),
    )
    .await
    .expect("added");
}

fn reasons(events: &[serde_json::Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            e["detail"]["reason"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn a_known_staff_member_signs_in_through_the_provider() {
    let (app, _provider) = portal_with_sso(&[]).await;
    add_staff_with_email(&app, "known@idp.example", Role::Viewer).await;
    let mut browser = Jar::new(&app);
    let login_page = browser
        .get(&format!("{}/login", app.address))
        .await
        .text()
        .await
        .expect("page");
    assert!(login_page.contains("Sign in with your company account"));
    let callback = browser.through_provider("known").await;
    assert_eq!(browser.come_back(&callback).await, "/sub-orgs");
    let res = browser.get(&format!("{}/sub-orgs", app.address)).await;
    assert_eq!(res.status(), 200, "signed in");
    let succeeded = app.events_of("auth.sso_succeeded").await;
    assert_eq!(succeeded.len(), 1);
    assert_eq!(succeeded[0]["actor_email"], "known@idp.example");
    assert_eq!(succeeded[0]["actor_role"], "viewer");
    assert!(
        browser.cookies.keys().all(|name| name != "suborg_sso"),
        "the flow cookie went"
    );
    let log = serde_json::to_string(&app.audit_events().await).expect("json");
    assert!(!log.contains(CLIENT_SECRET));
    assert!(!log.contains("eyJ"), "no token in the audit log");
}

#[tokio::test]
async fn a_role_claim_adds_the_person_and_the_providers_second_factor_is_trusted() {
    let (app, _provider) = portal_with_sso(&[
        ("PORTAL_MFA", "admins"),
        ("PORTAL_OIDC_TRUST_MFA", "true"),
        ("PORTAL_OIDC_ROLE_CLAIM", "groups"),
    ])
    .await;
    let mut browser = Jar::new(&app);
    let callback = browser.through_provider("sso-admin").await;
    assert_eq!(browser.come_back(&callback).await, "/sub-orgs");
    let created = app.events_of("staff.created").await;
    assert_eq!(created[0]["detail"]["email"], "sso-admin@idp.example");
    assert_eq!(created[0]["detail"]["role"], "admin");
    // An admin, whose provider used a second factor: no enrolment asked, no step-up yet.
    assert_eq!(
        browser
            .get(&format!("{}/sub-orgs", app.address))
            .await
            .status(),
        200
    );
    let start = [
        ("sub_org_id", ORG),
        ("reason", crate::helpers::IMPERSONATION_REASON),
        ("minutes", "30"),
    ];
    let res = browser
        .post(&format!("{}/impersonation/start", app.address), &start)
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(app.open_impersonations().await, 1);
    // Later, a risky step sends them back to the provider, and the impersonation goes on in
    // the session the step-up makes.
    app.clock.advance(Duration::minutes(6));
    let write = [("why", crate::helpers::WRITE_REASON)];
    let res = browser
        .post(&format!("{}/impersonation/mode", app.address), &write)
        .await;
    let page = res.text().await.expect("page");
    assert!(
        page.contains("Sign in again with your company account"),
        "{page}"
    );
    let callback = browser
        .through_provider_from("sso-admin", &[("again", "1"), ("next", "/impersonation")])
        .await;
    assert_eq!(browser.come_back(&callback).await, "/impersonation");
    let res = browser
        .post(&format!("{}/impersonation/mode", app.address), &write)
        .await;
    assert_eq!(location(&res), "/impersonation?mode=write");
    assert_eq!(app.open_impersonations().await, 1);
}

#[tokio::test]
async fn with_a_role_claim_someone_whose_groups_name_no_role_is_out() {
    let (app, _provider) = portal_with_sso(&[("PORTAL_OIDC_ROLE_CLAIM", "groups")]).await;
    add_staff_with_email(&app, "known@idp.example", Role::Admin).await;
    let mut browser = Jar::new(&app);
    let callback = browser.through_provider("known").await;
    assert_eq!(
        browser.come_back(&callback).await,
        "/login?ended=sso_failed"
    );
    assert_eq!(
        reasons(&app.events_of("auth.sso_failed").await),
        ["no_role_in_claim"]
    );
}

#[tokio::test]
async fn the_callback_refuses_a_wrong_state_nonce_or_expired_token() {
    let (app, provider) = portal_with_sso(&[]).await;
    add_staff_with_email(&app, "known@idp.example", Role::Viewer).await;

    let mut browser = Jar::new(&app);
    let callback = browser.through_provider("known").await;
    let tampered = url::Url::parse(&callback).expect("url");
    let pairs: Vec<(String, String)> = tampered
        .query_pairs()
        .map(|(k, v)| {
            let value = if k == "state" {
                "forged".into()
            } else {
                v.into_owned()
            };
            (k.into_owned(), value)
        })
        .collect();
    let mut tampered = tampered.clone();
    tampered.query_pairs_mut().clear().extend_pairs(pairs);
    assert_eq!(
        browser.come_back(tampered.as_str()).await,
        "/login?ended=sso_failed"
    );

    provider.knob("nonce=not-the-portals").await;
    let mut browser = Jar::new(&app);
    let callback = browser.through_provider("known").await;
    assert_eq!(
        browser.come_back(&callback).await,
        "/login?ended=sso_failed"
    );

    provider.knob("skew=-7200").await;
    let mut browser = Jar::new(&app);
    let callback = browser.through_provider("known").await;
    assert_eq!(
        browser.come_back(&callback).await,
        "/login?ended=sso_failed"
    );
    let res = browser.get(&format!("{}/sub-orgs", app.address)).await;
    assert!(location(&res).starts_with("/login"), "nobody signed in");

    let failed = app.events_of("auth.sso_failed").await;
    assert_eq!(
        reasons(&failed),
        ["wrong_state", "wrong_nonce", "expired_token"]
    );
    assert!(app.events_of("auth.sso_succeeded").await.is_empty());
}

#[tokio::test]
async fn unknown_unverified_and_disabled_people_stay_out() {
    let (app, _provider) = portal_with_sso(&[]).await;
    add_staff_with_email(&app, "disabled@idp.example", Role::Viewer).await;
    execute(
        &app.state.db,
        "update staff set disabled = true where email = 'disabled@idp.example'",
    )
    .await
    .expect("disabled");
    for login in ["known", "unverified", "disabled"] {
        let mut browser = Jar::new(&app);
        let callback = browser.through_provider(login).await;
        assert_eq!(
            browser.come_back(&callback).await,
            "/login?ended=sso_failed",
            "{login}"
        );
    }
    let failed = app.events_of("auth.sso_failed").await;
    assert_eq!(
        reasons(&failed),
        ["unknown_user", "email_not_verified", "disabled"]
    );
    let page = app
        .get("/login?ended=sso_failed")
        .await
        .text()
        .await
        .expect("page");
    assert!(page.contains("Signing in with your company account did not work"));
}

#[tokio::test]
async fn the_provider_cannot_demote_the_last_admin() {
    let (app, _provider) = portal_with_sso(&[("PORTAL_OIDC_ROLE_CLAIM", "groups")]).await;
    // The only admin; the provider's groups say viewer.
    add_staff_with_email(&app, "sso-viewer@idp.example", Role::Admin).await;
    let mut browser = Jar::new(&app);
    let callback = browser.through_provider("sso-viewer").await;
    assert_eq!(browser.come_back(&callback).await, "/sub-orgs");
    let person = staff::find_by_email(&app.state.db, "sso-viewer@idp.example")
        .await
        .expect("query")
        .expect("row");
    assert_eq!(person.role, Role::Admin);
    let refused = app.events_of("staff.updated").await;
    assert_eq!(refused[0]["outcome"], "denied");

    // With another admin, the provider's word holds.
    app.add_staff(Role::Admin).await;
    let mut browser = Jar::new(&app);
    let callback = browser.through_provider("sso-viewer").await;
    browser.come_back(&callback).await;
    let person = staff::find_by_email(&app.state.db, "sso-viewer@idp.example")
        .await
        .expect("query")
        .expect("row");
    assert_eq!(person.role, Role::Viewer);
}

#[tokio::test]
async fn password_sign_in_can_be_left_to_the_break_glass_admin() {
    let (app, _provider) = portal_with_sso(&[("PORTAL_PASSWORD_SIGNIN", "break-glass")]).await;
    let (admin, admin_password) = app.add_staff(Role::Admin).await;
    let (glass, glass_password) = app.add_staff(Role::Admin).await;
    let id = staff::find_by_email(&app.state.db, &glass)
        .await
        .expect("query")
        .expect("row")
        .id;
    staff::set_break_glass(&app.state.db, id)
        .await
        .expect("marked");
    let res = app.browser().sign_in(&admin, &admin_password).await;
    assert_eq!(res.status(), 401, "not the break-glass account");
    assert!(res
        .text()
        .await
        .expect("page")
        .contains(suborg_portal::forms::login::FAILED));
    assert_eq!(
        app.browser()
            .sign_in(&glass, &glass_password)
            .await
            .status(),
        303
    );
    let failed = app.events_of("auth.login.failed").await;
    assert_eq!(
        failed[0]["detail"]["reason"],
        "password_signin_break_glass_only"
    );

    let (app, _provider) = portal_with_sso(&[("PORTAL_PASSWORD_SIGNIN", "off")]).await;
    let (admin, password) = app.add_staff(Role::Admin).await;
    let res = app.browser().sign_in(&admin, &password).await;
    assert_eq!(res.status(), 403);
    let page = app.get("/login").await.text().await.expect("page");
    assert!(
        !page.contains("name=\"password\""),
        "no password form when it is off"
    );
}
