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
mod step_up;

use axum::http::Method;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, on, MethodFilter, MethodRouter};
use axum::Router;
use leptos_axum::LeptosRoutes;
use tower_sessions::cookie::SameSite;
use tower_sessions::{ExpiredDeletion, Expiry, SessionManagerLayer};
use Verb::{Get, Post};

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

/// The methods endpoints answer, each both as the router filters it and as a method.
#[derive(Clone, Copy)]
enum Verb {
    Get,
    Post,
}

impl Verb {
    fn method(self) -> Method {
        match self {
            Get => Method::GET,
            Post => Method::POST,
        }
    }

    fn filter(self) -> MethodFilter {
        match self {
            Get => MethodFilter::GET,
            Post => MethodFilter::POST,
        }
    }
}

/// A route the portal serves besides its pages. The handler is given the method to answer, so
/// the router serves the method the list names.
struct Endpoint {
    verb: Verb,
    path: &'static str,
    handler: fn(MethodFilter) -> MethodRouter<AppState>,
}

const fn endpoint(
    verb: Verb,
    path: &'static str,
    handler: fn(MethodFilter) -> MethodRouter<AppState>,
) -> Endpoint {
    Endpoint {
        verb,
        path,
        handler,
    }
}

/// The form handlers, exports, health checks and assets. The router is built from this list,
/// and [`routes`] hands it to the tests, so a new route cannot miss the permission matrix.
const ENDPOINTS: &[Endpoint] = &[
    endpoint(Post, "/login", |m| on(m, forms::login::login)),
    endpoint(Post, "/login/code", |m| on(m, forms::login::login_code)),
    endpoint(Post, "/login/sso", |m| on(m, forms::sso::start)),
    endpoint(Get, "/login/sso/callback", |m| on(m, forms::sso::callback)),
    endpoint(Post, "/logout", |m| on(m, forms::login::logout)),
    endpoint(Post, "/account/mfa", |m| on(m, forms::mfa::confirm)),
    endpoint(Post, "/account/sessions/{handle}/end", |m| {
        on(m, forms::account::end_session)
    }),
    endpoint(Post, "/account/mfa/start", |m| on(m, forms::mfa::start)),
    endpoint(Post, "/account/time-zone", |m| {
        on(m, forms::account::set_time_zone)
    }),
    endpoint(Post, "/account/password", |m| {
        on(m, forms::account::change_password)
    }),
    endpoint(Post, "/staff", |m| on(m, forms::staff::add)),
    endpoint(Post, "/staff/{id}/role", |m| {
        on(m, forms::staff::change_role)
    }),
    endpoint(Post, "/staff/{id}/disable", |m| {
        on(m, forms::staff::disable)
    }),
    endpoint(Post, "/staff/{id}/password", |m| {
        on(m, forms::staff::set_password)
    }),
    endpoint(Post, "/staff/{id}/mfa/reset", |m| {
        on(m, forms::staff::reset_mfa)
    }),
    endpoint(Post, "/staff/{id}/enable", |m| on(m, forms::staff::enable)),
    endpoint(Post, "/staff/{id}/unlock", |m| on(m, forms::staff::unlock)),
    endpoint(Post, "/approvals/{id}/grant", |m| {
        on(m, forms::approvals::grant)
    }),
    endpoint(Post, "/approvals/{id}/deny", |m| {
        on(m, forms::approvals::deny)
    }),
    endpoint(Post, "/sub-orgs/new", |m| on(m, forms::sub_orgs::create)),
    endpoint(Post, "/audit/verify", |m| on(m, forms::audit::verify_now)),
    endpoint(Post, "/impersonation/start", |m| {
        on(m, forms::impersonation::start)
    }),
    endpoint(Post, "/impersonation/stop", |m| {
        on(m, forms::impersonation::stop)
    }),
    endpoint(Post, "/impersonation/mode", |m| {
        on(m, forms::impersonation::change_mode)
    }),
    endpoint(Post, "/impersonation/handoff", |m| {
        on(m, forms::impersonation::handoff)
    }),
    endpoint(Post, "/impersonation/contacts/new", |m| {
        on(m, forms::acting::contacts::create)
    }),
    endpoint(Post, "/impersonation/contacts/{id}/delete", |m| {
        on(m, forms::acting::contacts::delete)
    }),
    endpoint(Post, "/impersonation/templates/new", |m| {
        on(m, forms::acting::templates::create)
    }),
    endpoint(Post, "/impersonation/templates/{id}", |m| {
        on(m, forms::acting::templates::update)
    }),
    endpoint(Post, "/impersonation/templates/{id}/delete", |m| {
        on(m, forms::acting::templates::delete)
    }),
    endpoint(Post, "/impersonation/letters/new", |m| {
        on(m, forms::acting::letters::create)
    }),
    endpoint(Post, "/impersonation/letters/{id}/cancel", |m| {
        on(m, forms::acting::letters::cancel)
    }),
    endpoint(Post, "/sendgrid/subusers/{name}/status", |m| {
        on(m, forms::sendgrid::set_status)
    }),
    endpoint(Post, "/sendgrid/acting/suppressions/{kind}/remove", |m| {
        on(m, forms::sendgrid::remove_suppression)
    }),
    endpoint(
        Post,
        "/sendgrid/acting/templates/{id}/versions/{version}/activate",
        |m| on(m, forms::sendgrid::activate_version),
    ),
    endpoint(Get, "/healthz", |m| on(m, health::healthz)),
    endpoint(Get, "/readyz", |m| on(m, health::readyz)),
    endpoint(Get, "/assets/{name}", |m| on(m, assets::serve)),
    endpoint(Get, "/audit/export.csv", |m| {
        on(m, forms::audit::export_csv)
    }),
    endpoint(Get, "/audit/export.jsonl", |m| {
        on(m, forms::audit::export_jsonl)
    }),
];

/// Every route the router has, as (method, path pattern with `{param}`s): the pages first.
pub fn routes() -> Vec<(Method, String)> {
    let pages = leptos_axum::generate_route_list(App)
        .into_iter()
        .map(|page| (Method::GET, page.path().to_owned()));
    let endpoints = ENDPOINTS
        .iter()
        .map(|e| (e.verb.method(), e.path.to_owned()));
    pages.chain(endpoints).collect()
}

pub fn router(state: AppState, sessions: SessionManagerLayer<PortalStore>) -> Router {
    let pages = leptos_axum::generate_route_list(App);
    let endpoints = ENDPOINTS.iter().fold(Router::new(), |router, e| {
        router.route(e.path, (e.handler)(e.verb.filter()))
    });
    let router = Router::new()
        .leptos_routes_with_handler(pages, get(render::render_page))
        .merge(endpoints)
        .fallback(render::render_not_found)
        // Innermost first: a handler's error rendered as a page; the impersonation
        // re-checked; a fresh second factor for risky steps; who is signed in and may they;
        // then same-origin; then sessions.
        .layer(from_fn_with_state(state.clone(), error_page::middleware))
        .layer(from_fn_with_state(state.clone(), acting::middleware))
        .layer(from_fn_with_state(state.clone(), step_up::middleware))
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
