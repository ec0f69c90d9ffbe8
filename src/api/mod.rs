//! Form handlers: thin (authorize → validate → call the domain module → map errors). A form
//! posts to its page's own path; on a problem the page is rendered again with what was typed
//! (never a password) and a message beside each field, on success the browser is redirected.
//! Everything works without JavaScript.

pub mod account;
pub mod audit;
pub mod impersonation;
pub mod login;
pub mod one_time;
pub mod staff;
pub mod sub_orgs;

use std::collections::BTreeMap;

use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use leptos::prelude::provide_context;
use serde::de::DeserializeOwned;

use crate::auth::CurrentStaff;
use crate::http::render::render_page_with;
use crate::state::AppState;

/// What a page needs to show a form again: which form, the values typed and the problems.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormFeedback {
    pub form: &'static str,
    pub values: BTreeMap<String, String>,
    /// Field name → message; `""` for a message about the whole form.
    pub errors: BTreeMap<String, String>,
}

impl FormFeedback {
    pub fn new(form: &'static str) -> Self {
        Self {
            form,
            ..Self::default()
        }
    }

    pub fn value(mut self, field: &str, value: &str) -> Self {
        self.values.insert(field.to_owned(), value.to_owned());
        self
    }

    pub fn error(mut self, field: &str, message: impl Into<String>) -> Self {
        self.errors
            .entry(field.to_owned())
            .or_insert(message.into());
        self
    }

    /// Refuses `value` beside `field` when it is longer than `max` characters (unless the
    /// field already has a message).
    pub fn within(self, field: &str, value: &str, max: usize) -> Self {
        match crate::domain::text::too_long(value.trim(), max) {
            Some(message) => self.error(field, message),
            None => self,
        }
    }

    /// What was typed in `field` (empty when nothing).
    pub fn typed(&self, field: &str) -> String {
        self.values.get(field).cloned().unwrap_or_default()
    }

    /// The message for `field`; `""` names the whole form.
    pub fn problem(&self, field: &str) -> Option<String> {
        self.errors.get(field).cloned()
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }
}

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

/// A page-relative redirect target that cannot leave the portal: a plain path starting with
/// a single `/`, with no scheme, host, backslash, whitespace or control character anywhere
/// (browsers drop tabs and newlines, so `/<TAB>/evil.example` would leave). Anything else is `/`.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/login")
                && !path
                    .chars()
                    .any(|c| c == '\\' || c.is_whitespace() || c.is_control()) =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// A `303 See Other` to a portal path that ends in an id from PostGrid: the id is
/// percent-encoded as one path segment, so whatever PostGrid sends stays on that path.
pub fn see_resource(prefix: &str, id: &str, query: &str) -> Response {
    const SEGMENT: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'_').remove(b'-');
    let segment = percent_encoding::utf8_percent_encode(id, SEGMENT);
    Redirect::to(&format!("{prefix}/{segment}{query}")).into_response()
}

/// Something went wrong that the person cannot fix by changing the form.
pub fn unavailable() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        "The portal could not complete this right now. Try again in a moment.",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_never_leaves_the_portal() {
        assert_eq!(safe_next(Some("/sub-orgs?search=a")), "/sub-orgs?search=a");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "evil",
            "/login?next=//x",
            "",
            "/\t/evil.example",
            "/\n/evil.example",
            "/ok\u{7}",
            "/ok\r\nset-cookie: x=1",
            "/a b",
            "/\u{a0}/evil.example",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
