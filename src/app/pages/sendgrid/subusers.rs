//! The parent account's subusers: the list with username search, one subuser with this month's
//! stats, and enabling or disabling one.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::pages_from_query;
use crate::app::components::field::FormProblem;
use crate::app::components::problem::Problem;
use crate::app::components::start_acting::{StartActing, Whom};
use crate::app::format::count;
use crate::app::pages::sub_orgs::{Pager, SearchForm};
use crate::app::request::{current_staff, feedback_for, query_param, sendgrid_client};
use crate::auth::Permission;
use crate::sendgrid::models::{Metrics, Subuser};
use crate::sendgrid::Username;
use crate::state::AppState;
use crate::web::paths::resource_path;
use crate::web::{AppError, FormId};

/// The subuser's page, by a username checked before it goes anywhere near SendGrid.
fn subuser_href(username: &str) -> Option<String> {
    Username::parse(username)
        .ok()
        .map(|name| resource_path("/sendgrid/subusers", name.as_str(), ""))
}

/// The username from the path, checked: anything else was never a SendGrid username.
fn username_from_path() -> Result<Username, AppError> {
    let raw = use_params_map().with_untracked(|params| params.get("name").unwrap_or_default());
    Username::parse(&raw)
        .map_err(|_| AppError::NotFound("There is no SendGrid subuser by that name."))
}

#[component]
pub fn SubusersPage() -> impl IntoView {
    let (page, shown) = pages_from_query();
    let client = sendgrid_client();
    let stopped = query_param("stopped").is_some();
    let load = {
        let page = page.clone();
        async move { Ok::<_, AppError>(client?.list_subusers(&page).await?) }
    };
    view! {
        <Title text="SendGrid subusers"/>
        <h1>"SendGrid subusers"</h1>
        {stopped.then(|| view! { <p class="notice ok" role="status">"You stopped acting for the SendGrid sub-account."</p> })}
        <SearchForm action="/sendgrid/subusers".to_owned() label="Search by username (from its start)" page=shown.clone()/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                match load.await {
                    Ok(list) => {
                        let has_next = page.has_next(list.len());
                        view! { <SubuserTable list page=shown.clone() has_next/> }.into_any()
                    }
                    Err(error) => view! { <Problem error/> }.into_any(),
                }
            })}
        </Suspense>
        <StartActing
            target=Whom::Typed { name: "customer_id", label: "Customer account id", hint: "For resellers: the account id from SendGrid's Account Provisioning API, such as sg2a2bcd3ef4ab5c67d8efab91c01de2fa." }
            heading="Act for a customer account"
            blurb="Resellers' customer accounts are not listed here: give the account's id. SendGrid confirms it before anything else is done."
            button="Start acting for this customer account"/>
    }
}

#[component]
fn SubuserTable(list: Vec<Subuser>, page: crate::postgrid::Page, has_next: bool) -> impl IntoView {
    if list.is_empty() {
        let message = match &page.search {
            Some(search) => format!("No subuser's username starts with “{search}”."),
            None if page.skip > 0 => "There are no more subusers.".to_owned(),
            None => "This SendGrid account has no subusers.".to_owned(),
        };
        return view! {
            <p class="notice" role="status">{message}</p>
            <Pager path="/sendgrid/subusers".to_owned() page has_next=false/>
        }
        .into_any();
    }
    let first = page.skip + 1;
    let last = page.skip + list.len() as u32;
    view! {
        <p class="result-count" role="status">{format!("Showing {first}–{last}")}</p>
        <div class="table-wrap" role="region" aria-label="SendGrid subusers" tabindex="0">
            <table>
                <caption class="visually-hidden">"SendGrid subusers"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Username"</th>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Id"</th>
                        <th scope="col">"Region"</th>
                        <th scope="col">"Status"</th>
                    </tr>
                </thead>
                <tbody>
                    {list.into_iter().map(|s| view! {
                        <tr>
                            <td>{match subuser_href(&s.username) {
                                Some(href) => view! { <a href=href>{s.username.clone()}</a> }.into_any(),
                                None => view! {
                                    <span>{s.username.clone()}</span>
                                    <span class="hint">" (a name the portal cannot open or act for: not letters, digits, _, . and -)"</span>
                                }.into_any(),
                            }}</td>
                            <td>{s.email.clone()}</td>
                            <td><code>{s.id.to_string()}</code></td>
                            <td>{s.region.clone().unwrap_or_else(|| "—".to_owned())}</td>
                            <td>{if s.disabled { "Disabled" } else { "Enabled" }}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <Pager path="/sendgrid/subusers".to_owned() page has_next/>
    }
    .into_any()
}

/// The first day of this month, as SendGrid's monthly stats take it.
fn this_month() -> String {
    let today = use_context::<AppState>()
        .map(|s| s.clock.now().date())
        .unwrap_or(time::Date::MIN);
    format!("{:04}-{:02}-01", today.year(), u8::from(today.month()))
}

#[component]
pub fn SubuserPage() -> impl IntoView {
    let name = username_from_path();
    let client = sendgrid_client();
    let month = this_month();
    // Only the two words the form lands with; the page shows the state SendGrid reports.
    let changed = query_param("status").filter(|s| s == "enabled" || s == "disabled");
    let stopped = query_param("stopped").is_some();
    let load = {
        let month = month.clone();
        async move {
            let name = name?;
            let client = client?;
            let subuser = client.find_subuser(&name).await?;
            let stats = client.monthly_stats(&name, &month).await?;
            Ok::<_, AppError>((subuser, stats.sums()))
        }
    };
    view! {
        <Title text="SendGrid subuser"/>
        <p class="crumbs"><a href="/sendgrid/subusers">"← All subusers"</a></p>
        {stopped.then(|| view! { <p class="notice ok" role="status">"You stopped acting for this subuser."</p> })}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                match load.await {
                    Ok((subuser, sums)) => {
                        let state = if subuser.disabled { "disabled" } else { "enabled" };
                        let changed = changed.filter(|now| now == state);
                        view! {
                            {changed.map(|now| view! { <p class="notice ok" role="status">{format!("The subuser is {now} now.")}</p> })}
                            <SubuserDetail subuser sums month=month.clone()/>
                        }.into_any()
                    }
                    Err(error) => view! { <h1>"SendGrid subuser"</h1><Problem error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SubuserDetail(subuser: Subuser, sums: Metrics, month: String) -> impl IntoView {
    let manage = current_staff().is_some_and(|me| me.can(Permission::ManageSubusers));
    let status_href = resource_path("/sendgrid/subusers", &subuser.username, "/status");
    let change = if subuser.disabled {
        "Enable this subuser"
    } else {
        "Disable this subuser"
    };
    view! {
        <Title text=format!("SendGrid subuser {}", subuser.username)/>
        <h1>{subuser.username.clone()}</h1>
        <dl class="facts">
            <dt>"Email"</dt><dd>{subuser.email.clone()}</dd>
            <dt>"Id"</dt><dd><code>{subuser.id.to_string()}</code></dd>
            <dt>"Status"</dt><dd>{if subuser.disabled { "Disabled: SendGrid refuses its mail" } else { "Enabled" }}</dd>
            <dt>"Region"</dt><dd>{subuser.region.clone().unwrap_or_else(|| "not given".to_owned())}</dd>
        </dl>
        <MetricsTable caption=format!("This month (from {month})") sums/>
        {manage.then(|| view! { <p class="actions"><a class="button secondary" href=status_href>{change}</a></p> })}
        <StartActing
            target=Whom::Named("account", subuser.username.clone())
            heading="Act for this subuser"
            blurb="See its stats, suppressions, templates and senders with the parent's key, and remove an address from a suppression list or activate a template version in write mode. Mail cannot be sent as a subuser. Everything you do is recorded with your reason."
            button="Start acting for this subuser"/>
    }
}

/// The six sums a support person asks about first.
#[component]
pub fn MetricsTable(caption: String, sums: Metrics) -> impl IntoView {
    let rows = [
        ("Requests", sums.requests),
        ("Delivered", sums.delivered),
        ("Bounces", sums.bounces),
        ("Spam reports", sums.spam_reports),
        ("Opens", sums.opens),
        ("Clicks", sums.clicks),
    ];
    view! {
        <table class="metrics">
            <caption>{caption}</caption>
            <tbody>
                {rows.into_iter().map(|(label, n)| view! {
                    <tr><th scope="row">{label}</th><td class="num">{count(n)}</td></tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// The confirmation before a subuser is enabled or disabled.
#[component]
pub fn SubuserStatusPage() -> impl IntoView {
    let name = username_from_path();
    let client = sendgrid_client();
    let feedback = feedback_for(FormId::SubuserStatus);
    let load = async move {
        let name = name?;
        Ok::<_, AppError>(client?.find_subuser(&name).await?)
    };
    view! {
        <Title text="Enable or disable a subuser"/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new({
                let feedback = feedback.clone();
                async move {
                    match load.await {
                        Ok(subuser) => {
                            let action = resource_path("/sendgrid/subusers", &subuser.username, "/status");
                            let back = resource_path("/sendgrid/subusers", &subuser.username, "");
                            let (question, consequence, to, button) = if subuser.disabled {
                                (format!("Enable the subuser {}?", subuser.username), "SendGrid accepts its mail again.", "false", "Enable the subuser")
                            } else {
                                (format!("Disable the subuser {}?", subuser.username), "SendGrid refuses its mail until it is enabled again; nothing is deleted.", "true", "Disable the subuser")
                            };
                            view! {
                                <h1>{question}</h1>
                                <p>{consequence}</p>
                                <FormProblem feedback=feedback.clone()/>
                                <form method="post" action=action class="stacked">
                                    <input type="hidden" name="disabled" value=to/>
                                    <button type="submit" class=if to == "true" { "danger" } else { "" }>{button}</button>
                                    <a href=back class="button secondary">"Keep it as it is"</a>
                                </form>
                            }.into_any()
                        }
                        Err(error) => view! { <h1>"SendGrid subuser"</h1><Problem error/> }.into_any(),
                    }
                }
            })}
        </Suspense>
    }
}
