use leptos::prelude::*;
use leptos_meta::Title;

use crate::app::components::problem::Problem;
use leptos_router::hooks::use_params_map;

use crate::app::components::start_acting::{StartActing, Whom};
use crate::app::format::{money, usage};
use crate::app::request::parent_client;
use crate::app::request::query_param;
use crate::domain::{CountryCode, SubOrgId};
use crate::postgrid::models::SubOrganization;
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
    }
}
