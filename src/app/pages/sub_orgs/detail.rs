use leptos::prelude::*;
use leptos_meta::Title;

use crate::app::components::problem::Problem;
use leptos_router::hooks::use_params_map;

use crate::app::components::field::{Field, FormProblem, TextArea};
use crate::app::format::{money, usage};
use crate::app::request::parent_client;
use crate::app::request::{current_staff, extension, feedback_for, query_param};
use crate::auth::Permission;
use crate::domain::text::{REASON_MAX_CHARS, REASON_MIN_CHARS, TICKET_MAX_CHARS};
use crate::domain::{CountryCode, SubOrgId};
use crate::postgrid::models::SubOrganization;
use crate::state::AppState;
use crate::web::request::Acting;
use crate::web::AppError;
use crate::web::FormId;

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
        <StartActing sub_org_id=sub_org.id.to_string()/>
    }
}

/// For admins: the form that starts acting on behalf of this sub-organization.
#[component]
fn StartActing(sub_org_id: String) -> impl IntoView {
    let allowed = current_staff().is_some_and(|me| me.can(Permission::Impersonate));
    let state = use_context::<AppState>();
    let max = state
        .as_ref()
        .map_or(60, |s| s.config.impersonation_max_minutes);
    let enabled = state
        .as_ref()
        .is_some_and(|s| s.config.impersonation_enabled);
    let acting_now = extension::<Acting>().is_some();
    let feedback = feedback_for(FormId::ImpersonationStart);
    let minutes = Some(feedback.typed("minutes"))
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| max.min(60).to_string());
    let reason_problem = feedback.problem("reason");
    allowed.then(|| view! {
        <section class="card" aria-labelledby="act-heading">
            <h2 id="act-heading">"Act on behalf of this sub-organization"</h2>
            <p>"See and fix its contacts, templates and letters with the portal's own key. Read-only until you switch to write mode. Everything you do is recorded with your reason."</p>
            {(!enabled).then(|| view! { <p class="notice warn">"Acting for sub-organizations is switched off for this portal."</p> })}
            {acting_now.then(|| view! { <p class="notice warn">"You are already acting for a sub-organization; stop that first."</p> })}
            {(!acting_now && feedback.next == Some(crate::web::feedback::NextStep::StopActing)).then(|| view! {
                <form method="post" action="/impersonation/stop" class="inline">
                    <button type="submit" class="secondary">"Stop acting for the other sub-organization"</button>
                </form>
            })}
            <FormProblem feedback=feedback.clone()/>
            <form method="post" action="/impersonation/start" class="stacked">
                <input type="hidden" name="sub_org_id" value=sub_org_id/>
                <label for="reason">"Reason"</label>
                <p class="hint" id="reason-hint">"What the customer asked for, in 10 to 1,000 characters. It goes into the audit log."</p>
                <TextArea id="reason" name="reason" value=feedback.typed("reason") minlength=REASON_MIN_CHARS
                    maxlength=REASON_MAX_CHARS describedby="reason-hint" invalid=reason_problem.is_some()/>
                {reason_problem.map(|p| view! { <p class="field-error">{p}</p> })}
                <Field feedback=feedback.clone() name="ticket" label="Ticket (optional)" required=false maxlength=TICKET_MAX_CHARS/>
                <label for="minutes">{format!("For how many minutes (at most {max})")}</label>
                <input id="minutes" name="minutes" type="number" min="1" max=max value=minutes required/>
                {feedback.problem("minutes").map(|p| view! { <p class="field-error">{p}</p> })}
                <button type="submit">"Start acting for this sub-organization"</button>
            </form>
        </section>
    })
}
