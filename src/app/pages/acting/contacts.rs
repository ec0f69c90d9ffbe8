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
use crate::domain::COUNTRIES;
use crate::web::FormId;

#[component]
pub fn ContactsPage() -> impl IntoView {
    let Some((imp, client)) = acting() else {
        return view! { <Title text="Not acting"/><NotActing/> }.into_any();
    };
    let page = page_from_query();
    let load = {
        let page = page.clone();
        async move { client.list_contacts(&page).await }
    };
    view! {
        <Title text="Contacts"/>
        <div class="page-head">
            <h1>{format!("Contacts of {}", imp.sub_org_name)}</h1>
            {is_write_mode().then(|| view! { <a class="button" href="/impersonation/contacts/new">"New contact"</a> })}
        </div>
        <ActingNav/>
        <SearchForm action="/impersonation/contacts".to_owned() label="Search contacts" page=page.clone()/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                match load.await {
                    Ok(list) if list.data.is_empty() => view! {
                        <p class="notice" role="status">"No contacts here."</p>
                    }.into_any(),
                    Ok(list) => {
                        let has_next = page.skip + (list.data.len() as u32) < list.total_count;
                        view! {
                            <p class="result-count" role="status">{format!("{} contacts", list.total_count)}</p>
                            <div class="table-wrap"><table>
                                <caption class="visually-hidden">"Contacts"</caption>
                                <thead><tr>
                                    <th scope="col">"Name"</th><th scope="col">"Address"</th>
                                    <th scope="col">"Status"</th><th scope="col">"Created"</th>
                                </tr></thead>
                                <tbody>
                                    {list.data.into_iter().map(|c| view! {
                                        <tr>
                                            <td><a href=format!("/impersonation/contacts/{}", c.id)>{contact_name(&c)}</a></td>
                                            <td>{format!("{}, {} {}", c.address_line1, c.city.clone().unwrap_or_default(), c.country_code)}</td>
                                            <td>{c.address_status.clone().unwrap_or_default()}</td>
                                            <td>{date(&c.created_at)}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table></div>
                            <Pager path="/impersonation/contacts".to_owned() page=page.clone() has_next/>
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
pub fn ContactPage() -> impl IntoView {
    let Some((_, client)) = acting() else {
        return view! { <Title text="Not acting"/><NotActing/> }.into_any();
    };
    let id = use_params_map().with_untracked(|p| p.get("id").unwrap_or_default());
    let created = query_param("created").is_some();
    view! {
        <Title text="Contact"/>
        <ActingNav/>
        {created.then(|| view! { <p class="notice ok" role="status">"The contact was created."</p> })}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                match client.get_contact(&id).await {
                    Ok(c) => view! {
                        <h1>{contact_name(&c)}</h1>
                        <dl class="facts">
                            <dt>"Id"</dt><dd><code>{c.id.clone()}</code></dd>
                            <dt>"Address"</dt>
                            <dd>{[Some(c.address_line1.clone()), c.address_line2.clone(), c.city.clone(), c.province_or_state.clone(), c.postal_or_zip.clone(), Some(c.country_code.clone())].into_iter().flatten().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(", ")}</dd>
                            <dt>"Email"</dt><dd>{c.email.clone().unwrap_or_default()}</dd>
                            <dt>"Address status"</dt><dd>{c.address_status.clone().unwrap_or_default()}</dd>
                            <dt>"Description"</dt><dd>{c.description.clone().unwrap_or_default()}</dd>
                            <dt>"Mode"</dt><dd>{if c.live { "live" } else { "test" }}</dd>
                            <dt>"Created"</dt><dd>{c.created_at.clone()}</dd>
                        </dl>
                    }.into_any(),
                    Err(error) => view! { <h1>"Contact"</h1><Problem error/> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
pub fn NewContactPage() -> impl IntoView {
    if acting().is_none() {
        return view! { <Title text="Not acting"/><NotActing/> }.into_any();
    }
    let feedback = feedback_for(FormId::Contact);
    let show_form = shows_write_form(&feedback);
    let chosen = feedback.typed("country_code");
    let country_problem = feedback.problem("country_code");
    view! {
        <Title text="New contact"/>
        <ActingNav/>
        <section class="card" aria-labelledby="contact-heading">
            <h1 id="contact-heading">"New contact"</h1>
            <FormProblem feedback=feedback.clone()/>
            {(!is_write_mode()).then(|| view! { <SwitchToWrite what="create contacts"/> })}
            {show_form.then(|| view! {
            <form method="post" action="/impersonation/contacts/new" class="stacked">
                <Field feedback=feedback.clone() name="first_name" label="First name" required=false hint="A first name or a company name is required."/>
                <Field feedback=feedback.clone() name="last_name" label="Last name" required=false/>
                <Field feedback=feedback.clone() name="company_name" label="Company" required=false/>
                <Field feedback=feedback.clone() name="email" label="Email" kind="email" required=false/>
                <Field feedback=feedback.clone() name="address_line1" label="Address line 1"/>
                <Field feedback=feedback.clone() name="address_line2" label="Address line 2" required=false/>
                <Field feedback=feedback.clone() name="city" label="City" required=false/>
                <Field feedback=feedback.clone() name="province_or_state" label="Province or state" required=false/>
                <Field feedback=feedback.clone() name="postal_or_zip" label="Postal or ZIP code" required=false/>
                <label for="country_code">"Country"</label>
                <select id="country_code" name="country_code" required aria-invalid=country_problem.is_some().then_some("true")>
                    <option value="" selected=chosen.is_empty()>"Choose a country"</option>
                    {COUNTRIES.iter().map(|(code, name)| view! {
                        <option value=*code selected=chosen == *code>{format!("{name} ({code})")}</option>
                    }).collect_view()}
                </select>
                {country_problem.map(|p| view! { <p class="field-error">{p}</p> })}
                <Field feedback name="description" label="Description" required=false/>
                <button type="submit">"Create contact"</button>
            </form>
            })}
        </section>
    }
    .into_any()
}
