//! The hand-off to PostGrid's dashboard: after PostGrid confirmed the user, a plain link to
//! the dashboard's impersonation login (a page, not a redirect: the portal's CSP lets forms
//! post only to the portal itself, and the browser applies that to a redirect after a post).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::app::components::field::FormProblem;
use crate::app::request::feedback_for;
use crate::web::FormId;

#[component]
pub fn HandoffPage() -> impl IntoView {
    let feedback = feedback_for(FormId::Handoff);
    let sub_org_id = feedback.typed("sub_org_id");
    let users = (!sub_org_id.is_empty()).then(|| {
        view! {
            <p><a href=format!("/sub-orgs/{sub_org_id}/users")>"Back to the sub-organization's users"</a></p>
        }
    });
    let dashboard = feedback.typed("dashboard");
    let body = if dashboard.is_empty() {
        view! {
            <FormProblem feedback=feedback.clone()/>
            {(!feedback.has_errors()).then(|| view! {
                <p>"Choose a user from a sub-organization's user list to open PostGrid's dashboard as them."</p>
            })}
            {users}
            <p><a href="/sub-orgs">"Sub-organizations"</a></p>
        }
        .into_any()
    } else {
        view! {
            <p>{format!("PostGrid confirmed {} as a user of {}. PostGrid's dashboard has its own sign-in for acting as a user: sign in there with the parent organization's credentials and this email.", feedback.typed("email"), feedback.typed("sub_org_name"))}</p>
            <p><code>{feedback.typed("email")}</code></p>
            <p><a class="button" href=dashboard rel="noopener noreferrer" target="_blank">"Open PostGrid's dashboard impersonation login"</a></p>
            <p class="hint">"This hand-off is recorded in the audit log."</p>
            {users}
        }
        .into_any()
    };
    view! {
        <Title text="Open PostGrid's dashboard"/>
        <h1>"Open PostGrid's dashboard as a user"</h1>
        {body}
    }
}
