//! The banner on every page while someone acts for a sub-organization or a SendGrid
//! sub-account: which provider, who, in which mode,
//! how long is left, and a Stop button. When it just ended, why.

use leptos::prelude::*;

use crate::app::request::extension;
use crate::app::time::When;
use crate::impersonation::{Mode, Target};
use crate::state::AppState;
use crate::web::request::{Acting, ActingEnded};

#[component]
pub fn ImpersonationBanner() -> impl IntoView {
    let now = use_context::<AppState>().map(|s| s.clock.now());
    let active = extension::<Acting>().map(|a| a.0);
    let ended = extension::<ActingEnded>().map(|e| e.0);
    view! {
        {active.map(|imp| {
            let left = now.map(|now| imp.minutes_left(now)).unwrap_or_default();
            let mode = imp.mode;
            let class = if mode == Mode::Write { "acting-banner write" } else { "acting-banner" };
            let (home, what) = match imp.target {
                Target::Postgrid(_) => ("/impersonation", "Its contacts, templates and letters"),
                Target::Sendgrid(_) => ("/sendgrid/acting", "Its stats, suppressions, templates and senders"),
            };
            view! {
                <section class=class role="region" aria-label=format!("Acting for a {}", imp.target.kind())>
                    <p>
                        <strong>{format!("Acting for {} ", imp.sub_org_name)}</strong>
                        <code>{imp.target.acting_for()}</code>
                        <span class="acting-provider">{format!(" · {}", imp.target.provider().label())}</span>
                        <span class="acting-mode">{format!(" · {} mode", mode.label())}</span>
                        <span>{format!(" · {left} min left (until ")}<When at=imp.expires_at.to_string()/>")"</span>
                    </p>
                    <a href=home>{what}</a>
                    <form method="post" action="/impersonation/stop" class="inline">
                        <button type="submit" class="danger small">"Stop acting"</button>
                    </form>
                </section>
            }
        })}
        {ended.map(|reason| view! { <p class="notice warn" role="status">{reason.message()}</p> })}
    }
}
