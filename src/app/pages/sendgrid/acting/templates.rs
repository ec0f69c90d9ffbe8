//! The sub-account's dynamic transactional templates, and one template's versions with an
//! Activate button per version in write mode.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::{acting_sendgrid, NotActingSendgrid, SendgridNav};
use crate::app::components::field::FormProblem;
use crate::app::components::problem::Problem;
use crate::app::pages::acting::{is_write_mode, SwitchToWrite};
use crate::app::request::{feedback_for, query_param};
use crate::sendgrid::models::{Template, TemplatePage};
use crate::web::paths::resource_path;
use crate::web::{AppError, FormId};

#[component]
pub fn SendgridTemplatesPage() -> impl IntoView {
    let Some((imp, client)) = acting_sendgrid() else {
        return view! { <NotActingSendgrid/> }.into_any();
    };
    let token = query_param("page");
    let load = async move { Ok::<_, AppError>(client.templates(token.as_deref()).await?) };
    view! {
        <Title text=format!("Templates of {}", imp.sub_org_name)/>
        <h1>{format!("Templates of {}", imp.sub_org_name)}</h1>
        <SendgridNav/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                match load.await {
                    Ok(page) => view! { <TemplateTable page/> }.into_any(),
                    Err(error) => view! { <Problem error/> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
fn TemplateTable(page: TemplatePage) -> impl IntoView {
    let next = page.metadata.next_token().map(|token| {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("page", &token)
            .finish();
        format!("/sendgrid/acting/templates?{query}")
    });
    if page.result.is_empty() {
        return view! { <p class="notice" role="status">"This sub-account has no dynamic templates."</p> }.into_any();
    }
    view! {
        <div class="table-wrap" role="region" aria-label="Dynamic transactional templates" tabindex="0">
            <table>
                <caption class="visually-hidden">"Dynamic transactional templates"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Id"</th>
                        <th scope="col">"Active version"</th>
                        <th scope="col">"Updated"</th>
                    </tr>
                </thead>
                <tbody>
                    {page.result.into_iter().map(|t| {
                        let href = resource_path("/sendgrid/acting/templates", &t.id, "");
                        let active = t.versions.iter().find(|v| v.is_active()).map(|v| v.name.clone()).unwrap_or_else(|| "None".to_owned());
                        view! {
                            <tr>
                                <td><a href=href>{t.name.clone()}</a></td>
                                <td><code>{t.id.clone()}</code></td>
                                <td>{active}</td>
                                <td>{t.updated_at.clone()}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <nav class="pager" aria-label="Pages">
            {match next {
                Some(href) => view! { <a href=href rel="next">"Next →"</a> }.into_any(),
                None => view! { <span aria-disabled="true">"Next →"</span> }.into_any(),
            }}
        </nav>
    }
    .into_any()
}

#[component]
pub fn SendgridTemplatePage() -> impl IntoView {
    let Some((_, client)) = acting_sendgrid() else {
        return view! { <NotActingSendgrid/> }.into_any();
    };
    let id = use_params_map().with_untracked(|params| params.get("id").unwrap_or_default());
    let activated = query_param("activated");
    let feedback = feedback_for(FormId::VersionActivate);
    let load = async move { Ok::<_, AppError>(client.template(&id).await?) };
    view! {
        <Title text="Template"/>
        <p class="crumbs"><a href="/sendgrid/acting/templates">"← All templates"</a></p>
        {activated.map(|how| {
            let said = if how == "probably" {
                "SendGrid accepted the activation, but its answer could not be read: check below which version is active."
            } else {
                "The version is active now: SendGrid sends it from now on."
            };
            view! { <p class="notice ok" role="status">{said}</p> }
        })}
        <FormProblem feedback=feedback.clone()/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                match load.await {
                    Ok(template) => view! { <Versions template/> }.into_any(),
                    Err(error) => view! { <h1>"Template"</h1><Problem error/> }.into_any(),
                }
            })}
        </Suspense>
        {(!is_write_mode()).then(|| view! { <SwitchToWrite what="activate another version"/> })}
    }
    .into_any()
}

#[component]
fn Versions(template: Template) -> impl IntoView {
    let write = is_write_mode();
    let versions_path = resource_path("/sendgrid/acting/templates", &template.id, "/versions");
    view! {
        <Title text=format!("Template {}", template.name)/>
        <h1>{template.name.clone()}</h1>
        <dl class="facts">
            <dt>"Id"</dt><dd><code>{template.id.clone()}</code></dd>
            <dt>"Generation"</dt><dd>{template.generation.clone()}</dd>
            <dt>"Updated"</dt><dd>{template.updated_at.clone()}</dd>
        </dl>
        <div class="table-wrap" role="region" aria-label="Versions" tabindex="0">
            <table>
                <caption>"Versions"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Subject"</th>
                        <th scope="col">"Updated"</th>
                        <th scope="col">"Active"</th>
                    </tr>
                </thead>
                <tbody>
                    {template.versions.into_iter().map(|v| {
                        let action = resource_path(&versions_path, &v.id, "/activate");
                        let active = v.is_active();
                        view! {
                            <tr>
                                <td>{v.name.clone()}</td>
                                <td>{v.subject.clone().unwrap_or_default()}</td>
                                <td>{v.updated_at.clone().unwrap_or_default()}</td>
                                <td>{if active {
                                    view! { <strong>"Active"</strong> }.into_any()
                                } else if write {
                                    view! {
                                        <form method="post" action=action class="inline">
                                            <button type="submit" class="small" aria-label=format!("Activate {}", v.name)>"Activate"</button>
                                        </form>
                                    }.into_any()
                                } else {
                                    view! { <span>"—"</span> }.into_any()
                                }}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
