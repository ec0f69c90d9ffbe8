//! Router assembly: pages, form handlers, exports, health, assets and the middleware around them.

pub mod acting;
mod assets;
pub mod authorize;
pub mod client_addr;
mod error_page;
mod health;
pub mod origin_guard;
pub mod request_id;
pub mod security_headers;
mod session_store;

use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use axum::Router;
use leptos_axum::LeptosRoutes;
use tower_sessions::cookie::SameSite;
use tower_sessions::{ExpiredDeletion, Expiry, SessionManagerLayer};

use tower_http::limit::RequestBodyLimitLayer;

use crate::app::{render, App};
use crate::domain::text::BODY_MAX_BYTES;
use crate::forms;
use crate::state::AppState;

pub use assets::STYLESHEET_PATH;
pub use session_store::PortalStore;

/// The session layer over the portal's own database: HttpOnly, SameSite=Strict, and `Secure`
/// with the `__Host-` prefix when the public URL is https.
pub async fn sessions(state: &AppState) -> Result<SessionManagerLayer<PortalStore>, sqlx::Error> {
    let store = PortalStore::open(&state.db).await?;
    tokio::spawn(
        store
            .clone()
            .continuously_delete_expired(std::time::Duration::from_secs(300)),
    );
    let https = state.config.is_https();
    let idle = state.session_policy.idle;
    Ok(SessionManagerLayer::new(store)
        .with_name(if https {
            "__Host-suborg_session"
        } else {
            "suborg_session"
        })
        .with_secure(https)
        .with_http_only(true)
        .with_same_site(SameSite::Strict)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(idle)))
}

pub fn router(state: AppState, sessions: SessionManagerLayer<PortalStore>) -> Router {
    let pages = leptos_axum::generate_route_list(App);
    let forms = Router::new()
        .route("/login", post(forms::login::login))
        .route("/logout", post(forms::login::logout))
        .route("/account/password", post(forms::account::change_password))
        .route("/staff", post(forms::staff::add))
        .route("/staff/{id}/role", post(forms::staff::change_role))
        .route("/staff/{id}/disable", post(forms::staff::disable))
        .route("/staff/{id}/password", post(forms::staff::set_password))
        .route("/sub-orgs/new", post(forms::sub_orgs::create))
        .route("/audit/verify", post(forms::audit::verify_now))
        .route("/impersonation/start", post(forms::impersonation::start))
        .route("/impersonation/stop", post(forms::impersonation::stop))
        .route(
            "/impersonation/mode",
            post(forms::impersonation::change_mode),
        )
        .route(
            "/impersonation/handoff",
            post(forms::impersonation::handoff),
        )
        .route(
            "/impersonation/contacts/new",
            post(forms::impersonation::create_contact),
        )
        .route(
            "/impersonation/templates/new",
            post(forms::impersonation::create_template),
        )
        .route(
            "/impersonation/templates/{id}",
            post(forms::impersonation::update_template),
        )
        .route(
            "/impersonation/letters/new",
            post(forms::impersonation::create_letter),
        );
    let router = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/assets/{name}", get(assets::serve))
        .route("/audit/export.csv", get(forms::audit::export_csv))
        .route("/audit/export.jsonl", get(forms::audit::export_jsonl))
        .leptos_routes_with_handler(pages, get(render::render_page))
        .merge(forms)
        .fallback(render::render_not_found)
        // Innermost first: a handler's error rendered as a page; the impersonation
        // re-checked; who is signed in and may they; then same-origin; then sessions.
        .layer(from_fn_with_state(state.clone(), error_page::middleware))
        .layer(from_fn_with_state(state.clone(), acting::middleware))
        .layer(from_fn_with_state(state.clone(), authorize::middleware))
        .layer(from_fn_with_state(state.clone(), origin_guard::middleware))
        .layer(sessions)
        // No request body beyond the largest form, whatever the route.
        .layer(RequestBodyLimitLayer::new(BODY_MAX_BYTES));
    security_headers::apply(router, state.config.is_https())
        .layer(axum::middleware::from_fn(request_id::middleware))
        .layer(from_fn_with_state(state.clone(), client_addr::middleware))
        .with_state(state)
}
