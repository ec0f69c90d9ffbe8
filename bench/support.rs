//! What the benchmarks share: a real portal on a random port with a temporary database.

use secrecy::SecretString;
use suborg_portal::auth::{staff, Role};
use suborg_portal::config::Config;
use suborg_portal::domain::Email;
use suborg_portal::startup::Application;
use suborg_portal::state::AppState;

pub struct Portal {
    pub base: String,
    pub state: AppState,
    _dir: tempfile::TempDir,
}

/// Starts the portal; `upstream` is the PostGrid base URL (a simulator), if any.
pub async fn start_portal(api_key: &str, upstream: Option<String>) -> anyhow::Result<Portal> {
    let dir = tempfile::tempdir()?;
    let db_url = format!("sqlite://{}/portal.db", dir.path().display());
    let config = Config::from_lookup(|name| match name {
        "PORTAL_ADDR" => Some("127.0.0.1:0".to_owned()),
        "POSTGRID_API_KEY" => Some(api_key.to_owned()),
        "POSTGRID_BASE_URL" => upstream.clone(),
        "PORTAL_AUDIT_KEY" => Some("bench-audit-key-0123456789abcdef0123456789".to_owned()),
        "DATABASE_URL" => Some(db_url.clone()),
        "PORTAL_MFA" => Some("off".to_owned()),
        // Lets a benchmark play many clients through X-Forwarded-For (the sign-in throttle
        // counts per client address).
        "PORTAL_TRUSTED_PROXIES" => Some("127.0.0.1".to_owned()),
        _ => None,
    })?;
    let app = Application::build(config).await?;
    let base = format!("http://{}", app.local_addr()?);
    let state = app.state().clone();
    tokio::spawn(app.run_until(std::future::pending()));
    Ok(Portal {
        base,
        state,
        _dir: dir,
    })
}

/// The password of every staff member the benchmarks add.
pub const PASSWORD: &str = "a benchmark passphrase";

impl Portal {
    /// Adds viewers `staff{n}@bench.example` for each `n` in `numbers`.
    pub async fn add_viewers(&self, numbers: std::ops::Range<usize>) -> anyhow::Result<()> {
        let hash = self
            .state
            .hasher
            .hash(SecretString::from(PASSWORD.to_owned()))
            .await?;
        for n in numbers {
            let email = Email::parse(&format!("staff{n}@bench.example"))
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let now = self.state.clock.now();
            staff::insert_staff(
                &self.state.db,
                &email,
                "Bench",
                Role::Viewer,
                &hash,
                false,
                now,
            )
            .await?;
        }
        Ok(())
    }
}

/// An HTTP client that shows redirects instead of following them.
pub fn client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?)
}
