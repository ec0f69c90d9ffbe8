use leptos::prelude::*;
use leptos_meta::Title;

use super::{acting, ActingNav, NotActing, SwitchToWrite};
use crate::app::request::query_param;
use crate::impersonation::Mode;

#[component]
pub fn ActingHomePage() -> impl IntoView {
    let Some((imp, _)) = acting() else {
        if crate::app::pages::sendgrid::acting::acting_sendgrid().is_some() {
            return view! {
                <Title text="Acting for a SendGrid sub-account"/>
                <h1>"Acting for a SendGrid sub-account"</h1>
                <p><a class="button" href="/sendgrid/acting">"Its stats, suppressions, templates and senders"</a></p>
            }
            .into_any();
        }
        return view! { <Title text="Not acting"/><NotActing/> }.into_any();
    };
    let switched = query_param("mode");
    view! {
        <Title text=format!("Acting for {}", imp.sub_org_name)/>
        <h1>{format!("Acting for {}", imp.sub_org_name)}</h1>
        {match switched.as_deref() {
            Some("write") => Some(view! { <p class="notice ok" role="status">"Write mode is on. Every change is recorded."</p> }),
            Some("read_only") => Some(view! { <p class="notice ok" role="status">"Back to read-only: nothing can be changed now."</p> }),
            _ => None,
        }}
        <dl class="facts">
            <dt>"Sub-organization"</dt><dd><code>{imp.target.acting_for()}</code></dd>
            <dt>"Reason"</dt><dd>{imp.reason.clone()}</dd>
            <dt>"Ticket"</dt><dd>{imp.ticket.clone().unwrap_or_else(|| "None".to_owned())}</dd>
            <dt>"Mode"</dt><dd>{imp.mode.label()}</dd>
            <dt>"Started"</dt><dd>{imp.started_at.to_string()}</dd>
            <dt>"Ends at the latest"</dt><dd>{imp.expires_at.to_string()}</dd>
        </dl>
        <ActingNav/>
        {(imp.mode == Mode::ReadOnly).then(|| view! {
            <SwitchToWrite what="create contacts, templates or letters"/>
        })}
        {(imp.mode == Mode::Write).then(|| view! {
            <form method="post" action="/impersonation/mode" class="inline">
                <input type="hidden" name="mode" value="read_only"/>
                <button type="submit" class="secondary">"Back to read-only"</button>
            </form>
        })}
    }
    .into_any()
}
