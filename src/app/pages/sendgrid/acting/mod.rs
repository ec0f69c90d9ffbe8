//! Pages shown while acting for a SendGrid subuser or customer account. Each gets its data
//! through the acting client of the checked impersonation, so nothing loads without one.

pub mod senders;
pub mod suppressions;
pub mod templates;

use axum::http::request::Parts;
use leptos::prelude::*;
use leptos_meta::Title;

use super::subusers::MetricsTable;
use crate::app::components::problem::Problem;
use crate::app::pages::acting::SwitchToWrite;
use crate::app::request::{current_staff, extension, query_param};
use crate::impersonation::{self, InForce, Mode};
use crate::sendgrid::models::Metrics;
use crate::sendgrid::{ActingClient, SuppressionKind};
use crate::state::AppState;
use crate::web::request::{origin_of, Acting};
use crate::web::AppError;

/// The SendGrid impersonation in force, and its acting client.
pub fn acting_sendgrid() -> Option<(InForce, ActingClient)> {
    let imp = extension::<Acting>()?.0;
    let state = use_context::<AppState>()?;
    let parts = use_context::<Parts>()?;
    let client =
        impersonation::sendgrid_client(&state, &imp, origin_of(&parts, current_staff().as_ref()))?;
    Some((imp, client))
}

/// Shown instead of a page when no SendGrid sub-account is being acted for.
#[component]
pub fn NotActingSendgrid() -> impl IntoView {
    view! {
        <Title text="Not acting for a SendGrid sub-account"/>
        <h1>"Not acting for a SendGrid sub-account"</h1>
        <p>"Start from a subuser's page, or give a customer account's id: with a reason, the portal acts for it for a limited time."</p>
        <p><a class="button" href="/sendgrid/subusers">"Find a subuser"</a></p>
    }
}

/// Tabs between what can be seen of the sub-account.
#[component]
pub fn SendgridNav() -> impl IntoView {
    view! {
        <nav class="tabs" aria-label="SendGrid sub-account">
            <a href="/sendgrid/acting">"Stats"</a>
            {SuppressionKind::ALL.into_iter().map(|kind| {
                let href = format!("/sendgrid/acting/suppressions/{}", kind.slug());
                view! { <a href=href>{kind.label()}</a> }
            }).collect_view()}
            <a href="/sendgrid/acting/templates">"Templates"</a>
            <a href="/sendgrid/acting/senders">"Senders"</a>
        </nav>
    }
}

/// The first day of the month two months back: the stats page shows three months.
fn three_months_back() -> String {
    let today = use_context::<AppState>()
        .map(|s| s.clock.now().date())
        .unwrap_or(time::Date::MIN);
    let month = today.month().previous().previous();
    let year = if u8::from(month) > u8::from(today.month()) {
        today.year() - 1
    } else {
        today.year()
    };
    format!("{year:04}-{:02}-01", u8::from(month))
}

#[component]
pub fn SendgridActingPage() -> impl IntoView {
    let Some((imp, client)) = acting_sendgrid() else {
        return view! { <NotActingSendgrid/> }.into_any();
    };
    let switched = query_param("mode");
    let start = three_months_back();
    let load = {
        let start = start.clone();
        async move { Ok::<_, AppError>(client.stats(&start).await?) }
    };
    view! {
        <Title text=format!("Acting for {}", imp.sub_org_name)/>
        <h1>{format!("Acting for {} on SendGrid", imp.sub_org_name)}</h1>
        {match switched.as_deref() {
            Some("write") => Some(view! { <p class="notice ok" role="status">"Write mode is on. Every change is recorded."</p> }),
            Some("read_only") => Some(view! { <p class="notice ok" role="status">"Back to read-only: nothing can be changed now."</p> }),
            _ => None,
        }}
        <dl class="facts">
            <dt>"On behalf of"</dt><dd><code>{imp.target.acting_for()}</code></dd>
            <dt>"Reason"</dt><dd>{imp.reason.clone()}</dd>
            <dt>"Ticket"</dt><dd>{imp.ticket.clone().unwrap_or_else(|| "None".to_owned())}</dd>
            <dt>"Mode"</dt><dd>{imp.mode.label()}</dd>
            <dt>"Ends at the latest"</dt><dd>{imp.expires_at.to_string()}</dd>
        </dl>
        <SendgridNav/>
        <p class="hint">"Mail cannot be sent as a sub-account: SendGrid's Mail Send ignores on-behalf-of and would send as the parent."</p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                match load.await {
                    Ok(days) => {
                        let mut sums = Metrics::default();
                        for day in &days {
                            for entry in &day.stats {
                                sums.add(&entry.metrics);
                            }
                        }
                        view! { <MetricsTable caption=format!("Since {start}") sums/> }.into_any()
                    }
                    Err(error) => view! { <Problem error/> }.into_any(),
                }
            })}
        </Suspense>
        {(imp.mode == Mode::ReadOnly).then(|| view! {
            <SwitchToWrite what="remove suppressions or activate template versions"/>
        })}
        {(imp.mode == Mode::Write).then(|| view! {
            <form method="post" action="/impersonation/mode" class="inline">
                <input type="hidden" name="mode" value="read_only"/>
                <input type="hidden" name="back" value="/sendgrid/acting"/>
                <button type="submit" class="secondary">"Back to read-only"</button>
            </form>
        })}
    }
    .into_any()
}
