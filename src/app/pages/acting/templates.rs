use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::super::sub_orgs::Pager;
use super::{
    acting, as_words, is_write_mode, shows_write_form, ActingNav, FilterForm, ListNotices,
    LiveConfirm, NotActing, SentAlready, SwitchToWrite,
};
use crate::app::components::field::{Field, FormProblem, TextArea};
use crate::app::components::problem::Problem;
use crate::app::format::date;
use crate::app::paging::Filter;
use crate::app::request::{feedback_for, form_token, query_param};
use crate::domain::text::TEMPLATE_HTML_MAX_CHARS;
use crate::forms::acting::metadata_lines;
use crate::postgrid::merge_variables;
use crate::web::paths::resource_path;
use crate::web::FormFeedback;
use crate::web::FormId;

#[component]
pub fn TemplatesPage() -> impl IntoView {
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
                Some(client.list_templates(&page).await)
            }
        }
    };
    view! {
        <Title text="Templates"/>
        <div class="page-head">
            <h1>{format!("Templates of {}", imp.sub_org_name)}</h1>
            {is_write_mode().then(|| view! { <a class="button" href="/impersonation/templates/new">"New template"</a> })}
        </div>
        <ActingNav/>
        <ListNotices what="template"/>
        <FilterForm action="/impersonation/templates" label="Search templates" filter/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                match load.await {
                    None => ().into_any(),
                    Some(Ok(list)) if list.data.is_empty() => view! { <p class="notice" role="status">"No templates here."</p> }.into_any(),
                    Some(Ok(list)) => {
                        let has_next = page.skip + (list.data.len() as u32) < list.total_count;
                        view! {
                            <p class="result-count" role="status">{format!("{} templates", list.total_count)}</p>
                            <div class="table-wrap" role="region" aria-label="Templates" tabindex="0"><table>
                                <caption class="visually-hidden">"Templates"</caption>
                                <thead><tr><th scope="col">"Description"</th><th scope="col">"Id"</th><th scope="col">"Metadata"</th><th scope="col">"Updated"</th></tr></thead>
                                <tbody>
                                    {list.data.into_iter().map(|t| view! {
                                        <tr>
                                            <td><a href=resource_path("/impersonation/templates", &t.id, "")>{t.description.clone().unwrap_or_else(|| t.id.clone())}</a></td>
                                            <td><code>{t.id.clone()}</code></td>
                                            <td class="pre-line">{t.metadata.as_ref().map(as_words).unwrap_or_default()}</td>
                                            <td>{date(&t.updated_at)}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table></div>
                            <Pager path="/impersonation/templates".to_owned() page=page.clone() has_next/>
                        }.into_any()
                    }
                    Some(Err(error)) => view! { <Problem error/> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

/// The template form: a new one (with its one-time token), or an existing one being edited.
#[component]
fn TemplateEditor(
    action: String,
    feedback: FormFeedback,
    button: &'static str,
    #[prop(optional)] token: Option<String>,
) -> impl IntoView {
    let html_problem = feedback.problem("html");
    let metadata_problem = feedback.problem("metadata");
    view! {
        <FormProblem feedback=feedback.clone()/>
        <form method="post" action=action class="stacked">
            {token.map(|t| view! { <input type="hidden" name="token" value=t/> })}
            <Field feedback=feedback.clone() name="description" label="Description"/>
            <label for="html">"HTML"</label>
            <p class="hint" id="html-hint">"Merge variables such as {{to.firstName}} are filled in by PostGrid; others, such as {{plan}}, are asked for when a letter is made."</p>
            <TextArea id="html" name="html" rows=10 value=feedback.typed("html")
                maxlength=TEMPLATE_HTML_MAX_CHARS describedby="html-hint" invalid=html_problem.is_some()/>
            {html_problem.map(|p| view! { <p class="field-error">{p}</p> })}
            <label for="metadata">"Metadata"</label>
            <p class="hint" id="metadata-hint">"One key: value per line, such as campaign: spring."</p>
            <TextArea id="metadata" name="metadata" rows=3 value=feedback.typed("metadata") required=false
                describedby="metadata-hint" invalid=metadata_problem.is_some()/>
            {metadata_problem.map(|p| view! { <p class="field-error">{p}</p> })}
            <button type="submit">{button}</button>
        </form>
    }
}

#[component]
pub fn TemplatePage() -> impl IntoView {
    let Some((_, client)) = acting() else {
        return view! { <Title text="Not acting"/><NotActing/> }.into_any();
    };
    let id = use_params_map().with_untracked(|p| p.get("id").unwrap_or_default());
    let saved = query_param("saved").is_some();
    let unconfirmed = query_param("unconfirmed").is_some();
    let shown_again = feedback_for(FormId::Template);
    let writable = is_write_mode();
    let show_form = shows_write_form(&shown_again);
    view! {
        <Title text="Template"/>
        <SentAlready/>
        <ActingNav/>
        {saved.then(|| view! { <p class="notice ok" role="status">"The template was saved."</p> })}
        {unconfirmed.then(|| view! { <p class="notice warn" role="status">"PostGrid accepted the change, but the portal could not read its answer. Check the template below before saving again."</p> })}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                match client.get_template(&id).await {
                    Ok(t) => {
                        // A failed save shows what was typed; otherwise the template as it is.
                        let feedback = if shown_again.values.is_empty() {
                            FormFeedback::new(FormId::Template)
                                .value("description", t.description.as_deref().unwrap_or_default())
                                .value("html", t.html.as_deref().unwrap_or_default())
                                .value("metadata", &metadata_lines(t.metadata.as_ref()))
                        } else {
                            shown_again.clone()
                        };
                        let variables = merge_variables::used_in(t.html.as_deref().unwrap_or_default());
                        view! {
                            <h1>{t.description.clone().unwrap_or_else(|| t.id.clone())}</h1>
                            <dl class="facts">
                                <dt>"Id"</dt><dd><code>{t.id.clone()}</code></dd>
                                <dt>"Merge variables"</dt>
                                <dd>{if variables.is_empty() {
                                    "None besides the contacts' own fields".to_owned()
                                } else {
                                    variables.iter().map(|v| format!("{{{{{v}}}}}")).collect::<Vec<_>>().join(", ")
                                }}</dd>
                                <dt>"Metadata"</dt><dd class="pre-line">{t.metadata.as_ref().map(as_words).unwrap_or_default()}</dd>
                                <dt>"Mode"</dt><dd>{if t.live { "live" } else { "test" }}</dd>
                                <dt>"Updated"</dt><dd>{t.updated_at.clone()}</dd>
                            </dl>
                            <h2>"HTML"</h2>
                            <pre class="source">{t.html.clone().unwrap_or_default()}</pre>
                            {(!writable).then(|| view! { <SwitchToWrite what="edit this template"/> })}
                            {show_form.then(|| view! {
                                <section class="card" aria-labelledby="edit-heading">
                                    <h2 id="edit-heading">"Edit this template"</h2>
                                    <TemplateEditor action=resource_path("/impersonation/templates", &t.id, "") feedback button="Save template"/>
                                </section>
                            })}
                            {writable.then(|| view! {
                                <p><a class="button danger" href=resource_path("/impersonation/templates", &t.id, "/delete")>"Delete this template…"</a></p>
                            })}
                        }.into_any()
                    }
                    Err(error) => view! { <h1>"Template"</h1><Problem error/> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
pub fn DeleteTemplatePage() -> impl IntoView {
    let Some((imp, client)) = acting() else {
        return view! { <Title text="Not acting"/><NotActing/> }.into_any();
    };
    let id = use_params_map().with_untracked(|p| p.get("id").unwrap_or_default());
    let feedback = feedback_for(FormId::TemplateDelete);
    let writable = is_write_mode();
    view! {
        <Title text="Delete template"/>
        <ActingNav/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                match client.get_template(&id).await {
                    Ok(t) => view! {
                        <section class="card" aria-labelledby="delete-heading">
                            <h1 id="delete-heading">{format!("Delete the template {} of {}?", t.description.clone().unwrap_or_else(|| t.id.clone()), imp.sub_org_name)}</h1>
                            <p>"PostGrid deletes it for good: it cannot be undone, and no new letter can use it."</p>
                            <FormProblem feedback=feedback.clone()/>
                            {(!writable).then(|| view! { <SwitchToWrite what="delete templates"/> })}
                            {writable.then(|| view! {
                                <form method="post" action=resource_path("/impersonation/templates", &t.id, "/delete") class="stacked">
                                    <LiveConfirm feedback=feedback.clone() says=format!("I confirm: delete this template of {} for good.", imp.sub_org_name)/>
                                    <button type="submit" class="danger">"Delete template"</button>
                                    <a href=resource_path("/impersonation/templates", &t.id, "")>"Keep it"</a>
                                </form>
                            })}
                        </section>
                    }.into_any(),
                    Err(error) => view! { <h1>"Delete template"</h1><Problem error/> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
pub fn NewTemplatePage() -> impl IntoView {
    if acting().is_none() {
        return view! { <Title text="Not acting"/><NotActing/> }.into_any();
    }
    let feedback = feedback_for(FormId::Template);
    let token = form_token(&feedback);
    view! {
        <Title text="New template"/>
        <ActingNav/>
        <section class="card" aria-labelledby="template-heading">
            <h1 id="template-heading">"New template"</h1>
            {(!is_write_mode()).then(|| view! { <SwitchToWrite what="create templates"/> })}
            {shows_write_form(&feedback).then(|| view! {
                <TemplateEditor action="/impersonation/templates/new".to_owned() feedback button="Create template" token=token.unwrap_or_default()/>
            })}
        </section>
    }
    .into_any()
}
