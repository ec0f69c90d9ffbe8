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

const NO_SUCH_EVENT: &str = "There is no such event.";

#[component]
pub fn AuditEventPage() -> impl IntoView {
    let state = state_for(Permission::ReviewAudit);
    let seq = use_params_map()
        .with_untracked(|p| p.get("seq").unwrap_or_default())
        .parse::<i64>()
        .map_err(|_| AppError::NotFound(NO_SUCH_EVENT));
    let load = async move {
        let (state, seq) = (state?, seq?);
        record_view(&state, serde_json::json!({"event": seq})).await?;
        let read = AppError::portal("reading the audit event");
        let event = state.audit.find_one(seq).await.map_err(read)?;
        let event = event.ok_or(AppError::NotFound(NO_SUCH_EVENT))?;
        let newer = state
            .audit
            .find_one(seq + 1)
            .await
            .map_err(AppError::portal("reading the next audit event"))?;
        Ok::<_, AppError>((event, newer))
    };
    view! {
        <Title text="Audit event"/>
        <p class="crumbs"><a href="/audit">"← Audit log"</a></p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                match load.await {
                    Ok((event, newer)) => view! { <EventDetail event newer/> }.into_any(),
                    Err(error) => view! { <h1>"Audit event"</h1><Problem error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn EventDetail(event: StoredEvent, newer: Option<StoredEvent>) -> impl IntoView {
    let detail = serde_json::from_str::<serde_json::Value>(&event.detail)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| event.detail.clone());
    let text = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".to_owned());
    let number = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_else(|| "—".to_owned());
    let rows: Vec<(&str, String)> = vec![
        ("Seq", event.seq.to_string()),
        ("Id", event.id.clone()),
        ("Action", event.action.clone()),
        ("Outcome", event.outcome.clone()),
        ("Staff id", number(event.actor_id)),
        ("Staff email", text(&event.actor_email)),
        ("Staff role", text(&event.actor_role)),
        ("Provider", text(&event.provider)),
        ("Sub-organization or sub-account", text(&event.sub_org_id)),
        ("Impersonation", text(&event.impersonation_id)),
        ("Reason", text(&event.reason)),
        ("Call id", text(&event.call_id)),
        ("Operation", text(&event.operation)),
        ("Method", text(&event.method)),
        ("Upstream path", text(&event.upstream_path)),
        ("Upstream status", number(event.upstream_status)),
        ("Upstream request id", text(&event.upstream_request_id)),
        ("Duration (ms)", number(event.duration_ms)),
        ("Client IP", text(&event.client_ip)),
        ("User agent", text(&event.user_agent)),
        ("Portal request id", text(&event.request_id)),
    ];
    let previous = (event.seq > 1).then(|| event.seq - 1);
    view! {
        <h1>{format!("Event {} · {}", event.seq, event.action)}</h1>
        <dl class="facts">
            <dt>"Time"</dt><dd><When at=event.at.clone()/>" ("<code>{event.at.clone()}</code>")"</dd>
            {rows.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
        </dl>
        <h2>"Detail (redacted)"</h2>
        <pre class="source">{detail}</pre>
        <h2>"Position in the chain"</h2>
        <dl class="facts">
            <dt>"Previous hash"</dt><dd><code>{event.prev_hash.clone()}</code></dd>
            <dt>"Hash"</dt><dd><code>{event.hash.clone()}</code></dd>
            <dt>"Next event's previous hash"</dt>
            <dd>{match newer {
                Some(n) if n.prev_hash == event.hash => "matches this hash".to_owned(),
                Some(_) => "does NOT match this hash: run a verification".to_owned(),
                None => "this is the newest event".to_owned(),
            }}</dd>
        </dl>
        <nav class="pager" aria-label="Neighbouring events">
            {previous.map(|seq| view! { <a href=format!("/audit/events/{seq}")>"← Previous event"</a> })}
            <a href=format!("/audit/events/{}", event.seq + 1)>"Next event →"</a>
        </nav>
    }
}
