use leptos::prelude::*;
use leptos_meta::Title;

use crate::app::components::problem::Problem;

use super::{Pager, SearchForm};
use crate::app::format::{date, money, usage};
use crate::app::paging::page_from_query;
use crate::app::request::current_staff;
use crate::app::request::parent_client;
use crate::auth::Permission;
use crate::postgrid::models::{List, SubOrganization};
use crate::web::AppError;

#[component]
pub fn SubOrgListPage() -> impl IntoView {
    let page = page_from_query();
    let can_create = current_staff().is_some_and(|me| me.can(Permission::CreateSubOrg));
    let client = parent_client();
    let load = {
        let page = page.clone();
        async move { Ok::<_, AppError>(client?.list_sub_orgs(&page).await?) }
    };
    view! {
        <Title text="Sub-organizations"/>
        <div class="page-head">
            <h1>"Sub-organizations"</h1>
            {can_create.then(|| view! { <a class="button" href="/sub-orgs/new">"Create a sub-organization"</a> })}
        </div>
        <SearchForm action="/sub-orgs".to_owned() label="Search by name, id or country" page=page.clone()/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                match load.await {
                    Ok(list) => view! { <SubOrgTable list page=page.clone()/> }.into_any(),
                    Err(error) => view! { <Problem error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SubOrgTable(list: List<SubOrganization>, page: crate::postgrid::Page) -> impl IntoView {
    let total = list.total_count;
    if list.data.is_empty() {
        let message = match &page.search {
            Some(search) => format!("No sub-organizations match “{search}”."),
            None if page.skip > 0 => "There are no more sub-organizations.".to_owned(),
            None => "There are no sub-organizations yet.".to_owned(),
        };
        return view! {
            <p class="notice" role="status">{message}</p>
            <Pager path="/sub-orgs".to_owned() page has_next=false/>
        }
        .into_any();
    }
    let first = page.skip + 1;
    let last = page.skip + list.data.len() as u32;
    let has_next = last < total;
    view! {
        <p class="result-count" role="status">{format!("Showing {first}–{last} of {total}")}</p>
        <div class="table-wrap" role="region" aria-label="Sub-organizations, newest first" tabindex="0">
            <table>
                <caption class="visually-hidden">"Sub-organizations, newest first"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Id"</th>
                        <th scope="col">"Country"</th>
                        <th scope="col" class="num">"Mailings this month"</th>
                        <th scope="col" class="num">"Spend this month"</th>
                        <th scope="col">"Created"</th>
                    </tr>
                </thead>
                <tbody>
                    {list.data.into_iter().map(|s| {
                        let href = format!("/sub-orgs/{}", s.id);
                        view! {
                            <tr>
                                <td><a href=href>{s.name.clone()}</a></td>
                                <td><code>{s.id.to_string()}</code></td>
                                <td>{s.country_code.clone()}</td>
                                <td class="num">{usage(s.usage, s.limit)}</td>
                                <td class="num">{money(s.spend)}</td>
                                <td><time datetime=s.created_at.clone() title=s.created_at.clone()>{date(&s.created_at)}</time></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <Pager path="/sub-orgs".to_owned() page has_next/>
    }
    .into_any()
}
