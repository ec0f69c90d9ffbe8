use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::super::sub_orgs::Pager;
use super::{
    acting, address_line, as_words, contact_name, is_write_mode, shows_write_form, ActingNav,
    FilterForm, ListNotices, LiveConfirm, NotActing, SentAlready, SwitchToWrite,
};
use crate::app::components::field::{Field, FormProblem, TextArea};
use crate::app::components::problem::Problem;
use crate::app::format::date;
use crate::app::paging::Filter;
use crate::app::request::{feedback_for, form_token, query_param};
use crate::domain::COUNTRIES;
use crate::web::paths::resource_path;
use crate::web::FormId;

#[component]
pub fn ContactsPage() -> impl IntoView {
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
                Some(client.list_contacts(&page).await)
            }
        }
    };
    view! {
        <Title text="Contacts"/>
        <div class="page-head">
            <h1>{format!("Contacts of {}", imp.sub_org_name)}</h1>
            {is_write_mode().then(|| view! { <a class="button" href="/impersonation/contacts/new">"New contact"</a> })}
        </div>
        <ActingNav/>
        <ListNotices what="contact"/>
        <FilterForm action="/impersonation/contacts" label="Search contacts" filter/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                match load.await {
                    None => ().into_any(),
                    Some(Ok(list)) if list.data.is_empty() => view! {
                        <p class="notice" role="status">"No contacts here."</p>
                    }.into_any(),
                    Some(Ok(list)) => {
                        let has_next = page.skip + (list.data.len() as u32) < list.total_count;
                        view! {
                            <p class="result-count" role="status">{format!("{} contacts", list.total_count)}</p>
                            <div class="table-wrap" role="region" aria-label="Contacts" tabindex="0"><table>
                                <caption class="visually-hidden">"Contacts"</caption>
                                <thead><tr>
                                    <th scope="col">"Name"</th><th scope="col">"Address"</th>
                                    <th scope="col">"Address status"</th><th scope="col">"Description"</th><th scope="col">"Created"</th>
                                </tr></thead>
                                <tbody>
                                    {list.data.into_iter().map(|c| view! {
                                        <tr>
                                            <td><a href=resource_path("/impersonation/contacts", &c.id, "")>{contact_name(&c.person, Some(&c.id))}</a></td>
                                            <td>{address_line(&c.person)}</td>
                                            <td>{c.person.address_status.clone().unwrap_or_default()}</td>
                                            <td>{c.person.description.clone().unwrap_or_default()}</td>
                                            <td>{date(&c.created_at)}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table></div>
                            <Pager path="/impersonation/contacts".to_owned() page=page.clone() has_next/>
                        }.into_any()
                    }
                    Some(Err(error)) => view! { <Problem error/> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

/// What PostGrid's address verification said, in words.
fn verification(status: Option<&str>) -> &'static str {
    match status {
        Some("verified") => "Verified: PostGrid found the address as given.",
        Some("corrected") => "Corrected: PostGrid changed the address to one it could verify.",
        Some("failed") => "Failed: PostGrid could not verify the address; mail may not arrive.",
        Some(_) => "PostGrid reports a status the portal does not know.",
        None => "Not verified (test mode verifies nothing).",
    }
}

#[component]
pub fn ContactPage() -> impl IntoView {
    let Some((_, client)) = acting() else {
        return view! { <Title text="Not acting"/><NotActing/> }.into_any();
    };
    let id = use_params_map().with_untracked(|p| p.get("id").unwrap_or_default());
    let notice = match (query_param("created"), query_param("matched")) {
        (Some(_), _) => Some("The contact was created."),
        (_, Some(_)) => Some("PostGrid matched an existing contact with the same details and returned it: nothing new was created."),
        _ => None,
    };
    let writable = is_write_mode();
    view! {
        <Title text="Contact"/>
        <SentAlready/>
        <ActingNav/>
        {notice.map(|n| view! { <p class="notice ok" role="status">{n}</p> })}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                match client.get_contact(&id).await {
                    Ok(c) => {
                        let p = c.person.clone();
                        let text = |v: &Option<String>| v.clone().unwrap_or_default();
                        view! {
                            <h1>{contact_name(&p, Some(&c.id))}</h1>
                            <dl class="facts">
                                <dt>"Id"</dt><dd><code>{c.id.clone()}</code></dd>
                                <dt>"Job title"</dt><dd>{text(&p.job_title)}</dd>
                                <dt>"Email"</dt><dd>{text(&p.email)}</dd>
                                <dt>"Phone"</dt><dd>{text(&p.phone_number)}</dd>
                                <dt>"Address"</dt><dd>{address_line(&p)}</dd>
                                <dt>"Address verification"</dt><dd>{verification(p.address_status.as_deref())}</dd>
                                <dt>"Address problems"</dt>
                                <dd class="pre-line">{p.address_errors.as_ref().map(as_words).filter(|w| !w.is_empty()).unwrap_or_else(|| "None reported".to_owned())}</dd>
                                <dt>"Verification skipped"</dt><dd>{if p.skip_verification == Some(true) { "yes" } else { "no" }}</dd>
                                <dt>"Forced to verified"</dt><dd>{if p.force_verified_status == Some(true) { "yes" } else { "no" }}</dd>
                                <dt>"Description"</dt><dd>{text(&p.description)}</dd>
                                <dt>"Metadata"</dt><dd class="pre-line">{p.metadata.as_ref().map(as_words).unwrap_or_default()}</dd>
                                <dt>"Mode"</dt><dd>{if c.live { "live" } else { "test" }}</dd>
                                <dt>"Created"</dt><dd>{c.created_at.clone()}</dd>
                                <dt>"Updated"</dt><dd>{c.updated_at.clone()}</dd>
                            </dl>
                            {writable.then(|| view! {
                                <p><a class="button danger" href=resource_path("/impersonation/contacts", &c.id, "/delete")>"Delete this contact…"</a></p>
                            })}
                        }.into_any()
                    }
                    Err(error) => view! { <h1>"Contact"</h1><Problem error/> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
pub fn DeleteContactPage() -> impl IntoView {
    let Some((imp, client)) = acting() else {
        return view! { <Title text="Not acting"/><NotActing/> }.into_any();
    };
    let id = use_params_map().with_untracked(|p| p.get("id").unwrap_or_default());
    let feedback = feedback_for(FormId::ContactDelete);
    let writable = is_write_mode();
    view! {
        <Title text="Delete contact"/>
        <ActingNav/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                match client.get_contact(&id).await {
                    Ok(c) => view! {
                        <section class="card" aria-labelledby="delete-heading">
                            <h1 id="delete-heading">{format!("Delete {} from {}?", contact_name(&c.person, Some(&c.id)), imp.sub_org_name)}</h1>
                            <p>{address_line(&c.person)}</p>
                            <p>"PostGrid deletes the contact for good. Letters already sent to it keep their own copy of the address."</p>
                            <FormProblem feedback=feedback.clone()/>
                            {(!writable).then(|| view! { <SwitchToWrite what="delete contacts"/> })}
                            {writable.then(|| view! {
                                <form method="post" action=resource_path("/impersonation/contacts", &c.id, "/delete") class="stacked">
                                    <LiveConfirm feedback=feedback.clone() says=format!("I confirm: delete this contact of {} for good.", imp.sub_org_name)/>
                                    <button type="submit" class="danger">"Delete contact"</button>
                                    <a href=resource_path("/impersonation/contacts", &c.id, "")>"Keep it"</a>
                                </form>
                            })}
                        </section>
                    }.into_any(),
                    Err(error) => view! { <h1>"Delete contact"</h1><Problem error/> }.into_any(),
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
    let token = form_token(&feedback);
    let chosen = feedback.typed("country_code");
    let country_problem = feedback.problem("country_code");
    let metadata_problem = feedback.problem("metadata");
    let ticked = |name: &str| feedback.typed(name) == "yes";
    let (skip, force) = (ticked("skip_verification"), ticked("force_verified_status"));
    view! {
        <Title text="New contact"/>
        <ActingNav/>
        <section class="card" aria-labelledby="contact-heading">
            <h1 id="contact-heading">"New contact"</h1>
            <FormProblem feedback=feedback.clone()/>
            {(!is_write_mode()).then(|| view! { <SwitchToWrite what="create contacts"/> })}
            {show_form.then(|| view! {
            <form method="post" action="/impersonation/contacts/new" class="stacked">
                <input type="hidden" name="token" value=token/>
                <p class="hint">"If a contact with exactly these details exists, PostGrid returns that one instead of creating another."</p>
                <Field feedback=feedback.clone() name="first_name" label="First name" required=false hint="A first name or a company name is required."/>
                <Field feedback=feedback.clone() name="last_name" label="Last name" required=false/>
                <Field feedback=feedback.clone() name="company_name" label="Company" required=false/>
                <Field feedback=feedback.clone() name="job_title" label="Job title" required=false/>
                <Field feedback=feedback.clone() name="email" label="Email" kind="email" required=false/>
                <Field feedback=feedback.clone() name="phone_number" label="Phone" kind="tel" required=false/>
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
                <Field feedback=feedback.clone() name="description" label="Description" required=false/>
                <label for="metadata">"Metadata"</label>
                <p class="hint" id="metadata-hint">"One key: value per line, such as campaign: spring. Lists can be searched by it."</p>
                <TextArea id="metadata" name="metadata" rows=3 value=feedback.typed("metadata") required=false
                    describedby="metadata-hint" invalid=metadata_problem.is_some()/>
                {metadata_problem.map(|p| view! { <p class="field-error">{p}</p> })}
                <fieldset>
                    <legend>"Address verification"</legend>
                    <p class="notice warn">"Only for an address you know is right: PostGrid mails to it as given, and mail that cannot be delivered is still charged."</p>
                    <label class="check"><input type="checkbox" name="skip_verification" value="yes" checked=skip/>" Skip PostGrid's address verification"</label>
                    <label class="check"><input type="checkbox" name="force_verified_status" value="yes" checked=force/>" Mark the address verified even if PostGrid cannot verify it"</label>
                </fieldset>
                <button type="submit">"Create contact"</button>
            </form>
            })}
        </section>
    }
    .into_any()
}
