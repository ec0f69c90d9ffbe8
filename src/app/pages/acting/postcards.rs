//! A sub-organization's postcards: list, search and view, read-only.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::super::sub_orgs::Pager;
use super::{
    acting, as_words, contact_name, status_label, ActingNav, FilterForm, NotActing, OrderProgress,
    PreviewLink,
};
use crate::app::components::problem::Problem;
use crate::app::format::date;
use crate::app::paging::Filter;
use crate::web::paths::resource_path;

#[component]
pub fn PostcardsPage() -> impl IntoView {
    let Some((imp, client)) = acting() else {
        return view! { <Title text="Not acting"/><NotActing/> }.into_any();
    };
    let filter = Filter::from_query();
    let page = filter.page();
    let load = {
        let page = page.clone();
        let refused = filter.problem().is_some();
        async move {
            if refused {
                None
            } else {
                Some(client.list_postcards(&page).await)
            }
        }
    };
    view! {
        <Title text="Postcards"/>
        <h1>{format!("Postcards of {}", imp.sub_org_name)}</h1>
        <ActingNav/>
        <FilterForm action="/impersonation/postcards" label="Search postcards" filter/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                match load.await {
                    None => ().into_any(),
                    Some(Ok(list)) if list.data.is_empty() => view! { <p class="notice" role="status">"No postcards here."</p> }.into_any(),
                    Some(Ok(list)) => {
                        let has_next = page.skip + (list.data.len() as u32) < list.total_count;
                        view! {
                            <p class="result-count" role="status">{format!("{} postcards", list.total_count)}</p>
                            <div class="table-wrap" role="region" aria-label="Postcards" tabindex="0"><table>
                                <caption class="visually-hidden">"Postcards"</caption>
                                <thead><tr><th scope="col">"Postcard"</th><th scope="col">"To"</th><th scope="col">"Status"</th><th scope="col">"Created"</th></tr></thead>
                                <tbody>
                                    {list.data.into_iter().map(|p| view! {
                                        <tr>
                                            <td><a href=resource_path("/impersonation/postcards", &p.id, "")>{p.order.description.clone().unwrap_or_else(|| p.id.clone())}</a></td>
                                            <td>{contact_name(&p.order.to.person, p.order.to.id.as_deref())}</td>
                                            <td>{status_label(&p.order.status)}</td>
                                            <td>{date(&p.order.created_at)}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table></div>
                            <Pager path="/impersonation/postcards".to_owned() page=page.clone() has_next/>
                        }.into_any()
                    }
                    Some(Err(error)) => view! { <Problem error/> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
pub fn PostcardPage() -> impl IntoView {
    let Some((_, client)) = acting() else {
        return view! { <Title text="Not acting"/><NotActing/> }.into_any();
    };
    let id = use_params_map().with_untracked(|p| p.get("id").unwrap_or_default());
    view! {
        <Title text="Postcard"/>
        <ActingNav/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                match client.get_postcard(&id).await {
                    Ok(p) => {
                        let o = p.order.clone();
                        let text = |v: &Option<String>| v.clone().unwrap_or_default();
                        view! {
                            <h1>{o.description.clone().unwrap_or_else(|| p.id.clone())}</h1>
                            <OrderProgress order=o.clone()/>
                            <dl class="facts">
                                <dt>"Id"</dt><dd><code>{p.id.clone()}</code></dd>
                                <dt>"Preview"</dt><dd><PreviewLink url=o.url.clone()/></dd>
                                <dt>"To"</dt><dd>{contact_name(&o.to.person, o.to.id.as_deref())}</dd>
                                <dt>"From"</dt><dd>{p.from.as_ref().map(|f| contact_name(&f.person, f.id.as_deref())).unwrap_or_else(|| "No sender".to_owned())}</dd>
                                <dt>"Size"</dt><dd>{text(&p.size)}</dd>
                                <dt>"Send date"</dt><dd>{text(&o.send_date)}</dd>
                                <dt>"Mailing class"</dt><dd>{o.mailing_class.as_deref().map(status_label).unwrap_or_default()}</dd>
                                <dt>"Tracking number"</dt><dd>{text(&o.tracking_number)}</dd>
                                <dt>"IMB status"</dt><dd>{o.imb_status.as_deref().map(status_label).unwrap_or_else(|| "None yet".to_owned())}</dd>
                                <dt>"IMB updated"</dt><dd>{text(&o.imb_date)}</dd>
                                <dt>"Metadata"</dt><dd class="pre-line">{o.metadata.as_ref().map(as_words).unwrap_or_default()}</dd>
                                <dt>"Mode"</dt><dd>{if o.live { "live" } else { "test" }}</dd>
                                <dt>"Created"</dt><dd>{o.created_at.clone()}</dd>
                            </dl>
                        }.into_any()
                    }
                    Err(error) => view! { <h1>"Postcard"</h1><Problem error/> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}
