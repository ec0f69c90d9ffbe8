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

use axum::http::Method;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post, MethodRouter};
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

/// A route the portal serves besides its pages, and how it is handled.
struct Endpoint {
    method: Method,
    path: &'static str,
    handler: fn() -> MethodRouter<AppState>,
}

const fn endpoint(
    method: Method,
    path: &'static str,
    handler: fn() -> MethodRouter<AppState>,
) -> Endpoint {
    Endpoint {
        method,
        path,
        handler,
    }
}

/// The form handlers, exports, health checks and assets. The router is built from this list,
/// and [`routes`] hands it to the tests, so a new route cannot miss the permission matrix.
const ENDPOINTS: &[Endpoint] = &[
    endpoint(Method::POST, "/login", || post(forms::login::login)),
    endpoint(Method::POST, "/logout", || post(forms::login::logout)),
    endpoint(Method::POST, "/account/password", || {
        post(forms::account::change_password)
    }),
    endpoint(Method::POST, "/staff", || post(forms::staff::add)),
    endpoint(Method::POST, "/staff/{id}/role", || {
        post(forms::staff::change_role)
    }),
    endpoint(Method::POST, "/staff/{id}/disable", || {
        post(forms::staff::disable)
    }),
    endpoint(Method::POST, "/staff/{id}/password", || {
        post(forms::staff::set_password)
    }),
    endpoint(Method::POST, "/sub-orgs/new", || {
        post(forms::sub_orgs::create)
    }),
    endpoint(Method::POST, "/audit/verify", || {
        post(forms::audit::verify_now)
    }),
    endpoint(Method::POST, "/impersonation/start", || {
        post(forms::impersonation::start)
    }),
    endpoint(Method::POST, "/impersonation/stop", || {
        post(forms::impersonation::stop)
    }),
    endpoint(Method::POST, "/impersonation/mode", || {
        post(forms::impersonation::change_mode)
    }),
    endpoint(Method::POST, "/impersonation/handoff", || {
        post(forms::impersonation::handoff)
    }),
    endpoint(Method::POST, "/impersonation/contacts/new", || {
        post(forms::impersonation::create_contact)
    }),
    endpoint(Method::POST, "/impersonation/templates/new", || {
        post(forms::impersonation::create_template)
    }),
    endpoint(Method::POST, "/impersonation/templates/{id}", || {
        post(forms::impersonation::update_template)
    }),
    endpoint(Method::POST, "/impersonation/letters/new", || {
        post(forms::impersonation::create_letter)
    }),
    endpoint(Method::GET, "/healthz", || get(health::healthz)),
    endpoint(Method::GET, "/readyz", || get(health::readyz)),
    endpoint(Method::GET, "/assets/{name}", || get(assets::serve)),
    endpoint(Method::GET, "/audit/export.csv", || {
        get(forms::audit::export_csv)
    }),
    endpoint(Method::GET, "/audit/export.jsonl", || {
        get(forms::audit::export_jsonl)
    }),
];

/// Every route the router has, as (method, path pattern with `{param}`s): the pages first.
pub fn routes() -> Vec<(Method, String)> {
    let pages = leptos_axum::generate_route_list(App)
        .into_iter()
        .map(|page| (Method::GET, page.path().to_owned()));
    let endpoints = ENDPOINTS
        .iter()
        .map(|e| (e.method.clone(), e.path.to_owned()));
    pages.chain(endpoints).collect()
}

pub fn router(state: AppState, sessions: SessionManagerLayer<PortalStore>) -> Router {
    let pages = leptos_axum::generate_route_list(App);
    let endpoints = ENDPOINTS.iter().fold(Router::new(), |router, e| {
        router.route(e.path, (e.handler)())
    });
    let router = Router::new()
        .leptos_routes_with_handler(pages, get(render::render_page))
        .merge(endpoints)
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
