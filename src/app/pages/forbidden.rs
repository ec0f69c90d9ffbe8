use leptos::prelude::*;
use leptos_meta::Title;

/// Shown with status 403 when a signed-in person asks for something their role does not allow.
#[component]
pub fn Forbidden() -> impl IntoView {
    view! {
        <Title text="Not allowed"/>
        <h1>"Not allowed"</h1>
        <p>"Your role does not allow this. If you need it, ask an admin. This attempt was recorded."</p>
        <p><a href="/">"Back to the start page"</a></p>
    }
}
