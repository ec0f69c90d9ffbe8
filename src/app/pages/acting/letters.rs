use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::super::sub_orgs::Pager;
use super::{
    acting, as_words, contact_name, is_write_mode, shows_write_form, status_label, ActingNav,
    FilterForm, ListNotices, LiveConfirm, NotActing, OrderProgress, PreviewLink, SentAlready,
    SwitchToWrite,
};
use crate::app::components::field::{Field, FormProblem, TextArea};
use crate::app::components::problem::Problem;
use crate::app::format::date;
use crate::app::paging::Filter;
use crate::app::request::{feedback_for, form_token, parent_client, query_param};
use crate::config::PostgridMode;
use crate::domain::text::{REASON_MAX_CHARS, TEMPLATE_HTML_MAX_CHARS};
use crate::forms::acting::letters::MERGE_PREFIX;
use crate::postgrid::choices::{ADDRESS_PLACEMENTS, LETTER_SIZES, MAILING_CLASSES};
use crate::postgrid::models::{Contact, Template};
use crate::postgrid::{merge_variables, OrgClient, Page, PostgridError, MAX_PAGE_SIZE};
use crate::state::AppState;
use crate::web::paths::resource_path;
use crate::web::{FormFeedback, FormId};

#[component]
pub fn LettersPage() -> impl IntoView {
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
                Some(client.list_letters(&page).await)
            }
        }
    };
    view! {
        <Title text="Letters"/>
        <div class="page-head">
            <h1>{format!("Letters of {}", imp.sub_org_name)}</h1>
            {is_write_mode().then(|| view! { <a class="button" href="/impersonation/letters/new">"New letter"</a> })}
        </div>
        <ActingNav/>
        <ListNotices what="letter"/>
        <FilterForm action="/impersonation/letters" label="Search letters" filter/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                match load.await {
                    None => ().into_any(),
                    Some(Ok(list)) if list.data.is_empty() => view! { <p class="notice" role="status">"No letters here."</p> }.into_any(),
                    Some(Ok(list)) => {
                        let has_next = page.skip + (list.data.len() as u32) < list.total_count;
                        view! {
                            <p class="result-count" role="status">{format!("{} letters", list.total_count)}</p>
                            <div class="table-wrap" role="region" aria-label="Letters" tabindex="0"><table>
                                <caption class="visually-hidden">"Letters"</caption>
                                <thead><tr><th scope="col">"Letter"</th><th scope="col">"To"</th><th scope="col">"Status"</th><th scope="col">"Send date"</th><th scope="col">"Created"</th></tr></thead>
                                <tbody>
                                    {list.data.into_iter().map(|l| view! {
                                        <tr>
                                            <td><a href=resource_path("/impersonation/letters", &l.id, "")>{l.order.description.clone().unwrap_or_else(|| l.id.clone())}</a></td>
                                            <td>{contact_name(&l.order.to.person, l.order.to.id.as_deref())}</td>
                                            <td>{status_label(&l.order.status)}</td>
                                            <td>{l.order.send_date.as_deref().map(date).unwrap_or_default()}</td>
                                            <td>{date(&l.order.created_at)}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table></div>
                            <Pager path="/impersonation/letters".to_owned() page=page.clone() has_next/>
                        }.into_any()
                    }
                    Some(Err(error)) => view! { <Problem error/> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

fn yes_no(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "yes",
        Some(false) => "no",
        None => "not given",
    }
}

#[component]
pub fn LetterPage() -> impl IntoView {
    let Some((_, client)) = acting() else {
        return view! { <Title text="Not acting"/><NotActing/> }.into_any();
    };
    let id = use_params_map().with_untracked(|p| p.get("id").unwrap_or_default());
    let notice = match (query_param("created"), query_param("cancelled"), query_param("unconfirmed")) {
        (Some(_), _, _) => Some(("ok", "The letter was created.")),
        (_, Some(_), _) => Some(("ok", "The letter was cancelled.")),
        (_, _, Some(_)) => Some(("warn", "PostGrid accepted the cancellation, but the portal could not read its answer. Check the status below before trying again.")),
        _ => None,
    };
    let writable = is_write_mode();
    view! {
        <Title text="Letter"/>
        <SentAlready/>
        <ActingNav/>
        {notice.map(|(class, n)| view! { <p class=format!("notice {class}") role="status">{n}</p> })}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                match client.get_letter(&id).await {
                    Ok(l) => {
                        let o = l.order.clone();
                        let text = |v: &Option<String>| v.clone().unwrap_or_default();
                        let cancellable = writable && o.status == "ready";
                        view! {
                            <h1>{o.description.clone().unwrap_or_else(|| l.id.clone())}</h1>
                            <OrderProgress order=o.clone()/>
                            <dl class="facts">
                                <dt>"Id"</dt><dd><code>{l.id.clone()}</code></dd>
                                <dt>"Preview"</dt><dd><PreviewLink url=o.url.clone()/></dd>
                                <dt>"To"</dt><dd>{contact_name(&o.to.person, o.to.id.as_deref())}</dd>
                                <dt>"From"</dt><dd>{contact_name(&l.from.person, l.from.id.as_deref())}</dd>
                                <dt>"Template"</dt><dd>{l.template.clone().unwrap_or_else(|| if l.html.is_some() { "Its own HTML".to_owned() } else { String::new() })}</dd>
                                <dt>"Send date"</dt><dd>{text(&o.send_date)}</dd>
                                <dt>"Mailing class"</dt><dd>{o.mailing_class.as_deref().map(status_label).unwrap_or_default()}</dd>
                                <dt>"Size"</dt><dd>{text(&l.size)}</dd>
                                <dt>"Colour"</dt><dd>{yes_no(l.color)}</dd>
                                <dt>"Double-sided"</dt><dd>{yes_no(l.double_sided)}</dd>
                                <dt>"Address placement"</dt><dd>{l.address_placement.as_deref().map(status_label).unwrap_or_default()}</dd>
                                <dt>"Pages"</dt><dd>{o.page_count.map(|n| n.to_string()).unwrap_or_else(|| "not counted yet".to_owned())}</dd>
                                <dt>"Tracking number"</dt><dd>{text(&o.tracking_number)}</dd>
                                <dt>"IMB status"</dt><dd>{o.imb_status.as_deref().map(status_label).unwrap_or_else(|| "None yet".to_owned())}</dd>
                                <dt>"IMB updated"</dt><dd>{text(&o.imb_date)}</dd>
                                <dt>"Merge variables"</dt><dd class="pre-line">{o.merge_variables.as_ref().map(as_words).unwrap_or_default()}</dd>
                                <dt>"Metadata"</dt><dd class="pre-line">{o.metadata.as_ref().map(as_words).unwrap_or_default()}</dd>
                                <dt>"Mode"</dt><dd>{if o.live { "live" } else { "test" }}</dd>
                                <dt>"Created"</dt><dd>{o.created_at.clone()}</dd>
                            </dl>
                            {cancellable.then(|| view! {
                                <p><a class="button danger" href=resource_path("/impersonation/letters", &l.id, "/cancel")>"Cancel this letter…"</a></p>
                            })}
                        }.into_any()
                    }
                    Err(error) => view! { <h1>"Letter"</h1><Problem error/> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
pub fn CancelLetterPage() -> impl IntoView {
    let Some((imp, client)) = acting() else {
        return view! { <Title text="Not acting"/><NotActing/> }.into_any();
    };
    let id = use_params_map().with_untracked(|p| p.get("id").unwrap_or_default());
    let feedback = feedback_for(FormId::LetterCancel);
    let writable = is_write_mode();
    let show_form = shows_write_form(&feedback);
    view! {
        <Title text="Cancel letter"/>
        <ActingNav/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                match client.get_letter(&id).await {
                    Ok(l) if l.order.status != "ready" => view! {
                        <h1>"This letter cannot be cancelled"</h1>
                        <p>{format!("Only a letter that is still ready can be cancelled; this one is {}.", status_label(&l.order.status).to_lowercase())}</p>
                        <p><a href=resource_path("/impersonation/letters", &l.id, "")>"Back to the letter"</a></p>
                    }.into_any(),
                    Ok(l) => {
                        let problem = feedback.problem("note");
                        view! {
                            <section class="card" aria-labelledby="cancel-heading">
                                <h1 id="cancel-heading">{format!("Cancel “{}” of {}?", l.order.description.clone().unwrap_or_else(|| l.id.clone()), imp.sub_org_name)}</h1>
                                <p>{format!("To {}. Cancelling cannot be undone.", contact_name(&l.order.to.person, l.order.to.id.as_deref()))}</p>
                                <FormProblem feedback=feedback.clone()/>
                                {(!writable).then(|| view! { <SwitchToWrite what="cancel letters"/> })}
                                {show_form.then(|| view! {
                                    <form method="post" action=resource_path("/impersonation/letters", &l.id, "/cancel") class="stacked">
                                        <label for="note">"Why it is cancelled"</label>
                                        <p class="hint" id="note-hint">"PostGrid keeps this note with the letter."</p>
                                        <TextArea id="note" name="note" value=feedback.typed("note") maxlength=REASON_MAX_CHARS
                                            describedby="note-hint" invalid=problem.is_some()/>
                                        {problem.map(|p| view! { <p class="field-error">{p}</p> })}
                                        <LiveConfirm feedback=feedback.clone() says=format!("I confirm: cancel this letter of {}; it cannot be undone.", imp.sub_org_name)/>
                                        <button type="submit" class="danger">"Cancel letter"</button>
                                        <a href=resource_path("/impersonation/letters", &l.id, "")>"Keep it"</a>
                                    </form>
                                })}
                            </section>
                        }.into_any()
                    }
                    Err(error) => view! { <h1>"Cancel letter"</h1><Problem error/> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

/// What the new letter form offers: contacts and templates (narrowed by their searches), the
/// chosen template, and the size the sub-organization's country uses.
struct Choices {
    contacts: Vec<Contact>,
    templates: Vec<Template>,
    chosen: Option<Template>,
    size: &'static str,
}

async fn load_choices(
    client: OrgClient,
    contact_search: Option<String>,
    template_search: Option<String>,
    chosen: Option<String>,
) -> Result<Choices, PostgridError> {
    let contacts = client
        .list_contacts(&Page::new(MAX_PAGE_SIZE, 0, contact_search))
        .await?;
    let templates = client
        .list_templates(&Page::new(MAX_PAGE_SIZE, 0, template_search))
        .await?;
    // A template this sub-organization lacks is named beside the field; the form stays.
    let chosen = match chosen {
        Some(id) => match client.get_template(&id).await {
            Ok(template) => Some(template),
            Err(PostgridError::NotFound { .. }) => None,
            Err(error) => return Err(error),
        },
        None => None,
    };
    // A4 outside North America; US letter when the country cannot be read.
    let country = match parent_client() {
        Ok(parent) => match client_sub_org(&parent).await {
            Some(code) => code,
            None => "US".to_owned(),
        },
        Err(_) => "US".to_owned(),
    };
    let size = if matches!(country.as_str(), "US" | "CA") {
        "us_letter"
    } else {
        "a4"
    };
    Ok(Choices {
        contacts: contacts.data,
        templates: templates.data,
        chosen,
        size,
    })
}

async fn client_sub_org(parent: &crate::postgrid::ParentClient) -> Option<String> {
    let imp = crate::app::request::extension::<crate::web::request::Acting>()?.0;
    let crate::impersonation::Target::Postgrid(org) = &imp.target else {
        return None;
    };
    parent.get_sub_org(org).await.ok().map(|s| s.country_code)
}

fn select_of(
    feedback: &FormFeedback,
    name: &'static str,
    label: &'static str,
    options: Vec<(String, String)>,
    default: &str,
) -> impl IntoView {
    let typed = feedback.typed(name);
    let chosen = if typed.is_empty() {
        default.to_owned()
    } else {
        typed
    };
    let problem = feedback.problem(name);
    view! {
        <label for=name>{label}</label>
        <select id=name name=name required aria-invalid=problem.is_some().then_some("true")>
            {default.is_empty().then(|| view! { <option value="">"Choose…"</option> })}
            {options.into_iter().map(|(value, text)| {
                let selected = value == chosen;
                view! { <option value=value selected=selected>{text}</option> }
            }).collect_view()}
        </select>
        {problem.map(|p| view! { <p class="field-error">{p}</p> })}
    }
}

fn listed(values: &[&str]) -> Vec<(String, String)> {
    values
        .iter()
        .map(|v| ((*v).to_owned(), status_label(v)))
        .collect()
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
    let token = form_token(&feedback);
    let contact_search = query_param("contacts").filter(|s| !s.trim().is_empty());
    let template_search = query_param("templates").filter(|s| !s.trim().is_empty());
    let chosen_id = Some(feedback.typed("template"))
        .filter(|t| !t.is_empty())
        .or_else(|| query_param("template"))
        .filter(|t| !t.trim().is_empty());
    let load = {
        let (c, t, chosen) = (
            contact_search.clone(),
            template_search.clone(),
            chosen_id.clone(),
        );
        async move {
            if !show_form {
                return None;
            }
            Some(load_choices(client, c, t, chosen).await)
        }
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
                        None => ().into_any(),
                        Some(Err(error)) => view! { <Problem error/> }.into_any(),
                        Some(Ok(choices)) => letter_form(feedback, token, choices, contact_search, template_search, imp.sub_org_name.clone()).into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
    .into_any()
}

fn letter_form(
    feedback: FormFeedback,
    token: Option<String>,
    choices: Choices,
    contact_search: Option<String>,
    template_search: Option<String>,
    sub_org: String,
) -> impl IntoView {
    let chosen = choices.chosen.clone();
    let people: Vec<(String, String)> = choices
        .contacts
        .iter()
        .map(|c| (c.id.clone(), contact_name(&c.person, Some(&c.id))))
        .collect();
    let designs: Vec<(String, String)> = choices
        .templates
        .iter()
        .map(|t| {
            (
                t.id.clone(),
                t.description.clone().unwrap_or_else(|| t.id.clone()),
            )
        })
        .collect();
    // The variables to ask for: the chosen template's, or those of the HTML typed.
    let html = match &chosen {
        Some(t) => t.html.clone().unwrap_or_default(),
        None => feedback.typed("html"),
    };
    let variables = merge_variables::used_in(&html);
    let html_problem = feedback.problem("html");
    let metadata_problem = feedback.problem("metadata");
    let chosen_id = chosen.as_ref().map(|t| t.id.clone()).unwrap_or_default();
    let ticked = |name: &str| feedback.typed(name) == "yes";
    let (color, double_sided) = (ticked("color"), ticked("double_sided"));
    view! {
        <form method="get" action="/impersonation/letters/new" class="search filters" role="search">
            <div>
                <label for="contacts">"Find contacts"</label>
                <input id="contacts" name="contacts" type="search" value=contact_search.clone().unwrap_or_default()/>
            </div>
            <div>
                <label for="templates">"Find templates"</label>
                <input id="templates" name="templates" type="search" value=template_search.clone().unwrap_or_default()/>
            </div>
            <div>
                <label for="pick-template">"Template"</label>
                <select id="pick-template" name="template">
                    <option value="" selected=chosen_id.is_empty()>"None: write the letter's HTML"</option>
                    {designs.iter().map(|(value, text)| {
                        let selected = *value == chosen_id;
                        view! { <option value=value.clone() selected=selected>{text.clone()}</option> }
                    }).collect_view()}
                </select>
            </div>
            <button type="submit">"Show these choices"</button>
        </form>
        <p class="hint">{format!("Showing up to {MAX_PAGE_SIZE} contacts and templates; search to find others.")}</p>
        <form method="post" action="/impersonation/letters/new" class="stacked">
            <input type="hidden" name="token" value=token/>
            {select_of(&feedback, "to", "To", people.clone(), "")}
            {select_of(&feedback, "from", "From", people, "")}
            {match &chosen {
                Some(t) => view! {
                    <input type="hidden" name="template" value=t.id.clone()/>
                    <p>{format!("Template: {}", t.description.clone().unwrap_or_else(|| t.id.clone()))}</p>
                    {feedback.problem("template").map(|p| view! { <p class="field-error">{p}</p> })}
                    // HTML typed beside a template stays, with its problem, to be cleared.
                    {(!feedback.typed("html").is_empty()).then(|| view! {
                        <label for="html">"The letter's HTML"</label>
                        <TextArea id="html" name="html" rows=8 value=feedback.typed("html") required=false
                            maxlength=TEMPLATE_HTML_MAX_CHARS invalid=html_problem.is_some()/>
                        {html_problem.clone().map(|p| view! { <p class="field-error">{p}</p> })}
                    })}
                }.into_any(),
                None => view! {
                    {feedback.problem("template").map(|p| view! { <p class="field-error">{p}</p> })}
                    <label for="html">"The letter's HTML"</label>
                    <p class="hint" id="html-hint">"Merge variables such as {{plan}} are asked for after a first try."</p>
                    <TextArea id="html" name="html" rows=8 value=feedback.typed("html") required=false
                        maxlength=TEMPLATE_HTML_MAX_CHARS describedby="html-hint" invalid=html_problem.is_some()/>
                    {html_problem.map(|p| view! { <p class="field-error">{p}</p> })}
                }.into_any(),
            }}
            {(!variables.is_empty()).then(|| view! {
                <fieldset>
                    <legend>"Merge variables"</legend>
                    {variables.iter().map(|name| {
                        let field = format!("{MERGE_PREFIX}{name}");
                        let problem = feedback.problem(&field);
                        view! {
                            <label for=field.clone()>{format!("{{{{{name}}}}}")}</label>
                            <input id=field.clone() name=field.clone() value=feedback.typed(&field) required
                                aria-invalid=problem.is_some().then_some("true")/>
                            {problem.map(|p| view! { <p class="field-error">{p}</p> })}
                        }
                    }).collect_view()}
                </fieldset>
            })}
            {select_of(&feedback, "mailing_class", "Mailing class", listed(&MAILING_CLASSES), MAILING_CLASSES[0])}
            {select_of(&feedback, "size", "Size", listed(&LETTER_SIZES), choices.size)}
            {select_of(&feedback, "address_placement", "Address placement", listed(&ADDRESS_PLACEMENTS), ADDRESS_PLACEMENTS[0])}
            <label class="check"><input type="checkbox" name="color" value="yes" checked=color/>" Colour"</label>
            <label class="check"><input type="checkbox" name="double_sided" value="yes" checked=double_sided/>" Double-sided"</label>
            <Field feedback=feedback.clone() name="send_date" label="Send date" kind="date" required=false hint="Empty: as soon as possible. PostGrid prints it the day after this date."/>
            <Field feedback=feedback.clone() name="description" label="Description" required=false/>
            <label for="metadata">"Metadata"</label>
            <p class="hint" id="metadata-hint">"One key: value per line, such as campaign: spring."</p>
            <TextArea id="metadata" name="metadata" rows=3 value=feedback.typed("metadata") required=false
                describedby="metadata-hint" invalid=metadata_problem.is_some()/>
            {metadata_problem.map(|p| view! { <p class="field-error">{p}</p> })}
            <LiveConfirm feedback=feedback.clone() says=format!("I confirm the choices above: this letter is printed and mailed for {sub_org}, which is charged for it.")/>
            <button type="submit">"Create letter"</button>
        </form>
    }
}
