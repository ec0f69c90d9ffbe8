//! Form handlers: thin (authorize → validate → call the domain module → map errors). A form
//! posts to its page's own path; on a problem the page is rendered again with what was typed
//! (never a password) and a message beside each field, on success the browser is redirected.
//! Everything works without JavaScript.

pub mod account;
pub mod audit;
pub mod impersonation;
pub mod login;
pub mod staff;
pub mod sub_orgs;

use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use leptos::prelude::provide_context;
use serde::de::DeserializeOwned;

use crate::app::render::render_page_with;
use crate::auth::CurrentStaff;
use crate::state::AppState;
pub use crate::web::paths::{safe_next, see_resource};
pub use crate::web::FormFeedback;

/// Splits a form post into its head (kept for rendering) and its parsed fields.
pub async fn read_form<T: DeserializeOwned>(req: Request) -> (Parts, Option<T>) {
    let (parts, body) = req.into_parts();
    let form = Form::<T>::from_request(Request::from_parts(parts.clone(), body), &())
        .await
        .ok()
        .map(|Form(form)| form);
    (parts, form)
}

/// Renders the page at the request's path again with the form's feedback.
pub async fn show_again(
    state: AppState,
    parts: Parts,
    feedback: FormFeedback,
    status: StatusCode,
) -> Response {
    let mut parts = parts;
    parts.method = axum::http::Method::GET;
    let req = Request::from_parts(parts, Body::empty());
    let mut res = render_page_with(state, req, move || provide_context(feedback.clone())).await;
    *res.status_mut() = status;
    res
}

/// The signed-in person; the authorization middleware has already required one.
pub fn current(parts: &Parts) -> Option<CurrentStaff> {
    parts.extensions.get::<CurrentStaff>().cloned()
}

/// Something went wrong that the person cannot fix by changing the form.
pub fn unavailable() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        "The portal could not complete this right now. Try again in a moment.",
    )
        .into_response()
}
