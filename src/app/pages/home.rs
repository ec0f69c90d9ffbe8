use leptos::prelude::*;
use leptos_meta::Title;

use crate::app::request::current_staff;
use crate::auth::Permission;

#[component]
pub fn HomePage() -> impl IntoView {
    let me = current_staff();
    let can = |p| me.as_ref().is_some_and(|me| me.can(p));
    let tasks = [
        (
            Permission::ViewSubOrgs,
            "/sub-orgs",
            "Find sub-organizations",
            "Search PostGrid sub-organizations and see their users.",
        ),
        (
            Permission::CreateSubOrg,
            "/sub-orgs/new",
            "Create a sub-organization",
            "Set up a new customer in PostGrid.",
        ),
        (
            Permission::ReviewAudit,
            "/audit",
            "Review the audit log",
            "See what staff did, and as whom.",
        ),
        (
            Permission::ManageStaff,
            "/staff",
            "Manage staff",
            "Add people, change roles, disable accounts.",
        ),
    ];
    let name = me.as_ref().map(|me| me.name.clone()).unwrap_or_default();
    view! {
        <Title text="Home"/>
        <h1>"Welcome, " {name}</h1>
        <ul class="tasks">
            {tasks
                .into_iter()
                .filter(|(p, ..)| can(*p))
                .map(|(_, href, title, text)| view! {
                    <li><a href=href>{title}</a><span>{text}</span></li>
                })
                .collect_view()}
        </ul>
    }
}
