use leptos::prelude::*;
use leptos_meta::Title;

use crate::app::components::problem::{Reference, WayBack};
use crate::web::ErrorShown;

/// The page for a request that failed or was refused: what happened in a sentence, the
/// request id to quote, and a way back. The status is the response's, set by the renderer.
#[component]
pub fn ErrorPage(shown: ErrorShown) -> impl IntoView {
    view! {
        <Title text=shown.title/>
        <h1>{shown.title}</h1>
        <p class="notice error" role="alert">{shown.message}</p>
        <Reference/>
        <WayBack/>
    }
}
