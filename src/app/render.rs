//! Renders Leptos pages as complete HTML documents with no scripts.
//!
//! leptos_axum's own handlers append the hydration data (inline `<script>` tags) after
//! `</html>`. Nothing hydrates here (SSR only, no JavaScript), so those tags are dead weight that
//! a strict CSP would report on every page. This renderer awaits the whole page in order and
//! drops the hydration data stream instead of sending it.

use std::future::Future;
use std::pin::Pin;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{header, Method, StatusCode};
use axum::response::Response;
use futures_util::stream::{self, Stream, StreamExt};
use leptos::prelude::*;

use crate::app::shell;
use crate::state::AppState;
use crate::web::ErrorShown;

type PinnedStream = Pin<Box<dyn Stream<Item = String> + Send>>;
type PinnedFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;
type HydrationData = Box<dyn FnOnce() -> PinnedStream + Send>;

fn whole_page_without_hydration_data<IV: IntoView + 'static>(
    app: IV,
    _hydration_data: HydrationData,
    _supports_out_of_order: bool,
) -> PinnedFuture<PinnedStream> {
    Box::pin(async move {
        let html = app.to_html_stream_in_order().collect::<String>().await;
        Box::pin(stream::once(async move { html })) as PinnedStream
    })
}

/// Renders the page the Leptos router picks for this request.
pub async fn render_page(State(state): State<AppState>, req: Request) -> Response {
    render_page_with(state, req, || {}).await
}

/// Renders the page for this request with more context, such as a form's values and errors
/// when a POST re-renders the page it came from.
pub async fn render_page_with(
    state: AppState,
    req: Request,
    extra: impl Fn() + Clone + Send + 'static,
) -> Response {
    let options = state.leptos.clone();
    leptos_axum::handle_response_inner(
        move || {
            provide_context(state.clone());
            extra();
        },
        move || shell(options),
        req,
        whole_page_without_hydration_data,
    )
    .await
}

/// Renders a GET of the request's path with `shown` in the context (a form's feedback, a page
/// that takes the place of the route), answered with `status`.
pub async fn render_showing<T: Clone + Send + Sync + 'static>(
    state: AppState,
    mut head: Parts,
    shown: T,
    status: StatusCode,
) -> Response {
    head.method = Method::GET;
    let req = Request::from_parts(head, Body::empty());
    let mut res = render_page_with(state, req, move || provide_context(shown.clone())).await;
    *res.status_mut() = status;
    res
}

/// Renders the error page for a request, inside the portal's chrome, with `shown`'s status
/// (and `Retry-After`). The head is the request's as far as the middleware got: who is signed
/// in and the impersonation in force, when known, show in the header and banner.
pub async fn render_error(state: AppState, head: Parts, shown: ErrorShown) -> Response {
    let status = shown.status;
    let retry_after = shown.retry_after_header();
    let mut res = render_showing(state, head, shown, status).await;
    if let Some(value) = retry_after {
        res.headers_mut().insert(header::RETRY_AFTER, value);
    }
    res
}

/// Renders the router's "not found" page for any path no route claims.
pub async fn render_not_found(state: State<AppState>, req: Request) -> Response<Body> {
    let mut res = render_page(state, req).await;
    if res.status() == StatusCode::OK {
        *res.status_mut() = StatusCode::NOT_FOUND;
    }
    res
}
