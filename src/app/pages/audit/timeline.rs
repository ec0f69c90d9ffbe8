use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::record_view;
use crate::app::components::problem::Problem;
use crate::app::request::state_for;
use crate::app::time::When;
use crate::audit::StoredEvent;
use crate::auth::Permission;
use crate::web::AppError;

/// One impersonation from `impersonation.started` to `impersonation.ended`, every delegated
/// call in between, the reason and ticket at the top.
#[component]
pub fn ImpersonationTimelinePage() -> impl IntoView {
    let state = state_for(Permission::ReviewAudit);
    let id = use_params_map().with_untracked(|p| p.get("id").unwrap_or_default());
    let filtered = format!("/audit?impersonation={id}");
    let load = async move {
        let state = state?;
        record_view(&state, serde_json::json!({"impersonation": id})).await?;
        let events = state
            .audit
            .timeline(&id)
            .await
            .map_err(AppError::portal("reading the impersonation's events"))?;
        match events.is_empty() {
            true => Err(AppError::NotFound(
                "There is no such impersonation in the audit log.",
            )),
            false => Ok(events),
        }
    };
    view! {
        <Title text="Impersonation timeline"/>
        <p class="crumbs"><a href="/audit">"← Audit log"</a> " · " <a href=filtered>"These events in the log"</a></p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                match load.await {
                    Ok(events) => view! { <Timeline events/> }.into_any(),
                    Err(error) => view! { <h1>"Impersonation"</h1><Problem error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Timeline(events: Vec<StoredEvent>) -> impl IntoView {
    let started = events
        .iter()
        .find(|e| e.action == "impersonation.started")
        .cloned();
    let ended = events
        .iter()
        .find(|e| e.action == "impersonation.ended")
        .cloned();
    let detail = |e: &StoredEvent, key: &str| {
        serde_json::from_str::<serde_json::Value>(&e.detail)
            .ok()
            .and_then(|d| d.get(key).and_then(|v| v.as_str().map(str::to_owned)))
    };
    let who = started
        .as_ref()
        .and_then(|e| e.actor_email.clone())
        .unwrap_or_default();
    let sub_org = started
        .as_ref()
        .and_then(|e| e.sub_org_id.clone())
        .unwrap_or_default();
    let reason = started
        .as_ref()
        .and_then(|e| e.reason.clone())
        .unwrap_or_default();
    let ticket = started
        .as_ref()
        .and_then(|e| detail(e, "ticket"))
        .unwrap_or_else(|| "None".to_owned());
    let end = match &ended {
        Some(e) => {
            view! { {detail(e, "end_reason").unwrap_or_default()}" at "<When at=e.at.clone()/> }
                .into_any()
        }
        None => view! { "not ended (still active, or its end is not recorded)" }.into_any(),
    };
    view! {
        <h1>{format!("{who} acting for {sub_org}")}</h1>
        <dl class="facts">
            <dt>"Reason"</dt><dd>{reason}</dd>
            <dt>"Ticket"</dt><dd>{ticket}</dd>
            <dt>"Started"</dt><dd>{started.as_ref().map(|e| view! { <When at=e.at.clone()/> })}</dd>
            <dt>"Ended"</dt><dd>{end}</dd>
        </dl>
        <ol class="timeline">
            {events.into_iter().map(|e| {
                let what = match (&e.operation, e.upstream_status, e.duration_ms) {
                    (Some(op), Some(status), Some(ms)) => format!("{} {op} → {status} in {ms} ms", e.action),
                    (Some(op), _, _) => format!("{} {op}", e.action),
                    _ => e.action.clone(),
                };
                view! {
                    <li class=format!("outcome-{}", e.outcome)>
                        <a href=format!("/audit/events/{}", e.seq)><When at=e.at.clone()/></a>
                        <span>{what}</span>
                        <span class="outcome">{e.outcome.clone()}</span>
                    </li>
                }
            }).collect_view()}
        </ol>
    }
}
