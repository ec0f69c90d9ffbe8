//! Router assembly: pages, server functions, health, assets and the middleware around them.

mod assets;
mod health;
mod render;
pub mod request_id;
pub mod security_headers;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use leptos::prelude::provide_context;
use leptos_axum::LeptosRoutes;

use crate::app::App;
use crate::state::AppState;

pub use assets::STYLESHEET_PATH;

pub fn router(state: AppState) -> Router {
    let pages = leptos_axum::generate_route_list(App);
    let router = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/assets/{name}", get(assets::serve))
        .route(
            "/api/{*server_fn}",
            get(server_function).post(server_function),
        )
        .leptos_routes_with_handler(pages, get(render::render_page))
        .fallback(render::render_not_found);
    security_headers::apply(router)
        .layer(axum::middleware::from_fn(request_id::middleware))
        .with_state(state)
}

/// Hands a server-function call to Leptos with the portal's state in context.
async fn server_function(State(state): State<AppState>, req: Request<Body>) -> Response {
    leptos_axum::handle_server_fns_with_context(move || provide_context(state.clone()), req)
        .await
        .into_response()
}
