//! Pages shown while acting for a sub-organization. Every one of them gets its data through
//! the org-scoped client of the checked impersonation, so nothing loads without one.

pub mod contacts;
pub mod home;
pub mod letters;
pub mod templates;

use axum::http::request::Parts;
use leptos::prelude::*;

use crate::app::components::field::{FormProblem, TextArea};
use crate::app::request::{current_staff, extension, feedback_for};
use crate::domain::text::{REASON_MAX_CHARS, REASON_MIN_CHARS};
use crate::impersonation::{self, InForce, Mode};
use crate::postgrid::OrgClient;
use crate::state::AppState;
use crate::web::request::origin_of;
use crate::web::request::Acting;
use crate::web::FormId;

/// The impersonation in force, and its client.
pub fn acting() -> Option<(InForce, OrgClient)> {
    let imp = extension::<Acting>()?.0;
    let state = use_context::<AppState>()?;
    let parts = use_context::<Parts>()?;
    let client =
        impersonation::org_client(&state, &imp, origin_of(&parts, current_staff().as_ref()));
    Some((imp, client))
}

pub fn is_write_mode() -> bool {
    extension::<Acting>().is_some_and(|a| a.0.mode == Mode::Write)
}

/// Shown instead of a page when nobody is being acted for.
#[component]
pub fn NotActing() -> impl IntoView {
    view! {
        <h1>"Not acting for a sub-organization"</h1>
        <p>"Start from a sub-organization's page: give a reason, and the portal acts for it for a limited time."</p>
        <p><a class="button" href="/sub-orgs">"Find a sub-organization"</a></p>
    }
}

/// In read-only mode, in place of a form that changes something: the way to write mode, with
/// its reason form right here, coming back to this page once switched.
#[component]
pub fn SwitchToWrite(what: &'static str) -> impl IntoView {
    let feedback = feedback_for(FormId::ImpersonationMode);
    let problem = feedback.problem("why");
    let back = use_context::<Parts>()
        .map(|parts| parts.uri.path().to_owned())
        .unwrap_or_else(|| "/impersonation".to_owned());
    view! {
        <section class="card" aria-labelledby="write-heading">
            <h2 id="write-heading">{format!("Switch to write mode to {what}")}</h2>
            <p>"Acting is read-only until you say why you need to make changes. Every change is recorded."</p>
            <FormProblem feedback=feedback.clone()/>
            <form method="post" action="/impersonation/mode" class="stacked">
                <input type="hidden" name="back" value=back/>
                <label for="why">"Why you need to make changes"</label>
                <TextArea id="why" name="why" value=feedback.typed("why") minlength=REASON_MIN_CHARS
                    maxlength=REASON_MAX_CHARS invalid=problem.is_some()/>
                {problem.map(|p| view! { <p class="field-error">{p}</p> })}
                <button type="submit">"Switch to write mode"</button>
            </form>
        </section>
    }
}

/// Whether a form that changes something is shown: in write mode, or to give back what was
/// typed when a read-only impersonation refused it.
pub fn shows_write_form(feedback: &crate::web::FormFeedback) -> bool {
    is_write_mode() || !feedback.values.is_empty()
}

/// Tabs between the sub-organization's resources.
#[component]
pub fn ActingNav() -> impl IntoView {
    view! {
        <nav class="tabs" aria-label="Sub-organization resources">
            <a href="/impersonation/contacts">"Contacts"</a>
            <a href="/impersonation/templates">"Templates"</a>
            <a href="/impersonation/letters">"Letters"</a>
        </nav>
    }
}

/// The name of a contact as a person reads it.
pub fn contact_name(contact: &crate::postgrid::models::Contact) -> String {
    let person = [contact.first_name.as_deref(), contact.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    match (person.is_empty(), contact.company_name.as_deref()) {
        (false, Some(company)) => format!("{person} ({company})"),
        (false, None) => person,
        (true, Some(company)) => company.to_owned(),
        (true, None) => contact.id.clone(),
    }
}
