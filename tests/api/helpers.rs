use std::collections::HashMap;

use std::path::Path;
use std::sync::Arc;

use suborg_portal::audit::{AuditedCalls, Origin};
use suborg_portal::auth::{staff, Role};
use suborg_portal::clock::ManualClock;
use suborg_portal::config::Config;
use suborg_portal::db::{Database, Engine};
use suborg_portal::domain::Email;
use suborg_portal::postgrid::sim::{Seed, Simulator, BASE_PATH};
use suborg_portal::postgrid::ParentClient;
use suborg_portal::startup::Application;
use suborg_portal::state::AppState;

pub const AUDIT_KEY: &str = "test-audit-key-0123456789abcdef0123456789";
pub const SECRET_KEY: &str = "test-secret-key-for-second-factors-0123456789";
pub const API_KEY: &str = "test_sk_integration";

/// Where a test's database lives: a SQLite file in `dir`, or, when `PORTAL_TEST_DATABASE_URL`
/// names a PostgreSQL database (the test command's second pass), a fresh schema of its own
/// there, selected through the connection's `search_path`.
pub async fn fresh_database_url(dir: &Path) -> String {
    match std::env::var("PORTAL_TEST_DATABASE_URL") {
        Ok(base) if !base.is_empty() => fresh_postgres_schema(&base).await,
        _ => format!("sqlite://{}/portal.db", dir.display()),
    }
}

async fn fresh_postgres_schema(base: &str) -> String {
    use sqlx::Connection;
    let schema = format!("test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(base)
        .await
        .expect("PORTAL_TEST_DATABASE_URL accepts connections");
    sqlx::query(&format!("create schema {schema}"))
        .execute(&mut conn)
        .await
        .expect("test schema created");
    let _ = conn.close().await;
    with_url_option(base, &format!("options[search_path]={schema}"))
}

/// `url` with one more query parameter.
pub fn with_url_option(url: &str, option: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{option}")
}

/// Runs one statement on whichever engine `db` is on.
pub async fn execute(db: &Database, sql: &str) -> Result<u64, sqlx::Error> {
    suborg_portal::execute_on_engine!(db, |pool| sqlx::query(sql).execute(pool).await)
}

/// Lets the next statements change the audit log, as an attacker with the database's owner
/// rights could: the append-only triggers go.
pub async fn drop_append_only_triggers(db: &Database) {
    let sql = match db.engine() {
        Engine::Sqlite => {
            "drop trigger audit_events_refuse_update; \
                           drop trigger audit_events_refuse_delete"
        }
        Engine::Postgres => "alter table audit_events disable trigger user",
    };
    execute(db, sql).await.expect("triggers dropped");
}

/// The demo subuser of the SendGrid simulator most tests act for.
pub const SUBUSER: &str = suborg_portal::sendgrid::sim::DEMO_SUBUSER;

/// The parent's SendGrid key in every test portal.
pub const SENDGRID_KEY: &str = "SG.test-portal-parent";

/// One running portal with its own temporary database, stopped when dropped.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub state: AppState,
    /// The PostGrid simulator this portal talks to.
    pub sim: Arc<Simulator>,
    /// The SendGrid simulator this portal talks to.
    pub sendgrid: Arc<suborg_portal::sendgrid::sim::Simulator>,
    /// The portal's clock: tests move it to reach timeouts.
    pub clock: Arc<ManualClock>,
    /// Holds the SQLite file (and the demo's data) until the test ends.
    _data: tempfile::TempDir,
    /// The `DATABASE_URL` this portal runs on.
    pub db_url: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    running: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(&[]).await
    }

    pub async fn spawn_with(overrides: &[(&str, &str)]) -> Self {
        let data = tempfile::tempdir().expect("temporary directory");
        let db_url = fresh_database_url(data.path()).await;
        Self::spawn_in(data, db_url, overrides).await
    }

    /// A portal on a database that outlives it (another process's, or one a restarted portal
    /// comes back to).
    pub async fn spawn_on(db_url: &str, overrides: &[(&str, &str)]) -> Self {
        let data = tempfile::tempdir().expect("temporary directory");
        Self::spawn_in(data, db_url.to_owned(), overrides).await
    }

    async fn spawn_in(data: tempfile::TempDir, db_url: String, overrides: &[(&str, &str)]) -> Self {
        // The simulator takes the key the portal is given, so a live key works as a test one.
        let key = overrides
            .iter()
            .find(|(name, _)| *name == "POSTGRID_API_KEY")
            .map_or(API_KEY, |(_, key)| *key);
        let sim = Simulator::new(Some(key.to_owned()), Seed::Demo);
        let sim_addr = sim
            .spawn(([127, 0, 0, 1], 0).into())
            .await
            .expect("simulator listens");
        let sendgrid =
            suborg_portal::sendgrid::sim::Simulator::new(Some(SENDGRID_KEY.to_owned()), Seed::Demo);
        let sendgrid_addr = sendgrid
            .spawn(([127, 0, 0, 1], 0).into())
            .await
            .expect("SendGrid simulator listens");
        let mut vars: HashMap<String, String> = HashMap::from([
            ("SENDGRID_API_KEY".into(), SENDGRID_KEY.into()),
            (
                "SENDGRID_BASE_URL".into(),
                format!("http://{sendgrid_addr}"),
            ),
            ("PORTAL_ADDR".into(), "127.0.0.1:0".into()),
            ("POSTGRID_API_KEY".into(), key.into()),
            ("PORTAL_AUDIT_KEY".into(), AUDIT_KEY.into()),
            (
                "POSTGRID_BASE_URL".into(),
                format!("http://{sim_addr}{BASE_PATH}"),
            ),
            ("DATABASE_URL".into(), db_url.clone()),
            ("PORTAL_SECRET_KEY".into(), SECRET_KEY.into()),
            // Second factors are asked for by the tests about them (tests/api/mfa.rs).
            ("PORTAL_MFA".into(), "off".into()),
        ]);
        for (k, v) in overrides {
            vars.insert((*k).into(), (*v).into());
        }
        let config = Config::from_lookup(|name| vars.get(name).cloned()).expect("valid config");
        let clock = ManualClock::new();
        let app = Application::build_with_clock(config, clock.clone())
            .await
            .expect("application builds");
        let address = format!("http://{}", app.local_addr().expect("bound address"));
        let state = app.state().clone();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let running = tokio::spawn(app.run_until(async {
            let _ = rx.await;
        }));
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client");
        Self {
            address,
            client,
            state,
            sim,
            sendgrid,
            clock,
            _data: data,
            db_url,
            shutdown: Some(tx),
            running: Some(running),
        }
    }

    /// Shuts the portal down as a signal would, and waits until it has (its audit streams
    /// stopped and their leases given up).
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(running) = self.running.take() {
            let _ = running.await;
        }
    }

    /// Every audit event so far, as exported.
    pub async fn audit_events(&self) -> Vec<serde_json::Value> {
        let mut out = Vec::new();
        self.state
            .audit
            .export(
                &suborg_portal::audit::Filter::default(),
                suborg_portal::audit::Format::Jsonl,
                &mut out,
            )
            .await
            .expect("export");
        String::from_utf8_lossy(&out)
            .lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect()
    }

    pub async fn events_of(&self, action: &str) -> Vec<serde_json::Value> {
        self.audit_events()
            .await
            .into_iter()
            .filter(|e| e["action"] == action)
            .collect()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{}", self.address, path))
            .send()
            .await
            .expect("request sent")
    }
}

impl TestApp {
    /// The parent client as pages use it: every call recorded in the audit log.
    pub fn audited_parent(&self) -> ParentClient {
        let observer = AuditedCalls::new(self.state.audit.clone(), Origin::default());
        ParentClient::new(self.state.postgrid.clone(), Arc::new(observer))
    }
}

/// A person at a browser: keeps the session cookie and sends the portal's own `Origin` on
/// every form post, as a browser on the portal's pages does.
pub struct Browser<'a> {
    pub app: &'a TestApp,
    pub cookie: Option<String>,
}

impl TestApp {
    pub fn browser(&self) -> Browser<'_> {
        Browser {
            app: self,
            cookie: None,
        }
    }

    /// Adds a staff member directly in the database; returns their email and password.
    pub async fn add_staff(&self, role: Role) -> (String, String) {
        let n = rand::random::<u32>();
        let email = format!("{}{n}@staff.example", role.as_str());
        let password = format!("pass-{n}-long-enough");
        let hash = self
            .state
            .hasher
            .hash(secrecy::SecretString::from(password.clone()))
            .await
            .expect("hash");
        staff::insert_staff(
            &self.state.db,
            &Email::parse(&email).expect("email"),
            &format!("{} {n}", role.label()),
            role,
            &hash,
            false,
            self.state.clock.now(),
        )
        .await
        .expect("staff added");
        (email, password)
    }

    /// A browser signed in as a new staff member of `role`.
    pub async fn signed_in(&self, role: Role) -> Browser<'_> {
        let (email, password) = self.add_staff(role).await;
        let mut browser = self.browser();
        let res = browser.sign_in(&email, &password).await;
        assert_eq!(res.status(), 303, "sign-in as {role:?}");
        browser
    }
}

impl Browser<'_> {
    fn keep_cookie(&mut self, res: &reqwest::Response) {
        if let Some(cookie) = cookie_from(res) {
            self.cookie = cookie;
        }
    }

    fn with_cookie(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.cookie {
            Some(cookie) => req.header("cookie", cookie),
            None => req,
        }
    }

    pub async fn get(&mut self, path: &str) -> reqwest::Response {
        let req = self.app.client.get(format!("{}{}", self.app.address, path));
        let res = self.with_cookie(req).send().await.expect("sent");
        self.keep_cookie(&res);
        res
    }

    /// The page at `path`, as text.
    pub async fn page(&mut self, path: &str) -> String {
        self.get(path).await.text().await.expect("page")
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let req = self
            .app
            .client
            .post(format!("{}{}", self.app.address, path))
            .header("origin", &self.app.address)
            .form(form);
        let res = self.with_cookie(req).send().await.expect("sent");
        self.keep_cookie(&res);
        res
    }

    pub async fn sign_in(&mut self, email: &str, password: &str) -> reqwest::Response {
        self.post("/login", &[("email", email), ("password", password)])
            .await
    }

    /// Starts acting for `sub_org` as the sub-org page's form does, for 30 minutes.
    pub async fn start_impersonation(&mut self, sub_org: &str) -> reqwest::Response {
        self.post(
            "/impersonation/start",
            &[
                ("sub_org_id", sub_org),
                ("reason", IMPERSONATION_REASON),
                ("ticket", "T-42"),
                ("minutes", "30"),
            ],
        )
        .await
    }
}

impl Browser<'_> {
    /// Starts acting for the SendGrid subuser `username`, as its page's form does.
    pub async fn start_acting_for_subuser(&mut self, username: &str) -> reqwest::Response {
        self.post(
            "/impersonation/start",
            &[
                ("account", username),
                ("reason", IMPERSONATION_REASON),
                ("minutes", "30"),
            ],
        )
        .await
    }
}

/// The sub-organization the tests act for; the simulator seeds it with a contact, a template
/// and a letter.
pub const ORG: &str = "sub_org_demo0064";
pub const ORG_CONTACT: &str = "contact_demo0064to";
pub const ORG_TEMPLATE: &str = "template_demo0064welcome";
pub const ORG_LETTER: &str = "letter_demo0064first";
pub const ORG_POSTCARD: &str = "postcard_demo0064hello";

/// The reason the test flows give for acting on behalf of a sub-organization.
pub const IMPERSONATION_REASON: &str = "Customer asked us to fix their welcome letter";
/// The reason the test flows give for switching to write mode.
pub const WRITE_REASON: &str = "The customer asked us to fix their template";

impl Browser<'_> {
    /// Switches the impersonation in force to write mode, with a reason, as its page does.
    pub async fn switch_to_write_mode(&mut self) -> reqwest::Response {
        self.post("/impersonation/mode", &[("why", WRITE_REASON)])
            .await
    }

    /// Opens the create page and returns its form's one-time token.
    pub async fn open_sub_org_form(&mut self) -> String {
        let html = self.get("/sub-orgs/new").await.text().await.expect("body");
        token_in(&html)
    }

    /// Creates a sub-organization called `name` as its create form does; the answer to the
    /// submission (a redirect to the new sub-organization when it worked).
    pub async fn create_sub_org(&mut self, name: &str) -> reqwest::Response {
        let token = self.open_sub_org_form().await;
        self.post("/sub-orgs/new", &sub_org_fields(&token, name))
            .await
    }
}

/// The fields of a valid create form for a sub-organization called `name`.
pub fn sub_org_fields<'f>(token: &'f str, name: &'f str) -> [(&'static str, &'f str); 6] {
    [
        ("token", token),
        ("organization_name", name),
        ("name", "Olive Owner"),
        ("email", "olive@owner.example"),
        ("password", "a perfectly fine passphrase"),
        ("country_code", "US"),
    ]
}

/// The fields of a form, as sent.
pub type Fields<'a> = Vec<(&'a str, &'a str)>;

/// The value of the hidden `token` field of a rendered create form.
pub fn token_in(html: &str) -> String {
    let marker = "name=\"token\" value=\"";
    let start = html.find(marker).expect("a token field") + marker.len();
    html[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned()
}

impl TestApp {
    /// How many impersonations are open, whoever holds them.
    pub async fn open_impersonations(&self) -> i64 {
        const SQL: &str = "select count(*) from impersonations where ended_at is null";
        suborg_portal::on_engine!(self.state.db, |pool| sqlx::query_scalar(SQL)
            .fetch_one(pool)
            .await
            .expect("count"))
    }
}

/// What a response does to the session cookie a browser holds: `None` leaves it, `Some(None)`
/// removes it, `Some(Some(pair))` sets it to `name=value`.
pub fn cookie_from(res: &reqwest::Response) -> Option<Option<String>> {
    let mut cookie = None;
    for value in res.headers().get_all("set-cookie") {
        let Ok(text) = value.to_str() else { continue };
        let pair = text.split(';').next().unwrap_or_default().trim().to_owned();
        let expired = text.to_ascii_lowercase().contains("max-age=0");
        cookie = Some((!expired && !pair.ends_with('=')).then_some(pair));
    }
    cookie
}

/// Where a redirect points.
pub fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}
