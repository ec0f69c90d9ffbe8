use leptos::prelude::*;
use leptos_meta::Title;

/// The page for any path the portal does not serve; answered with status 404.
#[component]
pub fn NotFound() -> impl IntoView {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found"/>
        <h1>"Page not found"</h1>
        <p>"There is nothing at this address. Check the link, or start again from the "
            <a href="/">"home page"</a> "."</p>
    }
}
