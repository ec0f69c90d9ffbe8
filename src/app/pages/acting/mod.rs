//! Pages shown while acting for a sub-organization. Every one of them gets its data through
//! the org-scoped client of the checked impersonation, so nothing loads without one.

pub mod contacts;
pub mod home;
pub mod letters;
pub mod templates;

use axum::http::request::Parts;
use leptos::prelude::*;

use crate::app::request::{current_staff, extension};
use crate::impersonation::{self, Impersonation, Mode};
use crate::postgrid::OrgClient;
use crate::state::AppState;
use crate::web::request::origin_of;
use crate::web::request::Acting;

/// The impersonation in force, and its client.
pub fn acting() -> Option<(Impersonation, OrgClient)> {
    let imp = extension::<Acting>()?.0;
    let state = use_context::<AppState>()?;
    let parts = use_context::<Parts>()?;
    let client =
        impersonation::org_client(&state, &imp, origin_of(&parts, current_staff().as_ref()))?;
    Some((imp, client))
}

pub fn is_write_mode() -> bool {
    extension::<Acting>().is_some_and(|a| a.0.mode() == Mode::Write)
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
