//! The audit review: the filtered, paged log; one event; one impersonation's timeline.

pub mod event;
pub mod streams;
pub mod timeline;

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use time::{OffsetDateTime, UtcOffset};

use crate::app::components::problem::Problem;
use crate::app::request::{current_staff, query_param, state_for};
use crate::audit::{Action, Cursor, NewEvent, Outcome, Provider, StoredEvent, Verification};
use crate::auth::Permission;
use crate::state::AppState;
use crate::web::audit_filter::FilterQuery;
use crate::web::request::origin_of;
use crate::web::AppError;

pub const PAGE_SIZE: u32 = 50;

/// A stored time shown in another UTC offset (`+02:00`), for the viewer's local time.
pub fn in_offset(at: &str, offset: Option<UtcOffset>) -> Option<String> {
    let offset = offset?;
    let parsed = OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339).ok()?;
    let local = parsed.to_offset(offset);
    Some(format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        local.year(),
        u8::from(local.month()),
        local.day(),
        local.hour(),
        local.minute(),
        local.second()
    ))
}

pub fn parse_offset(raw: &str) -> Option<UtcOffset> {
    let format = time::macros::format_description!("[offset_hour sign:mandatory]:[offset_minute]");
    UtcOffset::parse(raw.trim(), &format).ok()
}

/// Records that this person read the audit log, and with which filters. Nothing is shown
/// when that cannot be recorded.
pub async fn record_view(state: &AppState, what: serde_json::Value) -> Result<(), AppError> {
    let parts = use_context::<axum::http::request::Parts>()
        .ok_or_else(|| AppError::portal("finding the request")("missing"))?;
    let me = current_staff();
    let event = NewEvent::new(
        Action::AuditViewed,
        Outcome::Ok,
        origin_of(&parts, me.as_ref()),
    )
    .detail(what);
    state
        .audit
        .append(event)
        .await
        .map(|_| ())
        .map_err(AppError::portal("recording the audit view"))
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let state = state_for(Permission::ReviewAudit);
    let me = current_staff();
    let may_verify = me
        .as_ref()
        .is_some_and(|me| me.can(Permission::VerifyAudit));
    let raw_query =
        use_context::<axum::http::request::Parts>().and_then(|p| p.uri.query().map(str::to_owned));
    let query = FilterQuery::from_query(raw_query.as_deref());
    let (filter, problems) = query.parse();
    let offset = parse_offset(&query.tz);
    let cursor = match (query_param("before"), query_param("after")) {
        (Some(before), _) => before.parse().map(Cursor::Before).unwrap_or(Cursor::Newest),
        (None, Some(after)) => after.parse().map(Cursor::After).unwrap_or(Cursor::Newest),
        _ => Cursor::Newest,
    };
    let detail = serde_json::json!({"filters": query.as_detail(), "cursor": format!("{cursor:?}")});
    let load = {
        let filter = filter.clone();
        async move {
            let state = state?;
            let events = state
                .audit
                .find(&filter, cursor, PAGE_SIZE)
                .await
                .map_err(AppError::portal("reading the audit log"))?;
            let verification = state
                .audit
                .latest_verification()
                .await
                .map_err(AppError::portal("reading the latest verification"))?;
            // Recorded after reading, so a search never finds its own record; shown only once
            // it is recorded.
            record_view(&state, detail).await?;
            Ok::<_, AppError>((events, verification))
        }
    };
    let export_query = query.to_query();
    let links_query = query.to_query();
    let problems_view = problems.clone();
    view! {
        <Title text="Audit log"/>
        <h1>"Audit log"</h1>
        <FilterForm query=query.clone() problems=problems_view/>
        <p class="actions">
            <a class="button secondary" href=format!("/audit/export.csv?{export_query}")>"Export CSV"</a>
            <a class="button secondary" href=format!("/audit/export.jsonl?{export_query}")>"Export JSON Lines"</a>
            <a href="/audit/streams">"Streams to the SIEM"</a>
        </p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                match load.await {
                    Ok((events, verification)) => view! {
                        <ChainStatus verification may_verify/>
                        <EventTable events=events.clone() offset/>
                        <AuditPager events links_query=links_query.clone() cursor/>
                    }.into_any(),
                    Err(error) => view! { <Problem error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn FilterForm(query: FilterQuery, problems: Vec<(&'static str, &'static str)>) -> impl IntoView {
    let problem = |field: &str| problems.iter().find(|(f, _)| *f == field).map(|(_, m)| *m);
    let field = |name: &'static str, label: &'static str, value: String, kind: &'static str| {
        let message = problem(name);
        view! {
            <div class="filter">
                <label for=format!("f-{name}")>{label}</label>
                <input id=format!("f-{name}") name=name type=kind value=value aria-invalid=message.is_some().then_some("true")/>
                {message.map(|m| view! { <p class="field-error">{m}</p> })}
            </div>
        }
    };
    let action_problem = problem("action");
    let outcome_problem = problem("outcome");
    let provider_problem = problem("provider");
    view! {
        <form method="get" action="/audit" class="filters" aria-label="Filter the audit log">
            {field("actor", "Staff email", query.actor.clone(), "text")}
            <div class="filter">
                <label for="f-action">"Action"</label>
                <select id="f-action" name="action" aria-invalid=action_problem.is_some().then_some("true")>
                    <option value="">"Any action"</option>
                    {Action::ALL.into_iter().map(|a| view! {
                        <option value=a.as_str() selected=query.action == a.as_str()>{a.as_str()}</option>
                    }).collect_view()}
                </select>
                {action_problem.map(|m| view! { <p class="field-error">{m}</p> })}
            </div>
            <div class="filter">
                <label for="f-outcome">"Outcome"</label>
                <select id="f-outcome" name="outcome" aria-invalid=outcome_problem.is_some().then_some("true")>
                    <option value="">"Any outcome"</option>
                    {Outcome::ALL.into_iter().map(|o| view! {
                        <option value=o.as_str() selected=query.outcome == o.as_str()>{o.as_str()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="filter">
                <label for="f-provider">"Provider"</label>
                <select id="f-provider" name="provider" aria-invalid=provider_problem.is_some().then_some("true")>
                    <option value="">"Any provider"</option>
                    {Provider::ALL.into_iter().map(|p| view! {
                        <option value=p.as_str() selected=query.provider == p.as_str()>{p.label()}</option>
                    }).collect_view()}
                </select>
                {provider_problem.map(|m| view! { <p class="field-error">{m}</p> })}
            </div>
            {field("sub_org", "Sub-organization id or SendGrid sub-account", query.sub_org.clone(), "text")}
            {field("impersonation", "Impersonation id", query.impersonation.clone(), "text")}
            {field("from", "From (UTC)", query.from.clone(), "datetime-local")}
            {field("to", "Until (UTC)", query.to.clone(), "datetime-local")}
            {field("q", "Text in reason or detail", query.q.clone(), "search")}
            <div class="filter">
                <label for="f-tz">"Also show times at"</label>
                <select id="f-tz" name="tz">
                    <option value="">"UTC only"</option>
                    {(-12..=14).map(|h: i32| {
                        let value = format!("{}{:02}:00", if h < 0 { '-' } else { '+' }, h.abs());
                        let selected = query.tz == value;
                        view! { <option value=value.clone() selected=selected>{format!("UTC{value}")}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="filter buttons">
                <button type="submit">"Filter"</button>
                <a href="/audit" class="button secondary">"Clear"</a>
            </div>
        </form>
    }
}

/// The last verification: when, how far, intact or where it broke; progress while running.
#[component]
fn ChainStatus(verification: Option<Verification>, may_verify: bool) -> impl IntoView {
    let running = verification.as_ref().is_some_and(Verification::is_running);
    let status = match &verification {
        None => view! { <p>"The chain has not been verified from this page yet."</p> }.into_any(),
        Some(v) if v.is_running() => view! {
            <p>{format!("Verifying… checked up to seq {} of {} ({}%).", v.checked_up_to, v.total, v.percent())}</p>
            <progress max="100" value=v.percent()>{format!("{}%", v.percent())}</progress>
        }.into_any(),
        Some(v) if v.intact == Some(true) => view! {
            <p class="ok-text">{format!("Intact up to seq {}, verified {}.", v.checked_up_to, v.finished_at.clone().unwrap_or_default())}</p>
        }.into_any(),
        Some(v) => view! {
            <p class="error-text">{format!("Broken: {} (verified {}).", v.problem.clone().unwrap_or_default(), v.finished_at.clone().unwrap_or_default())}</p>
        }.into_any(),
    };
    view! {
        // While a verification runs, the page reloads itself every few seconds: no script needed.
        {running.then(|| view! { <Meta http_equiv="refresh" content="3"/> })}
        <section class="chain-status" aria-labelledby="chain-heading">
            <h2 id="chain-heading">"Chain status"</h2>
            {status}
            {(may_verify && !running).then(|| view! {
                <form method="post" action="/audit/verify" class="inline">
                    <button type="submit" class="secondary small">"Verify now"</button>
                </form>
            })}
        </section>
    }
}

#[component]
fn EventTable(events: Vec<StoredEvent>, offset: Option<UtcOffset>) -> impl IntoView {
    if events.is_empty() {
        return view! { <p class="notice" role="status">"No events match these filters."</p> }
            .into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="audit">
                <caption class="visually-hidden">"Audit events, newest first"</caption>
                <thead><tr>
                    <th scope="col">"Seq"</th>
                    <th scope="col">"Time (UTC)"</th>
                    {offset.map(|_| view! { <th scope="col">"Local time"</th> })}
                    <th scope="col">"Staff"</th>
                    <th scope="col">"Action"</th>
                    <th scope="col">"Outcome"</th>
                    <th scope="col">"Sub-organization or sub-account"</th>
                    <th scope="col">"Impersonation"</th>
                    <th scope="col">"Upstream call"</th>
                </tr></thead>
                <tbody>
                    {events.into_iter().map(|e| {
                        let provider = e.provider.as_deref().and_then(Provider::parse).map(Provider::label);
                        let call = e.operation.clone().map(|op| {
                            let op = match provider {
                                Some(provider) => format!("{provider} {op}"),
                                None => op,
                            };
                            match e.upstream_status {
                                Some(status) => format!("{op} → {status}"),
                                None => op,
                            }
                        });
                        view! {
                            <tr class=format!("outcome-{}", e.outcome)>
                                <td><a href=format!("/audit/events/{}", e.seq)>{e.seq}</a></td>
                                <td><time datetime=e.at.clone()>{e.at.replace('T', " ").trim_end_matches('Z').to_owned()}</time></td>
                                {offset.map(|o| view! { <td>{in_offset(&e.at, Some(o)).unwrap_or_default()}</td> })}
                                <td>{e.actor_email.clone().unwrap_or_else(|| "—".to_owned())}</td>
                                <td>{e.action.clone()}</td>
                                <td>{e.outcome.clone()}</td>
                                <td>{e.sub_org_id.clone().unwrap_or_default()}</td>
                                <td>{e.impersonation_id.clone().map(|id| view! {
                                    <a href=format!("/audit/impersonations/{id}") title=id.clone()>{format!("{}…", &id[..8.min(id.len())])}</a>
                                })}</td>
                                <td>{call.unwrap_or_default()}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

/// Newer and Older links carrying the edge `seq`: keyset pages, so each event shows once.
#[component]
fn AuditPager(events: Vec<StoredEvent>, links_query: String, cursor: Cursor) -> impl IntoView {
    let sep = if links_query.is_empty() { "" } else { "&" };
    let newest = events.first().map(|e| e.seq);
    let oldest = events.last().map(|e| e.seq);
    let full = events.len() as u32 >= PAGE_SIZE;
    let has_newer = match cursor {
        Cursor::Newest => false,
        Cursor::Before(_) => true,
        Cursor::After(_) => full,
    };
    let has_older = match cursor {
        Cursor::After(_) => true,
        _ => full,
    };
    let newer = newest
        .filter(|_| has_newer)
        .map(|seq| format!("/audit?{links_query}{sep}after={seq}"));
    let older = oldest
        .filter(|_| has_older)
        .map(|seq| format!("/audit?{links_query}{sep}before={seq}"));
    view! {
        <nav class="pager" aria-label="Pages">
            {match newer {
                Some(href) => view! { <a href=href rel="prev">"← Newer"</a> }.into_any(),
                None => view! { <span aria-disabled="true">"← Newer"</span> }.into_any(),
            }}
            {match older {
                Some(href) => view! { <a href=href rel="next">"Older →"</a> }.into_any(),
                None => view! { <span aria-disabled="true">"Older →"</span> }.into_any(),
            }}
        </nav>
    }
}
