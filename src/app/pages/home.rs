use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="Home"/>
        <h1>"suborg-portal"</h1>
        <p>
            "Create and find PostGrid sub-organizations, act on their behalf with a reason on "
            "record, and review everything the portal did in the audit log."
        </p>
        <p><a class="button" href="/login">"Sign in"</a></p>
    }
}
