//! Form handlers: thin (authorize → validate → call the domain module → map errors). A form
//! posts to its page's own path; on a problem the page is rendered again with what was typed
//! (never a password) and a message beside each field, on success the browser is redirected.
//! Everything works without JavaScript.

pub mod account;
pub mod acting;
pub mod approvals;
pub mod audit;
pub mod impersonation;
pub mod login;
pub mod mfa;
pub mod once;
pub mod second_factor;
pub mod sendgrid;
pub mod sso;
pub mod staff;
pub mod sub_orgs;

use axum::http::request::Parts;
use axum::http::{StatusCode, Uri};
use axum::response::Response;

use crate::app::render::render_showing;
use crate::state::AppState;
pub use crate::web::paths::{safe_next, see_resource};
pub use crate::web::FormFeedback;

/// Renders `path` instead of the path posted to (the form lives on another page).
pub(crate) fn at(mut parts: Parts, path: &str) -> Parts {
    if let Ok(uri) = path.parse::<Uri>() {
        parts.uri = uri;
    }
    parts
}

/// Renders the page at the request's path again with the form's feedback.
pub async fn show_again(
    state: AppState,
    parts: Parts,
    feedback: FormFeedback,
    status: StatusCode,
) -> Response {
    render_showing(state, parts, feedback, status).await
}
