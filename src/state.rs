//! The one state every handler and page shares, cheap to clone.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::audit::AuditLog;
use crate::auth::password::Hasher;
use crate::auth::session::SessionPolicy;
use crate::auth::staff::LockoutPolicy;
use crate::auth::throttle::AddressThrottle;
use crate::clock::Clock;
use crate::config::Config;
use crate::db::Database;
use crate::postgrid::Transport;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Database,
    /// The only writer of audit events.
    pub audit: AuditLog,
    /// The parent's key and the HTTP client every PostGrid call goes through.
    pub postgrid: Arc<Transport>,
    pub leptos: LeptosOptions,
    pub clock: Arc<dyn Clock>,
    pub hasher: Hasher,
    pub throttle: Arc<AddressThrottle>,
    pub session_policy: SessionPolicy,
    pub lockout: LockoutPolicy,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}
