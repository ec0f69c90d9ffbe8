//! The audit review: the filtered, paged log; one event; one impersonation's timeline.

pub mod event;
pub mod rows;
pub mod streams;
pub mod timeline;

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use time::OffsetDateTime;

use crate::app::components::problem::Problem;
use crate::app::request::{current_staff, query_param, state_for};
use crate::app::time::When;
use crate::audit::{Action, Cursor, NewEvent, Outcome, Provider, StoredEvent, Verification};
use crate::auth::Permission;
use crate::state::AppState;
use crate::web::audit_filter::FilterQuery;
use crate::web::request::origin_of;
use crate::web::AppError;

pub const PAGE_SIZE: u32 = 50;

/// Records that this person read the audit log, and with which filters. Nothing is shown
/// when that cannot be recorded.
pub async fn record_view(state: &AppState, what: serde_json::Value) -> Result<(), AppError> {
    record_view_about(state, what, None).await
}

/// As [`record_view`], for a read about one sub-organization (its page's history).
pub async fn record_view_about(
    state: &AppState,
    what: serde_json::Value,
    sub_org_id: Option<&str>,
) -> Result<(), AppError> {
    let parts = use_context::<axum::http::request::Parts>()
        .ok_or_else(|| AppError::portal("finding the request")("missing"))?;
    let me = current_staff();
    let mut event = NewEvent::new(
        Action::AuditViewed,
        Outcome::Ok,
        origin_of(&parts, me.as_ref()),
    )
    .detail(what);
    event.sub_org_id = sub_org_id.map(str::to_owned);
    state
        .audit
        .append(event)
        .await
        .map(|_| ())
        .map_err(AppError::portal("recording the audit view"))
}

/// The most a result count counts; beyond it the page says "more than".
const COUNT_UP_TO: u32 = 10_000;

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
    let cursor = match (query_param("before"), query_param("after")) {
        (Some(before), _) => before.parse().map(Cursor::Before).unwrap_or(Cursor::Newest),
        (None, Some(after)) => after.parse().map(Cursor::After).unwrap_or(Cursor::Newest),
        _ => Cursor::Newest,
    };
    let detail = serde_json::json!({"filters": query.as_detail(), "cursor": format!("{cursor:?}")});
    let now = state.as_ref().ok().map(|s| s.clock.now());
    let invalid = !problems.is_empty();
    let load = {
        let filter = filter.clone();
        async move {
            let state = state?;
            let verification = state
                .audit
                .latest_verification()
                .await
                .map_err(AppError::portal("reading the latest verification"))?;
            let head = state
                .audit
                .head_seq()
                .await
                .map_err(AppError::portal("reading the audit log"))?;
            if invalid {
                // A filter that cannot be used shows nothing, never the whole log.
                return Ok::<_, AppError>((Vec::new(), Vec::new(), None, verification, head));
            }
            let events = state
                .audit
                .find(&filter, cursor, PAGE_SIZE)
                .await
                .map_err(AppError::portal("reading the audit log"))?;
            let rows = rows::fold_page(&state.audit, &filter, events.clone())
                .await
                .map_err(AppError::portal("reading the audit log"))?;
            let count = state
                .audit
                .count_up_to(&filter, COUNT_UP_TO + 1)
                .await
                .map_err(AppError::portal("reading the audit log"))?;
            // Recorded after reading, so a search never finds its own record; shown only once
            // it is recorded.
            record_view(&state, detail).await?;
            Ok((events, rows, Some(count), verification, head))
        }
    };
    let export_query = query.to_query();
    let links_query = query.to_query();
    let problems_view = problems.clone();
    let chips_query = query.clone();
    let rows_query = query.clone();
    view! {
        <Title text="Audit log"/>
        <h1>"Audit log"</h1>
        <FilterForm query=query.clone() problems=problems_view/>
        <QuickRanges query=query.clone() now/>
        <Chips query=chips_query/>
        <p class="actions">
            <a class="button secondary" href=format!("/audit/export.csv?{export_query}")>"Export CSV"</a>
            <a class="button secondary" href=format!("/audit/export.jsonl?{export_query}")>"Export JSON Lines"</a>
            <a href="/audit/streams">"Streams to the SIEM"</a>
        </p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                match load.await {
                    Ok(_) if invalid => view! {
                        <p class="notice error" role="alert">"A filter above cannot be used, so no events are shown. Correct it, or clear it, and filter again."</p>
                    }.into_any(),
                    Ok((events, rows, count, verification, head)) => {
                        // Every event here is a call whose answer shows on a newer page.
                        let all_newer = rows.is_empty() && !events.is_empty();
                        view! {
                            <ChainStatus verification may_verify head/>
                            {count.map(|n| view! { <p class="result-count" role="status">{count_text(n)}</p> })}
                            {if all_newer {
                                view! { <p class="notice" role="status">"The events on this page are requests whose answers are on a newer page; each call shows there, once."</p> }.into_any()
                            } else {
                                view! { <RowTable rows query=rows_query.clone()/> }.into_any()
                            }}
                            <AuditPager events links_query=links_query.clone() cursor/>
                        }.into_any()
                    }
                    Err(error) => view! { <Problem error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn count_text(n: u64) -> String {
    match n {
        0 => "No events match.".to_owned(),
        1 => "1 event matches.".to_owned(),
        n if n > u64::from(COUNT_UP_TO) => format!(
            "More than {} events match.",
            crate::app::format::count(COUNT_UP_TO.into())
        ),
        n => format!("{} events match.", crate::app::format::count(n)),
    }
}

/// Links that set the time range to the last hour, day or week (UTC, as the form takes it).
#[component]
fn QuickRanges(query: FilterQuery, now: Option<OffsetDateTime>) -> impl IntoView {
    let now = now?;
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let ranges = [
        ("Last hour", time::Duration::hours(1)),
        ("Last 24 hours", time::Duration::hours(24)),
        ("Last 7 days", time::Duration::days(7)),
    ];
    let links = ranges
        .into_iter()
        .filter_map(|(label, back)| {
            let from = (now - back).format(&format).ok()?;
            let href = query.with("from", &from).with("to", "").href();
            Some(view! { <li><a href=href>{label}</a></li> })
        })
        .collect_view();
    Some(view! {
        <nav class="quick-ranges" aria-label="Time range">
            <ul class="inline-list">{links}</ul>
        </nav>
    })
}

/// The filters in use, each with a link that takes it away.
#[component]
fn Chips(query: FilterQuery) -> impl IntoView {
    let active = query.active();
    if active.is_empty() {
        return None;
    }
    let chips = active
        .into_iter()
        .map(|(field, label, value)| {
            let shown = if field == "views" {
                String::new()
            } else {
                format!(": {value}")
            };
            let href = query.with(field, "").href();
            let remove = format!("Remove the filter {label}{shown}");
            view! {
                <li class="chip">
                    <span>{label}{shown}</span>
                    " "
                    <a href=href aria-label=remove title="Remove this filter">"×"</a>
                </li>
            }
        })
        .collect_view();
    Some(view! {
        <section aria-label="Filters in use">
            <ul class="chips">{chips}</ul>
        </section>
    })
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
                {outcome_problem.map(|m| view! { <p class="field-error">{m}</p> })}
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
            {field("call", "Call id", query.call.clone(), "text")}
            <div class="filter checkbox">
                <input id="f-views" name="views" type="checkbox" value="1" checked=query.views.trim() == "1"/>
                <label for="f-views">"Include page views of the audit log"</label>
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
fn ChainStatus(verification: Option<Verification>, may_verify: bool, head: i64) -> impl IntoView {
    let running = verification.as_ref().is_some_and(Verification::is_running);
    let status = match &verification {
        None => view! { <p>"The chain has not been verified from this page yet."</p> }.into_any(),
        Some(v) if v.is_running() => view! {
            <p>{format!("Verifying… checked up to seq {} of {} ({}%).", v.checked_up_to, v.total, v.percent())}</p>
            <progress max="100" value=v.percent()>{format!("{}%", v.percent())}</progress>
        }.into_any(),
        Some(v) if v.intact == Some(true) => {
            let since = head - v.checked_up_to;
            let arrived = match since {
                n if n <= 0 => " No events have arrived since.".to_owned(),
                1 => " 1 event has arrived since.".to_owned(),
                n => format!(" {} events have arrived since.", crate::app::format::count(n.unsigned_abs())),
            };
            view! {
                <p class="ok-text">{format!("Intact up to seq {}, verified ", v.checked_up_to)}<When at=v.finished_at.clone().unwrap_or_default()/>{format!(".{arrived}")}</p>
            }.into_any()
        }
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
pub fn RowTable(rows: Vec<rows::Row>, query: FilterQuery) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="notice" role="status">"No events match these filters."</p> }
            .into_any();
    }
    view! {
        <div class="table-wrap" role="region" aria-label="Audit events" tabindex="0">
            <table class="audit">
                <caption class="visually-hidden">"Audit events, newest first"</caption>
                <thead><tr>
                    <th scope="col">"When"</th>
                    <th scope="col">"What happened"</th>
                    <th scope="col">"Outcome"</th>
                    <th scope="col">"Event"</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|row| view! { <RowView row query=query.clone()/> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

/// A link that adds the filter `field` = `value` to the page's.
fn filter_link(query: &FilterQuery, field: &str, value: &str, text: String) -> impl IntoView {
    let href = query.with(field, value).href();
    view! { <a href=href class="filter-link">{text}</a> }
}

#[component]
fn RowView(row: rows::Row, query: FilterQuery) -> impl IntoView {
    let (anchor, request, response) = match &row {
        rows::Row::Event(e) => (e.clone(), None, None),
        rows::Row::Call { request, response } => {
            let anchor = request.clone().or_else(|| response.clone());
            let Some(anchor) = anchor else {
                return ().into_any();
            };
            (anchor, request.clone(), response.clone())
        }
    };
    let is_call = matches!(row, rows::Row::Call { .. });
    let halves: Vec<&StoredEvent> = request.iter().chain(response.iter()).collect();
    let subject = rows::subject(&anchor);
    let subject_view = match (&subject, &anchor.actor_email) {
        (Some(name), Some(email)) => filter_link(&query, "actor", email, name.clone()).into_any(),
        (Some(name), None) => view! { <span>{name.clone()}</span> }.into_any(),
        _ => view! { <span>"The portal"</span> }.into_any(),
    };
    let whom = if is_call {
        rows::whom(&halves)
    } else {
        rows::whom(&[&anchor])
    };
    let whom_view = match (&whom, &anchor.sub_org_id) {
        (Some(name), Some(id)) => Some(
            view! {
                {filter_link(&query, "sub_org", id, name.clone())}
                {(name != id).then(|| view! { " " <code class="id">{id.clone()}</code> })}
            }
            .into_any(),
        ),
        (Some(name), None) => Some(view! { <span>{name.clone()}</span> }.into_any()),
        _ => None,
    };
    // An impersonation's own events say whom it acts for already.
    let about_acting = anchor.action.starts_with("impersonation.");
    let acting = anchor
        .impersonation_id
        .clone()
        .filter(|_| !about_acting)
        .map(|id| {
            view! { " while " {filter_link(&query, "impersonation", &id, "acting for them".to_owned())} }
        });
    let timeline = anchor.impersonation_id.clone().map(|id| {
        view! {
            <br/>
            <a href=format!("/audit/impersonations/{id}") class="small-link">"Timeline"</a>
            " "
            {filter_link(&query, "impersonation", &id, "its events".to_owned())}
        }
    });
    let (words, whom_view, result) = if is_call {
        let (words, join) = rows::call_words(anchor.operation.as_deref().unwrap_or("call"));
        let join = if join.is_empty() {
            " ".to_owned()
        } else {
            format!(" {join} ")
        };
        let whom_view = whom_view.map(|w| view! { {join} {w} }.into_any());
        (words, whom_view, Some(rows::call_result(response.as_ref())))
    } else {
        let (verb, names_whom) = rows::event_words(&anchor.action);
        let whom_view = if names_whom {
            whom_view.map(|w| view! { " " {w} }.into_any())
        } else {
            whom_view.map(|w| view! { " (" {w} ")" }.into_any())
        };
        (verb.to_owned(), whom_view, None)
    };
    let unknown = is_call && response.is_none();
    let outcome = if unknown {
        "unknown".to_owned()
    } else if is_call {
        response
            .as_ref()
            .map_or(anchor.outcome.clone(), |r| r.outcome.clone())
    } else {
        anchor.outcome.clone()
    };
    let outcome_view = if unknown {
        view! { <strong class="unknown">"No answer recorded"</strong> }.into_any()
    } else {
        filter_link(&query, "outcome", &outcome, outcome.clone()).into_any()
    };
    let action = if is_call {
        response
            .as_ref()
            .map_or(anchor.action.clone(), |r| r.action.clone())
    } else {
        anchor.action.clone()
    };
    let call_view = anchor.call_id.clone().filter(|_| is_call).map(|call| {
        let label = format!(
            "{} {}",
            anchor.method.clone().unwrap_or_default(),
            anchor.upstream_path.clone().unwrap_or_default()
        );
        // Char-wise: a call id is the portal's own uuid, but never trusted to be ASCII.
        let short = format!("call {}…", call.chars().take(8).collect::<String>());
        view! {
            " · "<code class="id">{label}</code>" · "
            {filter_link(&query, "call", &call, short)}
        }
    });
    let seqs = if halves.is_empty() {
        vec![&anchor]
    } else {
        halves.clone()
    };
    let seq_links = seqs
        .iter()
        .map(|e| view! { <a href=format!("/audit/events/{}", e.seq) class="seq">{format!("#{}", e.seq)}</a> " " })
        .collect_view();
    view! {
        <tr class=format!("outcome-{outcome}") class:unknown=unknown>
            <td class="nowrap" data-label="When"><When at=anchor.at.clone()/></td>
            <td class="sentence" data-label="What happened">
                {subject_view}" "{words}{whom_view}{acting}
                {result.map(|r| view! { ": " <span class="result">{r}</span> })}
                <br/>
                <span class="muted small">{filter_link(&query, "action", &action, action.clone())}{call_view}</span>
            </td>
            <td data-label="Outcome">{outcome_view}</td>
            <td class="nowrap" data-label="Event">{seq_links}{timeline}</td>
        </tr>
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
