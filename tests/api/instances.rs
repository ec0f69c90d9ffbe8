//! Several portal processes on one database, as behind a load balancer: real `serve` processes
//! of the built binary, one PostGrid simulator, and clients that go to either process. On the
//! test command's PostgreSQL pass this is the deployment the README describes.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use suborg_portal::postgrid::sim::{Seed, Simulator, BASE_PATH};

use crate::helpers::{cookie_from, fresh_database_url, API_KEY, AUDIT_KEY, ORG};

/// The origin both processes are configured with: what a browser sees through the balancer.
pub const PUBLIC_URL: &str = "http://portal.example.test";
const HAMMER_FOR: Duration = Duration::from_secs(30);

/// What every process of one deployment shares.
pub struct Deployment {
    pub db_url: String,
    pub sim: Arc<Simulator>,
    sim_base: String,
    pub dir: PathBuf,
}

impl Deployment {
    pub async fn new(dir: &Path, db_url: String) -> Self {
        let sim = Simulator::new(Some(API_KEY.to_owned()), Seed::Demo);
        let sim_addr = sim
            .spawn(([127, 0, 0, 1], 0).into())
            .await
            .expect("simulator listens");
        Self {
            db_url,
            sim,
            sim_base: format!("http://{sim_addr}{BASE_PATH}"),
            dir: dir.to_owned(),
        }
    }

    /// Runs a command of the binary against the shared database.
    pub fn command(&self, args: &[&str], stdin: Option<&str>) -> Output {
        use std::io::Write;
        let mut child = Command::new(env!("CARGO_BIN_EXE_suborg-portal"))
            .args(args)
            .env_clear()
            .env("DATABASE_URL", &self.db_url)
            .env("PORTAL_AUDIT_KEY", AUDIT_KEY)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("binary runs");
        if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(text.as_bytes()).expect("stdin written");
        }
        child.wait_with_output().expect("binary finishes")
    }

    /// Adds a staff member through the CLI, as an operator would; returns the password.
    pub fn add_staff(&self, email: &str, role: &str) -> String {
        let password = format!("{role}-password-long-enough");
        let out = self.command(
            &[
                "staff",
                "add",
                "--email",
                email,
                "--name",
                role,
                "--role",
                role,
                "--password-stdin",
            ],
            Some(&format!("{password}\n")),
        );
        assert!(out.status.success(), "staff add: {out:?}");
        password
    }

    /// Starts one `serve` process and waits until it reports ready.
    pub async fn start(&self, name: &str) -> Portal {
        let port = free_port();
        let log_path = self.dir.join(format!("{name}.log"));
        let log = File::create(&log_path).expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_suborg-portal"))
            .arg("serve")
            .current_dir(&self.dir)
            .env_clear()
            .env("DATABASE_URL", &self.db_url)
            .env("PORTAL_ADDR", format!("127.0.0.1:{port}"))
            .env("PORTAL_PUBLIC_URL", PUBLIC_URL)
            .env("PORTAL_AUDIT_KEY", AUDIT_KEY)
            .env("PORTAL_SECRET_KEY", crate::helpers::SECRET_KEY)
            // The admins of this test sign in with a password only.
            .env("PORTAL_MFA", "off")
            .env("POSTGRID_API_KEY", API_KEY)
            .env("POSTGRID_BASE_URL", &self.sim_base)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::from(log.try_clone().expect("log file")))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("serve starts");
        let portal = Portal {
            child,
            address: format!("http://127.0.0.1:{port}"),
            log_path,
        };
        portal.wait_until_ready(Duration::from_secs(30)).await;
        portal
    }

    /// Every event of the shared log, exported through the CLI.
    pub fn events(&self) -> Vec<Value> {
        let out = self.command(&["audit", "export", "--format", "jsonl"], None);
        assert!(out.status.success(), "export: {out:?}");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|line| serde_json::from_str(line).expect("one JSON object a line"))
            .collect()
    }

    /// The chain verified by a third process; panics with the verdict unless it is intact.
    pub fn assert_chain_intact(&self) -> String {
        let out = self.command(&["audit", "verify"], None);
        let said = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success() && said.contains("intact"), "{said}");
        said
    }

    /// Every PostGrid request the simulator received has its `postgrid.request` event, and
    /// every call's requests and responses pair up.
    pub fn assert_calls_recorded_and_paired(&self) {
        let events = self.events();
        let mut per_call: HashMap<String, (u32, u32)> = HashMap::new();
        for event in &events {
            let call_id = |event: &Value| event["call_id"].as_str().map(str::to_owned);
            match event["action"].as_str() {
                Some("postgrid.request") => {
                    per_call
                        .entry(call_id(event).expect("call id"))
                        .or_default()
                        .0 += 1;
                }
                Some("postgrid.response") => {
                    per_call
                        .entry(call_id(event).expect("call id"))
                        .or_default()
                        .1 += 1;
                }
                _ => {}
            }
        }
        let requests: u32 = per_call.values().map(|(req, _)| req).sum();
        assert_eq!(
            u64::from(requests),
            self.sim.request_count(),
            "one postgrid.request event for each request PostGrid received"
        );
        let unpaired: Vec<_> = per_call
            .iter()
            .filter(|(_, (req, res))| req != res || *req == 0)
            .collect();
        assert!(unpaired.is_empty(), "unpaired calls: {unpaired:?}");
    }
}

/// One `serve` process; killed if the test ends without stopping it.
pub struct Portal {
    child: Child,
    pub address: String,
    log_path: PathBuf,
}

impl Portal {
    pub async fn ready(&self) -> Option<u16> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("client");
        let res = client
            .get(format!("{}/readyz", self.address))
            .send()
            .await
            .ok()?;
        Some(res.status().as_u16())
    }

    pub async fn wait_until_ready(&self, within: Duration) {
        let deadline = Instant::now() + within;
        while self.ready().await != Some(200) {
            assert!(
                Instant::now() < deadline,
                "{} not ready in {within:?}:\n{}",
                self.address,
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// Stops the process as a service manager does (SIGTERM) and waits for it to exit.
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let status = self.child.wait().expect("exits");
        assert!(status.success(), "exit {status}:\n{}", self.log());
    }
}

impl Drop for Portal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// A browser behind the load balancer: one session cookie, whichever process answers.
#[derive(Clone)]
pub struct Visitor {
    http: reqwest::Client,
    cookie: Arc<std::sync::Mutex<Option<String>>>,
}

impl Visitor {
    pub fn new() -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(30))
                .build()
                .expect("client"),
            cookie: Arc::default(),
        }
    }

    fn cookie(&self) -> Option<String> {
        self.cookie.lock().ok().and_then(|c| c.clone())
    }

    fn keep_cookie(&self, res: &reqwest::Response) {
        if let (Some(new), Ok(mut cookie)) = (cookie_from(res), self.cookie.lock()) {
            *cookie = new;
        }
    }

    pub async fn get(&self, portal: &Portal, path: &str) -> reqwest::Result<reqwest::Response> {
        let mut req = self.http.get(format!("{}{path}", portal.address));
        if let Some(cookie) = self.cookie() {
            req = req.header("cookie", cookie);
        }
        let res = req.send().await?;
        self.keep_cookie(&res);
        Ok(res)
    }

    pub async fn post(
        &self,
        portal: &Portal,
        path: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Result<reqwest::Response> {
        let mut req = self
            .http
            .post(format!("{}{path}", portal.address))
            .header("origin", PUBLIC_URL)
            .form(form);
        if let Some(cookie) = self.cookie() {
            req = req.header("cookie", cookie);
        }
        let res = req.send().await?;
        self.keep_cookie(&res);
        Ok(res)
    }

    pub async fn sign_in(&self, portal: &Portal, email: &str, password: &str) {
        let res = self
            .post(
                portal,
                "/login",
                &[("email", email), ("password", password)],
            )
            .await
            .expect("sign-in sent");
        assert_eq!(res.status(), 303, "sign-in as {email}");
    }

    pub async fn status(&self, portal: &Portal, path: &str) -> u16 {
        self.get(portal, path)
            .await
            .map(|res| res.status().as_u16())
            .unwrap_or(0)
    }

    /// How a page went: its status, and for a 200 whether it carries an error notice (a
    /// PostGrid call that failed or could not be recorded).
    pub async fn outcome(&self, portal: &Portal, path: &str) -> String {
        let Ok(res) = self.get(portal, path).await else {
            return "no answer".to_owned();
        };
        let status = res.status().as_u16();
        let body = res.text().await.unwrap_or_default();
        if status == 200 && body.contains("role=\"alert\"") {
            "200 with an error notice".to_owned()
        } else {
            status.to_string()
        }
    }
}

async fn body(visitor: &Visitor, portal: &Portal, path: &str) -> String {
    let res = visitor.get(portal, path).await.expect("sent");
    assert_eq!(res.status(), 200, "{path}");
    res.text().await.expect("body")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_sessions_impersonations_and_one_audit_chain() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db_url = fresh_database_url(dir.path()).await;
    let deployment = Deployment::new(dir.path(), db_url).await;
    let migrated = deployment.command(&["migrate"], None);
    assert!(migrated.status.success(), "migrate: {migrated:?}");
    let admin_password = deployment.add_staff("admin@staff.example", "admin");
    let viewer_password = deployment.add_staff("viewer@staff.example", "viewer");
    let (a, b) = (deployment.start("a").await, deployment.start("b").await);

    // A session made through A is valid on B.
    let admin = Visitor::new();
    admin
        .sign_in(&a, "admin@staff.example", &admin_password)
        .await;
    assert_eq!(admin.status(&b, "/sub-orgs").await, 200);

    // An impersonation started through A is seen on B, and stopping it on B ends it on A.
    let started = admin
        .post(
            &a,
            "/impersonation/start",
            &[
                ("sub_org_id", ORG),
                ("reason", "Customer asked us to fix their welcome letter"),
                ("ticket", "T-42"),
                ("minutes", "30"),
            ],
        )
        .await
        .expect("start sent");
    assert_eq!(started.status(), 303);
    let on_b = body(&admin, &b, "/impersonation/contacts").await;
    assert!(on_b.contains("Stop acting") && on_b.contains("demo0064"));
    let stopped = admin
        .post(&b, "/impersonation/stop", &[])
        .await
        .expect("stop sent");
    assert_eq!(stopped.status(), 303);
    let on_a = body(&admin, &a, "/sub-orgs").await;
    assert!(
        !on_a.contains("Stop acting"),
        "A still acts after B stopped"
    );

    // Four visitors hammer both processes at once.
    let mut visitors = Vec::new();
    for n in 0..4 {
        let visitor = Visitor::new();
        let portal = if n % 2 == 0 { &a } else { &b };
        visitor
            .sign_in(portal, "viewer@staff.example", &viewer_password)
            .await;
        visitors.push(visitor);
    }
    let (a, b) = (Arc::new(a), Arc::new(b));
    let until = Instant::now() + HAMMER_FOR;
    let mut tasks = Vec::new();
    for (n, visitor) in visitors.into_iter().enumerate() {
        let (a, b) = (a.clone(), b.clone());
        tasks.push(tokio::spawn(async move {
            let mut outcomes: HashMap<String, u32> = HashMap::new();
            let mut i = n;
            while Instant::now() < until {
                let portal = if i % 2 == 0 { &a } else { &b };
                let path = if i % 5 == 0 {
                    format!("/sub-orgs/sub_org_demo{:04}", 1 + i % 64)
                } else {
                    "/sub-orgs".to_owned()
                };
                *outcomes
                    .entry(visitor.outcome(portal, &path).await)
                    .or_default() += 1;
                i += 1;
            }
            outcomes
        }));
    }
    let mut outcomes: HashMap<String, u32> = HashMap::new();
    for task in tasks {
        for (outcome, n) in task.await.expect("visitor finished") {
            *outcomes.entry(outcome).or_default() += n;
        }
    }
    let pages = outcomes.get("200").copied().unwrap_or_default();
    assert_eq!(outcomes.len(), 1, "every page whole: {outcomes:?}");
    assert!(
        pages >= 100,
        "too little load to mean anything: {outcomes:?}"
    );

    // Signing out through B ends the session on A.
    let leaving = Visitor::new();
    leaving
        .sign_in(&a, "viewer@staff.example", &viewer_password)
        .await;
    assert_eq!(leaving.status(&a, "/sub-orgs").await, 200);
    let out = leaving.post(&b, "/logout", &[]).await.expect("logout sent");
    assert_eq!(out.status(), 303);
    let after = leaving.get(&a, "/sub-orgs").await.expect("sent");
    assert_eq!(after.status(), 303, "the session still works on A");
    assert!(after
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .is_some_and(|l| l.starts_with("/login")));

    // Both stop cleanly, writing what they still had queued; one chain, every call paired.
    for portal in [a, b] {
        Arc::into_inner(portal).expect("no visitor left").stop();
    }
    let verdict = deployment.assert_chain_intact();
    deployment.assert_calls_recorded_and_paired();
    eprintln!("{verdict}; pages: {outcomes:?}");
}
