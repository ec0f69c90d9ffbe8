use std::collections::HashMap;

use std::sync::Arc;

use suborg_portal::audit::{AuditedCalls, Origin};
use suborg_portal::config::Config;
use suborg_portal::postgrid::sim::{Seed, Simulator, BASE_PATH};
use suborg_portal::postgrid::ParentClient;
use suborg_portal::startup::Application;
use suborg_portal::state::AppState;

pub const AUDIT_KEY: &str = "test-audit-key-0123456789abcdef0123456789";
pub const API_KEY: &str = "test_sk_integration";

/// One running portal with its own temporary database, stopped when dropped.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub state: AppState,
    /// The PostGrid simulator this portal talks to.
    pub sim: Arc<Simulator>,
    pub data: tempfile::TempDir,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(&[]).await
    }

    pub async fn spawn_with(overrides: &[(&str, &str)]) -> Self {
        let data = tempfile::tempdir().expect("temporary directory");
        let sim = Simulator::new(Some(API_KEY.to_owned()), Seed::Demo);
        let sim_addr = sim
            .spawn(([127, 0, 0, 1], 0).into())
            .await
            .expect("simulator listens");
        let mut vars: HashMap<String, String> = HashMap::from([
            ("PORTAL_ADDR".into(), "127.0.0.1:0".into()),
            ("POSTGRID_API_KEY".into(), API_KEY.into()),
            ("PORTAL_AUDIT_KEY".into(), AUDIT_KEY.into()),
            (
                "POSTGRID_BASE_URL".into(),
                format!("http://{sim_addr}{BASE_PATH}"),
            ),
            (
                "DATABASE_URL".into(),
                format!("sqlite://{}/portal.db", data.path().display()),
            ),
        ]);
        for (k, v) in overrides {
            vars.insert((*k).into(), (*v).into());
        }
        let config = Config::from_lookup(|name| vars.get(name).cloned()).expect("valid config");
        let app = Application::build(config)
            .await
            .expect("application builds");
        let address = format!("http://{}", app.local_addr().expect("bound address"));
        let state = app.state().clone();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app.run_until(async {
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
            data,
            _shutdown: tx,
        }
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
