//! Turns a handler's error into the portal's error page. A handler answers with an empty
//! response carrying [`ErrorShown`]; this layer, innermost so the head it keeps knows who is
//! signed in and what they are acting for, renders that page around it.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::app::render::render_error;
use crate::state::AppState;
use crate::web::ErrorShown;

pub async fn middleware(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let head = parts.clone();
    let res = next.run(Request::from_parts(parts, body)).await;
    match res.extensions().get::<ErrorShown>() {
        Some(shown) => render_error(state, head, shown.clone()).await,
        None => res,
    }
}
