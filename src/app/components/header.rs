//! The header on every page: product name, PostGrid mode, navigation by role, and who is
//! signed in with a sign-out button.

use leptos::prelude::*;

use crate::app::request::current_staff;
use crate::auth::Permission;
use crate::config::PostgridMode;
use crate::state::AppState;

#[component]
pub fn Header() -> impl IntoView {
    let state = use_context::<AppState>();
    let mode = state.as_ref().map(|state| state.config.postgrid_mode);
    let sendgrid = state
        .as_ref()
        .is_some_and(|state| state.config.sendgrid.is_some());
    let approvals = state.is_some_and(|state| state.config.write_approval);
    let me = current_staff();
    let links = me.as_ref().map(|me| {
        let mut links = Vec::new();
        if me.can(Permission::ViewSubOrgs) {
            links.push(("/sub-orgs", "Sub-organizations"));
        }
        if sendgrid && me.can(Permission::ViewSubusers) {
            links.push(("/sendgrid/subusers", "SendGrid subusers"));
        }
        if me.can(Permission::ReviewAudit) {
            links.push(("/audit", "Audit log"));
        }
        if me.can(Permission::ManageStaff) {
            links.push(("/staff", "Staff"));
        }
        if approvals && me.can(Permission::ApproveWrite) {
            links.push(("/approvals", "Approvals"));
        }
        links
    });
    view! {
        <header class="site-header">
            <a class="brand" href="/">"suborg-portal"</a>
            <ModeBadge mode/>
            {links.map(|links| view! {
                <nav aria-label="Main">
                    <ul>
                        {links.into_iter().map(|(href, label)| view! { <li><a href=href>{label}</a></li> }).collect_view()}
                    </ul>
                </nav>
            })}
            {me.map(|me| view! {
                <div class="who">
                    <a href="/account" title="Your account">{me.name.clone()}</a>
                    <span class="role-badge">{me.role.label()}</span>
                    <form method="post" action="/logout" class="inline">
                        <button type="submit" class="secondary small">"Sign out"</button>
                    </form>
                </div>
            })}
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
