use leptos::prelude::*;
use leptos_meta::Title;

use crate::app::components::problem::Problem;
use leptos_router::hooks::use_params_map;

use crate::app::components::start_acting::{StartActing, Whom};
use crate::app::format::{money, usage};
use crate::app::pages::audit::rows;
use crate::app::pages::audit::RowTable;
use crate::app::request::parent_client;
use crate::app::request::{current_staff, query_param};
use crate::app::time::When;
use crate::audit::{Cursor, Filter, Provider};
use crate::auth::Permission;
use crate::domain::{CountryCode, SubOrgId};
use crate::impersonation::history::{self, Past};
use crate::postgrid::models::SubOrganization;
use crate::state::AppState;
use crate::web::audit_filter::FilterQuery;
use crate::web::AppError;

/// The sub-organization id from the path, validated before it goes anywhere near PostGrid.
pub fn sub_org_from_path() -> Result<SubOrgId, AppError> {
    let raw = use_params_map().with_untracked(|params| params.get("id").unwrap_or_default());
    SubOrgId::parse(&raw).map_err(|_| AppError::NotFound("There is no such sub-organization."))
}

#[component]
pub fn SubOrgDetailPage() -> impl IntoView {
    let id = sub_org_from_path();
    let client = parent_client();
    let created = query_param("created").is_some();
    let stopped = query_param("stopped").is_some();
    let load = async move { Ok::<_, AppError>(client?.get_sub_org(&id?).await?) };
    view! {
        <Title text="Sub-organization"/>
        <p class="crumbs"><a href="/sub-orgs">"← All sub-organizations"</a></p>
        {created.then(|| view! {
            <p class="notice ok" role="status">"The sub-organization was created in PostGrid."</p>
        })}
        {stopped.then(|| view! {
            <p class="notice ok" role="status">"You stopped acting for this sub-organization."</p>
        })}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                match load.await {
                    Ok(sub_org) => view! { <SubOrgDetail sub_org/> }.into_any(),
                    Err(error) => view! { <h1>"Sub-organization"</h1><Problem error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SubOrgDetail(sub_org: SubOrganization) -> impl IntoView {
    let country = CountryCode::name_of(&sub_org.country_code)
        .map(|name| format!("{name} ({})", sub_org.country_code))
        .unwrap_or_else(|| sub_org.country_code.clone());
    let over_limit = sub_org.limit > 0 && sub_org.usage > sub_org.limit;
    let users_href = format!("/sub-orgs/{}/users", sub_org.id);
    view! {
        <Title text=sub_org.name.clone()/>
        <h1>{sub_org.name.clone()}</h1>
        <dl class="facts">
            <dt>"Id"</dt><dd><code>{sub_org.id.to_string()}</code></dd>
            <dt>"Country"</dt><dd>{country}</dd>
            <dt>"Mailings this month"</dt>
            <dd>
                {usage(sub_org.usage, sub_org.limit)} " of the monthly limit"
                {over_limit.then(|| view! { <strong class="over">" — over the limit: overage charges apply"</strong> })}
                <meter min="0" max=sub_org.limit.max(1) value=sub_org.usage aria-hidden="true"></meter>
            </dd>
            <dt>"Spend this month"</dt><dd>{money(sub_org.spend)}</dd>
            <dt>"Created"</dt><dd><time datetime=sub_org.created_at.clone()>{sub_org.created_at.clone()}</time></dd>
            <dt>"Updated"</dt><dd><time datetime=sub_org.updated_at.clone()>{sub_org.updated_at.clone()}</time></dd>
            <dt>"PostGrid object"</dt><dd>{sub_org.object.clone()}</dd>
        </dl>
        <p class="actions"><a class="button" href=users_href>"Users of this sub-organization"</a></p>
        <StartActing
            target=Whom::Named("sub_org_id", sub_org.id.to_string())
            heading="Act on behalf of this sub-organization"
            blurb="See and fix its contacts, templates and letters with the portal's own key. Read-only until you switch to write mode. Everything you do is recorded with your reason."
            button="Start acting for this sub-organization"/>
        <Hub id=sub_org.id.to_string()/>
    }
}

/// What happened around this sub-organization: who acts for it now, who did before (with their
/// timelines), and its last events as sentences. The history is the audit log's, so only
/// those who may review it see more than who is acting now.
#[component]
fn Hub(id: String) -> impl IntoView {
    let state = use_context::<AppState>();
    let may_review = current_staff().is_some_and(|me| me.can(Permission::ReviewAudit));
    let hub_id = id.clone();
    let load = async move {
        let state =
            state.ok_or_else(|| AppError::portal("finding the portal's state")("missing"))?;
        let now = crate::audit::format_time(state.clock.now());
        let past = history::of_target(&state.db, "postgrid", &hub_id, 20)
            .await
            .map_err(AppError::portal("reading who acted for it"))?;
        if !may_review {
            let open: Vec<_> = past.into_iter().filter(|p| p.is_open(&now)).collect();
            return Ok::<_, AppError>((open, Vec::new(), now));
        }
        let filter = Filter {
            sub_org_id: Some(hub_id.clone()),
            // A SendGrid account named like this sub-organization is not it.
            provider: Some(Provider::Postgrid),
            hide_views: true,
            ..Filter::default()
        };
        let events = state
            .audit
            .find(&filter, Cursor::Newest, RECENT)
            .await
            .map_err(AppError::portal("reading its recent activity"))?;
        let rows = rows::fold_page(&state.audit, &filter, events)
            .await
            .map_err(AppError::portal("reading its recent activity"))?;
        crate::app::pages::audit::record_view_about(
            &state,
            serde_json::json!({"page": "sub_org", "filters": {"sub_org": hub_id}}),
            Some(&hub_id),
        )
        .await?;
        Ok((past, rows, now))
    };
    let query = FilterQuery {
        sub_org: id.clone(),
        ..FilterQuery::default()
    };
    view! {
        <Suspense fallback=|| view! { <p>"Loading its history…"</p> }>
            {Suspend::new(async move {
                match load.await {
                    Ok((past, rows, now)) => {
                        let open: Vec<Past> = past.iter().filter(|p| p.is_open(&now)).cloned().collect();
                        view! {
                            <section aria-labelledby="acting-now-heading">
                                <h2 id="acting-now-heading">"Acting for it now"</h2>
                                {if open.is_empty() {
                                    view! { <p>"Nobody is acting for this sub-organization."</p> }.into_any()
                                } else {
                                    view! {
                                        <ul>
                                            {open.into_iter().map(|p| view! {
                                                <li>
                                                    <strong>{p.staff_name.clone()}</strong>
                                                    {format!(" ({}), {} mode, since ", p.staff_email, p.mode.replace('_', "-"))}
                                                    <When at=p.started_at.clone()/>
                                                    {format!(": {}", p.reason)}
                                                </li>
                                            }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            </section>
                            {may_review.then(|| view! {
                                <section aria-labelledby="impersonations-heading">
                                    <h2 id="impersonations-heading">"Who acted for it"</h2>
                                    <PastTable past=past.clone() now=now.clone()/>
                                </section>
                                <section aria-labelledby="activity-heading">
                                    <h2 id="activity-heading">"Recent activity"</h2>
                                    <RowTable rows=rows.clone() query=query.clone()/>
                                    <p><a href=query.href()>"Everything about it in the audit log"</a></p>
                                </section>
                            })}
                        }.into_any()
                    }
                    Err(error) => view! { <Problem error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The most recent events the hub shows.
const RECENT: u32 = 20;

#[component]
fn PastTable(past: Vec<Past>, now: String) -> impl IntoView {
    if past.is_empty() {
        return view! { <p>"Nobody has acted for it yet."</p> }.into_any();
    }
    view! {
        <div class="table-wrap" role="region" aria-label="Who acted for it" tabindex="0">
            <table>
                <caption class="visually-hidden">"Impersonations of this sub-organization, newest first"</caption>
                <thead><tr>
                    <th scope="col">"Who"</th>
                    <th scope="col">"Started"</th>
                    <th scope="col">"Ended"</th>
                    <th scope="col">"Reason"</th>
                    <th scope="col">"Timeline"</th>
                </tr></thead>
                <tbody>
                    {past.into_iter().map(|p| {
                        let open = p.is_open(&now);
                        view! {
                            <tr>
                                <td>{p.staff_name.clone()}<br/><span class="hint">{p.staff_email.clone()}</span></td>
                                <td class="nowrap"><When at=p.started_at.clone()/></td>
                                <td class="nowrap">{match (&p.ended_at, open) {
                                    (_, true) => view! { <strong>"Acting now"</strong> }.into_any(),
                                    (Some(at), _) => view! { <When at=at.clone()/>{p.end_reason.clone().map(|r| format!(" ({r})"))} }.into_any(),
                                    (None, _) => view! { "Expired" }.into_any(),
                                }}</td>
                                <td>{p.reason.clone()}{p.ticket.clone().map(|t| format!(" · {t}"))}</td>
                                <td><a href=format!("/audit/impersonations/{}", p.id)>"Timeline"</a></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}
