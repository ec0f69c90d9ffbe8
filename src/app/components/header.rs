//! The header on every page: product name, PostGrid mode and navigation.

use leptos::prelude::*;

use crate::config::PostgridMode;
use crate::state::AppState;

#[component]
pub fn Header() -> impl IntoView {
    let mode = use_context::<AppState>().map(|state| state.config.postgrid_mode);
    view! {
        <header class="site-header">
            <a class="brand" href="/">"suborg-portal"</a>
            <ModeBadge mode/>
            <nav aria-label="Main">
                <ul>
                    <li><a href="/sub-orgs">"Sub-organizations"</a></li>
                    <li><a href="/audit">"Audit log"</a></li>
                    <li><a href="/staff">"Staff"</a></li>
                </ul>
            </nav>
        </header>
    }
}

/// Which PostGrid mode the portal's key acts in: live mode sends real mail and costs money.
#[component]
fn ModeBadge(mode: Option<PostgridMode>) -> impl IntoView {
    mode.map(|mode| {
        let class = match mode {
            PostgridMode::Test => "mode-badge mode-test",
            PostgridMode::Live => "mode-badge mode-live",
        };
        view! {
            <span class=class title="PostGrid mode of the portal's API key">
                "PostGrid " {mode.label()}
            </span>
        }
    })
}
