use leptos::prelude::*;
use leptos_meta::Title;

use crate::app::components::problem::Problem;
use leptos_router::hooks::use_params_map;

use super::super::sub_orgs::{Pager, SearchForm};
use super::{
    acting, contact_name, is_write_mode, shows_write_form, ActingNav, NotActing, SwitchToWrite,
};
use crate::app::components::field::{Field, FormProblem};
use crate::app::format::date;
use crate::app::paging::page_from_query;
use crate::app::request::{feedback_for, query_param};
use crate::config::PostgridMode;
use crate::postgrid::{Page, MAX_PAGE_SIZE};
use crate::state::AppState;
use crate::web::FormId;

#[component]
pub fn LettersPage() -> impl IntoView {
    let Some((imp, client)) = acting() else {
        return view! { <Title text="Not acting"/><NotActing/> }.into_any();
    };
    let page = page_from_query();
    let load = {
        let page = page.clone();
        async move { client.list_letters(&page).await }
    };
    view! {
        <Title text="Letters"/>
        <div class="page-head">
            <h1>{format!("Letters of {}", imp.sub_org_name)}</h1>
            {is_write_mode().then(|| view! { <a class="button" href="/impersonation/letters/new">"New letter"</a> })}
        </div>
        <ActingNav/>
        <SearchForm action="/impersonation/letters".to_owned() label="Search letters" page=page.clone()/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                match load.await {
                    Ok(list) if list.data.is_empty() => view! { <p class="notice" role="status">"No letters here."</p> }.into_any(),
                    Ok(list) => {
                        let has_next = page.skip + (list.data.len() as u32) < list.total_count;
                        view! {
                            <p class="result-count" role="status">{format!("{} letters", list.total_count)}</p>
                            <div class="table-wrap"><table>
                                <caption class="visually-hidden">"Letters"</caption>
                                <thead><tr><th scope="col">"Letter"</th><th scope="col">"To"</th><th scope="col">"Status"</th><th scope="col">"Created"</th></tr></thead>
                                <tbody>
                                    {list.data.into_iter().map(|l| view! {
                                        <tr>
                                            <td><a href=format!("/impersonation/letters/{}", l.id)>{l.description.clone().unwrap_or_else(|| l.id.clone())}</a></td>
                                            <td>{contact_name(&l.to)}</td>
                                            <td>{l.status.clone()}</td>
                                            <td>{date(&l.created_at)}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table></div>
                            <Pager path="/impersonation/letters".to_owned() page=page.clone() has_next/>
                        }.into_any()
                    }
                    Err(error) => view! { <Problem error/> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
pub fn LetterPage() -> impl IntoView {
    let Some((_, client)) = acting() else {
        return view! { <Title text="Not acting"/><NotActing/> }.into_any();
    };
    let id = use_params_map().with_untracked(|p| p.get("id").unwrap_or_default());
    let created = query_param("created").is_some();
    view! {
        <Title text="Letter"/>
        <ActingNav/>
        {created.then(|| view! { <p class="notice ok" role="status">"The letter was created."</p> })}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                match client.get_letter(&id).await {
                    Ok(l) => view! {
                        <h1>{l.description.clone().unwrap_or_else(|| l.id.clone())}</h1>
                        <dl class="facts">
                            <dt>"Id"</dt><dd><code>{l.id.clone()}</code></dd>
                            <dt>"Status"</dt><dd>{l.status.clone()}</dd>
                            <dt>"To"</dt><dd>{contact_name(&l.to)}</dd>
                            <dt>"From"</dt><dd>{contact_name(&l.from)}</dd>
                            <dt>"Template"</dt><dd>{l.template.clone().unwrap_or_default()}</dd>
                            <dt>"Mode"</dt><dd>{if l.live { "live" } else { "test" }}</dd>
                            <dt>"Send date"</dt><dd>{l.send_date.clone().unwrap_or_default()}</dd>
                            <dt>"Created"</dt><dd>{l.created_at.clone()}</dd>
                        </dl>
                    }.into_any(),
                    Err(error) => view! { <h1>"Letter"</h1><Problem error/> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
pub fn NewLetterPage() -> impl IntoView {
    let Some((imp, client)) = acting() else {
        return view! { <Title text="Not acting"/><NotActing/> }.into_any();
    };
    let live =
        use_context::<AppState>().is_some_and(|s| s.config.postgrid_mode == PostgridMode::Live);
    let feedback = feedback_for(FormId::Letter);
    let show_form = shows_write_form(&feedback);
    // The choices are the sub-organization's own contacts and templates.
    let load = async move {
        if !show_form {
            // Nothing to choose from until write mode is on.
            return Ok((Vec::new(), Vec::new()));
        }
        let page = Page::new(MAX_PAGE_SIZE, 0, None);
        let contacts = client.list_contacts(&page).await?;
        let templates = client.list_templates(&page).await?;
        Ok::<_, crate::postgrid::PostgridError>((contacts.data, templates.data))
    };
    let sub_org = imp.sub_org_name.clone();
    view! {
        <Title text="New letter"/>
        <ActingNav/>
        <section class="card" aria-labelledby="letter-heading">
            <h1 id="letter-heading">"New letter"</h1>
            <FormProblem feedback=feedback.clone()/>
            {(!is_write_mode()).then(|| view! { <SwitchToWrite what="create letters"/> })}
            {if live {
                view! { <p class="notice error">{format!("Live mode: the letter is printed and mailed, and {sub_org} is charged for it.")}</p> }.into_any()
            } else {
                view! { <p class="notice warn">"Test mode: nothing is printed, mailed or charged."</p> }.into_any()
            }}
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {Suspend::new(async move {
                    match load.await {
                        Ok(_) if !show_form => ().into_any(),
                        Ok((contacts, templates)) => {
                            let choose = |name: &'static str, label: &'static str, options: Vec<(String, String)>| {
                                let chosen = feedback.typed(name);
                                let problem = feedback.problem(name);
                                view! {
                                    <label for=name>{label}</label>
                                    <select id=name name=name required aria-invalid=problem.is_some().then_some("true")>
                                        <option value="">"Choose…"</option>
                                        {options.into_iter().map(|(value, text)| {
                                            let selected = value == chosen;
                                            view! { <option value=value selected=selected>{text}</option> }
                                        }).collect_view()}
                                    </select>
                                    {problem.map(|p| view! { <p class="field-error">{p}</p> })}
                                }
                            };
                            let people: Vec<(String, String)> = contacts.iter().map(|c| (c.id.clone(), contact_name(c))).collect();
                            let designs: Vec<(String, String)> = templates.iter().map(|t| (t.id.clone(), t.description.clone().unwrap_or_else(|| t.id.clone()))).collect();
                            let confirm = feedback.problem("confirm_live");
                            view! {
                                <form method="post" action="/impersonation/letters/new" class="stacked">
                                    {choose("to", "To", people.clone())}
                                    {choose("from", "From", people)}
                                    {choose("template", "Template", designs)}
                                    <Field feedback=feedback.clone() name="description" label="Description" required=false/>
                                    {live.then(|| view! {
                                        <label class="check">
                                            <input type="checkbox" name="confirm_live" value="yes"/>
                                            {format!(" I confirm: this letter is printed and mailed for {sub_org}, which is charged for it.")}
                                        </label>
                                        {confirm.map(|p| view! { <p class="field-error">{p}</p> })}
                                    })}
                                    <button type="submit">"Create letter"</button>
                                </form>
                            }.into_any()
                        }
                        Err(error) => view! { <Problem error/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
    .into_any()
}
