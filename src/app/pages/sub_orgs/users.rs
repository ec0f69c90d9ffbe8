use leptos::prelude::*;
use leptos_meta::Title;

use crate::app::components::problem::Problem;

use super::detail::sub_org_from_path;
use super::{Pager, SearchForm};
use crate::app::paging::page_from_query;
use crate::app::request::current_staff;
use crate::app::request::parent_client;
use crate::auth::Permission;
use crate::postgrid::models::User;
use crate::postgrid::Page;
use crate::web::AppError;

#[component]
pub fn SubOrgUsersPage() -> impl IntoView {
    let id = sub_org_from_path();
    let page = page_from_query();
    let client = parent_client();
    let path = id
        .as_ref()
        .map(|id| format!("/sub-orgs/{id}/users"))
        .unwrap_or_default();
    let sub_org_id = id.as_ref().map(ToString::to_string).unwrap_or_default();
    let back = id
        .as_ref()
        .map(|id| format!("/sub-orgs/{id}"))
        .unwrap_or_else(|_| "/sub-orgs".to_owned());
    let load = {
        let page = page.clone();
        async move {
            let (id, client) = (id?, client?);
            // The name for the heading, and one page of users.
            let sub_org = client.get_sub_org(&id).await?;
            let users = client.list_sub_org_users(&id, &page).await?;
            Ok::<_, AppError>((sub_org.name, users))
        }
    };
    view! {
        <Title text="Users"/>
        <p class="crumbs"><a href=back>"← Back to the sub-organization"</a></p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                match load.await {
                    Ok((name, users)) => view! {
                        <h1>{format!("Users of {name}")}</h1>
                        <SearchForm action=path.clone() label="Search users by name or email" page=page.clone()/>
                        <UserTable users page=page.clone() path=path.clone() sub_org_id=sub_org_id.clone()/>
                    }.into_any(),
                    Err(error) => view! { <h1>"Users"</h1><Problem error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn yes_no(value: bool) -> &'static str {
    if value {
        "Yes"
    } else {
        "No"
    }
}

#[component]
fn UserTable(users: Vec<User>, page: Page, path: String, sub_org_id: String) -> impl IntoView {
    let handoff = current_staff().is_some_and(|me| me.can(Permission::Impersonate));
    // PostGrid answers this list with a bare array and no total: a full page may have more.
    let has_next = users.len() as u32 >= page.limit;
    if users.is_empty() {
        let message = match &page.search {
            Some(search) => format!("No users match “{search}”."),
            None => "This sub-organization has no users on this page.".to_owned(),
        };
        return view! {
            <p class="notice" role="status">{message}</p>
            <Pager path page has_next=false/>
        }
        .into_any();
    }
    view! {
        <div class="table-wrap" role="region" aria-label="Users" tabindex="0">
            <table>
                <caption class="visually-hidden">"Users"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Roles"</th>
                        <th scope="col">"Verified"</th>
                        <th scope="col">"Pending invite"</th>
                        <th scope="col">"Last sign-in"</th>
                        <th scope="col">"Phone"</th>
                        <th scope="col">"Previous emails"</th>
                        {handoff.then(|| view! { <th scope="col">"PostGrid dashboard"</th> })}
                    </tr>
                </thead>
                <tbody>
                    {users.into_iter().map(|u| {
                        let email = u.email.clone();
                        view! {
                        <tr>
                            <td>{u.name}</td>
                            <td>{email}</td>
                            <td>{u.roles.join(", ")}</td>
                            <td>{yes_no(u.verified_email)}</td>
                            <td>{yes_no(u.pending_invite)}</td>
                            <td>{u.last_login_time.unwrap_or_else(|| "Never".to_owned())}</td>
                            <td>{u.phone_number.unwrap_or_default()}</td>
                            <td>{u.previous_emails.unwrap_or_default().join(", ")}</td>
                            {handoff.then(|| view! {
                                <td>
                                    <form method="post" action="/impersonation/handoff" class="inline">
                                        <input type="hidden" name="sub_org_id" value=sub_org_id.clone()/>
                                        <input type="hidden" name="email" value=u.email.clone()/>
                                        <button type="submit" class="secondary small">"Open as this user"</button>
                                    </form>
                                </td>
                            })}
                        </tr>
                    }}).collect_view()}
                </tbody>
            </table>
        </div>
        <Pager path page has_next/>
    }
    .into_any()
}
