use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::app::request::{current_staff, query_param};
use crate::app::upstream::{money, parent_client, usage, UpstreamProblem};
use crate::auth::Permission;
use crate::domain::{CountryCode, SubOrgId};
use crate::postgrid::models::SubOrganization;
use crate::postgrid::PostgridError;

/// The sub-organization id from the path, validated before it goes anywhere near PostGrid.
pub fn sub_org_from_path() -> Result<SubOrgId, PostgridError> {
    let raw = use_params_map().with_untracked(|params| params.get("id").unwrap_or_default());
    SubOrgId::parse(&raw).map_err(|_| PostgridError::NotFound {
        message: "not a sub-organization id".to_owned(),
    })
}

#[component]
pub fn SubOrgDetailPage() -> impl IntoView {
    let id = sub_org_from_path();
    let client = parent_client()
        .filter(|_| current_staff().is_some_and(|me| me.can(Permission::ViewSubOrgs)));
    let created = query_param("created").is_some();
    let load = async move {
        let id = id?;
        match client {
            Some(client) => client.get_sub_org(&id).await,
            None => Err(PostgridError::Forbidden {
                message: String::new(),
            }),
        }
    };
    view! {
        <Title text="Sub-organization"/>
        <p class="crumbs"><a href="/sub-orgs">"← All sub-organizations"</a></p>
        {created.then(|| view! {
            <p class="notice ok" role="status">"The sub-organization was created in PostGrid."</p>
        })}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                match load.await {
                    Ok(sub_org) => view! { <SubOrgDetail sub_org/> }.into_any(),
                    Err(error) => {
                        if matches!(error, PostgridError::NotFound { .. }) {
                            if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                                response.set_status(axum::http::StatusCode::NOT_FOUND);
                            }
                        }
                        view! { <h1>"Sub-organization"</h1><UpstreamProblem error/> }.into_any()
                    }
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
    }
}
