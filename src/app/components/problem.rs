//! A failure shown inside a page: the sentence, the request id to quote, the status set on the
//! response, and a way back.

use axum::http::header;
use axum::http::request::Parts;
use leptos::prelude::*;

use crate::app::request::extension;
use crate::web::paths::safe_next;
use crate::web::request::RequestId;
use crate::web::AppError;

/// What a page loader could not load: logged once, answered with its status (and
/// `Retry-After` when PostGrid asked for one), explained beside the rest of the page.
#[component]
pub fn Problem(#[prop(into)] error: AppError) -> impl IntoView {
    let shown = error.report();
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(shown.status);
        if let Some(value) = shown.retry_after_header() {
            response.insert_header(header::RETRY_AFTER, value);
        }
    }
    let class = if shown.status == axum::http::StatusCode::TOO_MANY_REQUESTS {
        "notice warn"
    } else {
        "notice error"
    };
    view! {
        <div class=class role="alert">
            <p>{shown.message}</p>
            <Reference/>
        </div>
    }
}

/// The request id, for a person to quote to an administrator.
#[component]
pub fn Reference() -> impl IntoView {
    extension::<RequestId>().map(|id| {
        view! { <p class="reference">"Reference for an administrator: " <code>{id.0}</code></p> }
    })
}

/// Back to the page the person came from (its path only, so it stays in the portal), or to
/// the start page.
#[component]
pub fn WayBack() -> impl IntoView {
    let from = use_context::<Parts>().and_then(|parts| {
        let referer = parts.headers.get(header::REFERER)?.to_str().ok()?;
        let url = url::Url::parse(referer).ok()?;
        let path = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };
        Some(safe_next(Some(&path)))
    });
    match from.filter(|path| path != "/") {
        Some(path) => {
            view! { <p><a href=path>"Go back"</a> " · " <a href="/">"Start page"</a></p> }
                .into_any()
        }
        None => view! { <p><a href="/">"Back to the start page"</a></p> }.into_any(),
    }
}
