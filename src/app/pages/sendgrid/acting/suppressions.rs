//! A suppression list of the sub-account, searched by address, with a Remove button per
//! address in write mode: the usual fix for "my customer's emails to X bounce".

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::{acting_sendgrid, NotActingSendgrid, SendgridNav};
use crate::app::components::field::FormProblem;
use crate::app::components::problem::Problem;
use crate::app::format::unix_time;
use crate::app::pages::acting::{is_write_mode, SwitchToWrite};
use crate::app::pages::sendgrid::pages_from_query;
use crate::app::pages::sub_orgs::{Pager, SearchForm};
use crate::app::request::{feedback_for, query_param};
use crate::sendgrid::models::Suppression;
use crate::sendgrid::SuppressionKind;
use crate::web::{AppError, FormId};

fn kind_from_path() -> Result<SuppressionKind, AppError> {
    let raw = use_params_map().with_untracked(|params| params.get("kind").unwrap_or_default());
    SuppressionKind::from_slug(&raw).ok_or(AppError::NotFound("There is no such suppression list."))
}

#[component]
pub fn SuppressionsPage() -> impl IntoView {
    let Some((imp, client)) = acting_sendgrid() else {
        return view! { <NotActingSendgrid/> }.into_any();
    };
    let kind = match kind_from_path() {
        Ok(kind) => kind,
        Err(error) => return view! { <h1>"Suppressions"</h1><Problem error/> }.into_any(),
    };
    let (page, shown) = pages_from_query();
    let removed = query_param("removed");
    let feedback = feedback_for(FormId::SuppressionRemove);
    let label = kind.label();
    let path = format!("/sendgrid/acting/suppressions/{}", kind.slug());
    let load = {
        let page = page.clone();
        async move { Ok::<_, AppError>(client.suppressions(kind, &page).await?) }
    };
    view! {
        <Title text=format!("{label} of {}", imp.sub_org_name)/>
        <h1>{format!("{label} of {}", imp.sub_org_name)}</h1>
        <SendgridNav/>
        <FormProblem feedback=feedback.clone()/>
        <SearchForm action=path.clone() label="Search by email address (from its start)" page=shown.clone()/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new({
                let path = path.clone();
                async move {
                    match load.await {
                        Ok(list) => {
                            let has_next = page.has_next(list.len());
                            // Said only when the list SendGrid shows now agrees.
                            let removed = removed.filter(|email| list.iter().all(|s| &s.email != email));
                            view! {
                                {removed.map(|email| view! { <p class="notice ok" role="status">{format!("{email} was removed from the list: SendGrid delivers to it again.")}</p> })}
                                <SuppressionTable list kind path page=shown.clone() has_next/>
                            }.into_any()
                        }
                        Err(error) => view! { <Problem error/> }.into_any(),
                    }
                }
            })}
        </Suspense>
        {(!is_write_mode()).then(|| view! { <SwitchToWrite what="remove an address from this list"/> })}
    }
    .into_any()
}

#[component]
fn SuppressionTable(
    list: Vec<Suppression>,
    kind: SuppressionKind,
    path: String,
    page: crate::postgrid::Page,
    has_next: bool,
) -> impl IntoView {
    if list.is_empty() {
        let message = match &page.search {
            Some(search) => format!("No address on this list starts with “{search}”."),
            None if page.skip > 0 => "There are no more addresses on this list.".to_owned(),
            None => "This list is empty.".to_owned(),
        };
        return view! {
            <p class="notice" role="status">{message}</p>
            <Pager path page has_next=false/>
        }
        .into_any();
    }
    let write = is_write_mode();
    let remove_action = format!("{path}/remove");
    let search = page.search.clone().unwrap_or_default();
    let first = page.skip + 1;
    let last = page.skip + list.len() as u32;
    view! {
        <p class="result-count" role="status">{format!("Showing {first}–{last}")}</p>
        <div class="table-wrap" role="region" aria-label=kind.label() tabindex="0">
            <table>
                <caption class="visually-hidden">{kind.label()}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Since"</th>
                        <th scope="col">"Reason"</th>
                        <th scope="col">"Status"</th>
                        {write.then(|| view! { <th scope="col">"Remove"</th> })}
                    </tr>
                </thead>
                <tbody>
                    {list.into_iter().map(|s| {
                        let remove_action = remove_action.clone();
                        let search = search.clone();
                        let detail = s.reason.clone().or_else(|| s.ip.clone().map(|ip| format!("Reported from {ip}"))).unwrap_or_default();
                        view! {
                            <tr>
                                <td>{s.email.clone()}</td>
                                <td>{unix_time(s.created)}</td>
                                <td>{detail}</td>
                                <td>{s.status.clone().unwrap_or_default()}</td>
                                {write.then(|| view! {
                                    <td>
                                        <form method="post" action=remove_action class="inline">
                                            <input type="hidden" name="email" value=s.email.clone()/>
                                            <input type="hidden" name="search" value=search/>
                                            <button type="submit" class="danger small" aria-label=format!("Remove {}", s.email)>"Remove"</button>
                                        </form>
                                    </td>
                                })}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <Pager path page has_next/>
    }
    .into_any()
}
