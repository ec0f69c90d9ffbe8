//! For admins: the form that starts acting for a PostGrid sub-organization or a SendGrid
//! sub-account, with its reason, ticket and time box.

use leptos::prelude::*;

use crate::app::components::field::{Field, FormProblem, TextArea};
use crate::app::request::{current_staff, extension, feedback_for};
use crate::auth::Permission;
use crate::domain::text::{REASON_MAX_CHARS, REASON_MIN_CHARS, TICKET_MAX_CHARS};
use crate::state::AppState;
use crate::web::request::Acting;
use crate::web::FormId;

/// Whom the form acts for: fixed by the page (a hidden field and its value), or typed in.
pub enum Whom {
    Named(&'static str, String),
    Typed {
        name: &'static str,
        label: &'static str,
        hint: &'static str,
    },
}

#[component]
pub fn StartActing(
    target: Whom,
    heading: &'static str,
    blurb: &'static str,
    button: &'static str,
) -> impl IntoView {
    let allowed = current_staff().is_some_and(|me| me.can(Permission::Impersonate));
    let state = use_context::<AppState>();
    let max = state
        .as_ref()
        .map_or(60, |s| s.config.impersonation_max_minutes);
    let enabled = state
        .as_ref()
        .is_some_and(|s| s.config.impersonation_enabled);
    let acting_now = extension::<Acting>().is_some();
    let feedback = feedback_for(FormId::ImpersonationStart);
    let minutes = Some(feedback.typed("minutes"))
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| max.min(60).to_string());
    let reason_problem = feedback.problem("reason");
    let whom = match target {
        Whom::Named(name, value) => {
            view! { <input type="hidden" name=name value=value/> }.into_any()
        }
        Whom::Typed { name, label, hint } => view! {
            <Field feedback=feedback.clone() name=name label=label hint=hint maxlength=64/>
        }
        .into_any(),
    };
    allowed.then(|| view! {
        <section class="card" aria-labelledby="act-heading">
            <h2 id="act-heading">{heading}</h2>
            <p>{blurb}</p>
            {(!enabled).then(|| view! { <p class="notice warn">"Acting on customers' behalf is switched off for this portal."</p> })}
            {acting_now.then(|| view! { <p class="notice warn">"You are already acting for someone; stop that first."</p> })}
            {(!acting_now && feedback.next == Some(crate::web::feedback::NextStep::StopActing)).then(|| view! {
                <form method="post" action="/impersonation/stop" class="inline">
                    <button type="submit" class="secondary">"Stop acting for the other one"</button>
                </form>
            })}
            <FormProblem feedback=feedback.clone()/>
            <form method="post" action="/impersonation/start" class="stacked">
                {whom}
                <label for="reason">"Reason"</label>
                <p class="hint" id="reason-hint">"What the customer asked for, in 10 to 1,000 characters. It goes into the audit log."</p>
                <TextArea id="reason" name="reason" value=feedback.typed("reason") minlength=REASON_MIN_CHARS
                    maxlength=REASON_MAX_CHARS describedby="reason-hint" invalid=reason_problem.is_some()/>
                {reason_problem.map(|p| view! { <p class="field-error">{p}</p> })}
                <Field feedback=feedback.clone() name="ticket" label="Ticket (optional)" required=false maxlength=TICKET_MAX_CHARS/>
                <label for="minutes">{format!("For how many minutes (at most {max})")}</label>
                <input id="minutes" name="minutes" type="number" min="1" max=max value=minutes required/>
                {feedback.problem("minutes").map(|p| view! { <p class="field-error">{p}</p> })}
                <button type="submit">{button}</button>
            </form>
        </section>
    })
}
