//! Health endpoints for process supervisors and load balancers.

use axum::extract::State;
use axum::http::StatusCode;

use crate::state::AppState;

/// The process is up and serving.
pub async fn healthz() -> &'static str {
    "ok"
}

/// The database answers and carries every migration this binary expects.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.db.is_ready().await {
        Ok(true) => (StatusCode::OK, "ready"),
        Ok(false) => (StatusCode::SERVICE_UNAVAILABLE, "migrations pending"),
        Err(err) => {
            tracing::warn!(error = %err, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
