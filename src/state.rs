//! The one state every handler and page shares, cheap to clone.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::audit::AuditLog;
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
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}
