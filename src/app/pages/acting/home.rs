use leptos::prelude::*;
use leptos_meta::Title;

use super::{acting, ActingNav, NotActing};
use crate::app::components::field::{FormProblem, TextArea};
use crate::app::request::{feedback_for, query_param};
use crate::domain::text::{REASON_MAX_CHARS, REASON_MIN_CHARS};
use crate::forms::impersonation::MODE_FORM;
use crate::impersonation::Mode;

#[component]
pub fn ActingHomePage() -> impl IntoView {
    let Some((imp, _)) = acting() else {
        return view! { <Title text="Not acting"/><NotActing/> }.into_any();
    };
    let feedback = feedback_for(MODE_FORM);
    let problem = feedback.problem("why");
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
            <dt>"Sub-organization"</dt><dd><code>{imp.sub_org_id.clone()}</code></dd>
            <dt>"Reason"</dt><dd>{imp.reason.clone()}</dd>
            <dt>"Ticket"</dt><dd>{imp.ticket.clone().unwrap_or_else(|| "None".to_owned())}</dd>
            <dt>"Mode"</dt><dd>{imp.mode().label()}</dd>
            <dt>"Started"</dt><dd>{imp.started_at.clone()}</dd>
            <dt>"Ends at the latest"</dt><dd>{imp.expires_at.clone()}</dd>
        </dl>
        <ActingNav/>
        {(imp.mode() == Mode::ReadOnly).then(|| view! {
            <section class="card" aria-labelledby="write-heading">
                <h2 id="write-heading">"Make changes"</h2>
                <p>"Read-only by default. To create contacts, templates or letters, switch to write mode and say why."</p>
                <FormProblem feedback=feedback.clone()/>
                <form method="post" action="/impersonation/mode" class="stacked">
                    <label for="why">"Why you need to make changes"</label>
                    <TextArea id="why" name="why" value=feedback.typed("why") minlength=REASON_MIN_CHARS
                        maxlength=REASON_MAX_CHARS invalid=problem.is_some()/>
                    {problem.map(|p| view! { <p class="field-error">{p}</p> })}
                    <button type="submit">"Switch to write mode"</button>
                </form>
            </section>
        })}
        {(imp.mode() == Mode::Write).then(|| view! {
            <form method="post" action="/impersonation/mode" class="inline">
                <input type="hidden" name="mode" value="read_only"/>
                <button type="submit" class="secondary">"Back to read-only"</button>
            </form>
        })}
    }
    .into_any()
}
