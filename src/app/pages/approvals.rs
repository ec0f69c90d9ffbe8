//! `/approvals`: requests for write mode waiting for another admin, and the last ones decided.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::app::components::field::FormProblem;
use crate::app::components::problem::Problem;
use crate::app::request::{current_staff, feedback_for, query_param, state_for};
use crate::app::time::When;
use crate::approvals::{self, Approval, Decision};
use crate::auth::Permission;
use crate::web::{AppError, FormId};

#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let state = state_for(Permission::ApproveWrite);
    let feedback = feedback_for(FormId::Approval);
    let me = current_staff().map(|me| me.id);
    let done = match query_param("done").as_deref() {
        Some("granted") => {
            Some("Granted: they can switch to write mode now, for this impersonation only.")
        }
        Some("denied") => Some("Denied: they stay read-only."),
        _ => None,
    };
    let load = async move {
        let state = state?;
        let now = state.clock.now();
        approvals::expire_overdue(&state.db, &state.audit, now)
            .await
            .map_err(AppError::portal("expiring old requests"))?;
        approvals::list(&state.db, now)
            .await
            .map_err(AppError::portal("loading the requests"))
    };
    view! {
        <Title text="Approvals"/>
        <h1>"Requests for write mode"</h1>
        <p>"Another admin asked to make changes as a customer. Grant it if the reason holds; it lasts for that impersonation only. You cannot decide your own."</p>
        {done.map(|m| view! { <p class="notice ok" role="status">{m}</p> })}
        <FormProblem feedback/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                match load.await {
                    Ok(list) if list.is_empty() => view! { <p>"No requests in the last day."</p> }.into_any(),
                    Ok(list) => view! { <ApprovalTable list me/> }.into_any(),
                    Err(error) => view! { <Problem error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ApprovalTable(list: Vec<Approval>, me: Option<crate::domain::StaffId>) -> impl IntoView {
    view! {
        <div class="table-wrap" role="region" aria-label="Requests for write mode" tabindex="0">
            <table>
                <caption class="visually-hidden">"Requests for write mode"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Who asked"</th>
                        <th scope="col">"Acting for"</th>
                        <th scope="col">"Why"</th>
                        <th scope="col">"Asked at"</th>
                        <th scope="col">"Decision"</th>
                    </tr>
                </thead>
                <tbody>
                    {list.into_iter().map(|a| {
                        let own = Some(a.requester_id) == me;
                        let id = a.id.to_string();
                        let decision = match a.decision() {
                            None if own => view! { <span>"Waiting for another admin (yours)"</span> }.into_any(),
                            None => view! {
                                <form method="post" action=format!("/approvals/{id}/grant") class="inline">
                                    <button type="submit" class="small">"Grant"</button>
                                </form>
                                <form method="post" action=format!("/approvals/{id}/deny") class="inline">
                                    <button type="submit" class="secondary small">"Deny"</button>
                                </form>
                                <span class="hint">" open until "<When at=a.expires_at.to_string()/></span>
                            }.into_any(),
                            Some(Decision::Expired) => view! { <span>"Expired"</span> }.into_any(),
                            Some(d) => view! {
                                <span>{format!("{} by {}", if d == Decision::Granted { "Granted" } else { "Denied" }, a.decided_by_name.clone().unwrap_or_default())}</span>
                            }.into_any(),
                        };
                        view! {
                            <tr>
                                <td>{a.requester_name.clone()}<br/><span class="hint">{a.requester_email.clone()}</span></td>
                                <td>{a.acting_for_name.clone()}<br/><code>{a.acting_for.clone()}</code></td>
                                <td>{a.reason.clone()}</td>
                                <td><When at=a.requested_at.to_string()/></td>
                                <td>{decision}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
