//! `/audit/streams`: where the log streams to, and how far each sink has got.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::app::components::problem::Problem;
use crate::app::format::count;
use crate::app::request::state_for;
use crate::app::time::{Ago, When};
use crate::audit::streams::sinks::{self, SinkRow};
use crate::auth::Permission;
use crate::web::AppError;

/// One sink as the page shows it.
struct Shown {
    name: String,
    target: String,
    configured: bool,
    row: Option<SinkRow>,
}

#[component]
pub fn AuditStreamsPage() -> impl IntoView {
    let state = state_for(Permission::ReviewAudit);
    let load = async move {
        let state = state?;
        let head = state
            .audit
            .head_seq()
            .await
            .map_err(AppError::portal("reading the audit log"))?;
        let rows = sinks::all(&state.db)
            .await
            .map_err(AppError::portal("reading the streams"))?;
        let settings = &state.config.audit_streams;
        let mut configured = Vec::new();
        if let Some(target) = &settings.syslog {
            configured.push((crate::audit::streams::SYSLOG, target.to_string()));
        }
        if let Some(target) = &settings.webhook {
            configured.push((crate::audit::streams::WEBHOOK, target.shown()));
        }
        let mut shown: Vec<Shown> = configured
            .into_iter()
            .map(|(name, target)| Shown {
                name: name.to_owned(),
                target,
                configured: true,
                row: rows.iter().find(|r| r.name == name).cloned(),
            })
            .collect();
        for row in rows {
            if !shown.iter().any(|s| s.name == row.name) {
                shown.push(Shown {
                    name: row.name.clone(),
                    target: row.target.clone(),
                    configured: false,
                    row: Some(row),
                });
            }
        }
        Ok::<_, AppError>((head, state.clock.now(), shown))
    };
    view! {
        <Title text="Audit streams"/>
        <h1>"Audit streams"</h1>
        <p>"Every event goes to each sink below at least once, in order, from where that sink last acknowledged. A sink that was unreachable gets everything it missed when it is back."</p>
        <p><a href="/audit">"Back to the audit log"</a></p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                match load.await {
                    Ok((_, _, shown)) if shown.is_empty() => view! {
                        <p>"No stream is configured. Set PORTAL_AUDIT_SYSLOG (tcp:// or tls://) or PORTAL_AUDIT_WEBHOOK (https://) to stream the log to your SIEM."</p>
                    }.into_any(),
                    Ok((head, now, shown)) => view! { <StreamTable head now shown/> }.into_any(),
                    Err(error) => view! { <Problem error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn StreamTable(head: i64, now: time::OffsetDateTime, shown: Vec<Shown>) -> impl IntoView {
    let now_ms = sinks::unix_ms(now);
    view! {
        <div class="table-wrap" role="region" aria-label="Audit streams" tabindex="0">
            <table>
                <caption class="visually-hidden">"Audit streams"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Sink"</th>
                        <th scope="col">"Delivered through"</th>
                        <th scope="col">"Behind"</th>
                        <th scope="col">"Last delivery"</th>
                        <th scope="col">"Last error"</th>
                        <th scope="col">"Delivering"</th>
                    </tr>
                </thead>
                <tbody>
                    {shown.into_iter().map(|s| {
                        let cursor = s.row.as_ref().map_or(0, |r| r.cursor_seq);
                        let lag = u64::try_from(head - cursor).unwrap_or_default();
                        let late = lag > 0;
                        let behind = if lag == 0 { "Up to date".to_owned() } else { format!("{} events", count(lag)) };
                        let delivered = s.row.as_ref().and_then(|r| r.delivered_at.clone());
                        let error = s.row.as_ref().and_then(|r| {
                            let message = r.last_error.clone()?;
                            let at = r.last_error_at.clone().unwrap_or_default();
                            // Recovered when a delivery came after it.
                            let recovered = matches!((r.delivered_at.as_deref(), r.last_error_at.as_deref()), (Some(d), Some(e)) if d > e);
                            Some((message, at, recovered))
                        });
                        let holder = s.row.as_ref().and_then(|r| {
                            r.lease_holder.clone().filter(|_| r.lease_until > now_ms)
                        });
                        view! {
                            <tr>
                                <td>
                                    <strong>{s.name}</strong>" "<code class="id">{s.target}</code>
                                    {(!s.configured).then(|| view! { <br/><span class="muted">"No longer configured; its cursor is kept."</span> })}
                                </td>
                                <td>{format!("seq {cursor}")}</td>
                                <td class:unknown=late>{behind}</td>
                                <td>{match delivered {
                                    Some(at) => view! { <Ago at now=now/> }.into_any(),
                                    None => view! { "Never" }.into_any(),
                                }}</td>
                                <td>{match error {
                                    None => view! { <span>"None"</span> }.into_any(),
                                    Some((message, at, recovered)) => view! {
                                        <span>{message}</span><br/>
                                        <span class="muted"><When at/>{recovered.then_some(" (delivered since)")}</span>
                                    }.into_any(),
                                }}</td>
                                <td>{holder.map_or("Nobody at the moment".to_owned(), |h| format!("Process {h}"))}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <p class="muted">{format!("Newest event: seq {head}.")}</p>
    }
}
