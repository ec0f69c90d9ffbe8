use leptos::prelude::*;
use leptos_meta::Title;

use crate::app::components::field::{Field, FormProblem};
use crate::app::request::{feedback_for, form_token};
use crate::config::PostgridMode;
use crate::domain::COUNTRIES;
use crate::state::AppState;
use crate::web::FormId;

#[component]
pub fn NewSubOrgPage() -> impl IntoView {
    let feedback = feedback_for(FormId::SubOrgNew);
    let live =
        use_context::<AppState>().is_some_and(|s| s.config.postgrid_mode == PostgridMode::Live);
    let token = form_token(&feedback);
    let chosen = feedback.typed("country_code");
    let country_problem = feedback.problem("country_code");
    let confirm_problem = feedback.problem("confirm_live");
    view! {
        <Title text="Create a sub-organization"/>
        <p class="crumbs"><a href="/sub-orgs">"← All sub-organizations"</a></p>
        <section class="card" aria-labelledby="new-heading">
            <h1 id="new-heading">"Create a sub-organization"</h1>
            {if live {
                view! { <p class="notice error">"Live mode: this creates a real sub-organization for a customer."</p> }.into_any()
            } else {
                view! { <p class="notice warn">"Test mode: PostGrid's sandbox; nothing is printed, mailed or charged."</p> }.into_any()
            }}
            <FormProblem feedback=feedback.clone()/>
            <form method="post" action="/sub-orgs/new" class="stacked">
                <input type="hidden" name="token" value=token/>
                <Field feedback=feedback.clone() name="organization_name" label="Organization name" autocomplete="organization"/>
                <Field feedback=feedback.clone() name="name" label="First user's name" autocomplete="off"/>
                <Field feedback=feedback.clone() name="email" label="First user's email" kind="email" autocomplete="off"/>
                <Field feedback=feedback.clone() name="password" label="First user's password" kind="password" autocomplete="new-password" keep_value=false hint="At least 12 characters, and not a common password. It is sent to PostGrid and never kept by the portal."/>
                <label for="country_code">"Country"</label>
                <select id="country_code" name="country_code" required
                    aria-invalid=country_problem.is_some().then_some("true")
                    aria-describedby=country_problem.is_some().then_some("country_code-error")>
                    <option value="" selected=chosen.is_empty()>"Choose a country"</option>
                    {COUNTRIES.iter().map(|(code, name)| view! {
                        <option value=*code selected=chosen == *code>{format!("{name} ({code})")}</option>
                    }).collect_view()}
                </select>
                {country_problem.map(|p| view! { <p class="field-error" id="country_code-error">{p}</p> })}
                <Field feedback=feedback.clone() name="phone_number" label="Phone (optional)" kind="tel" autocomplete="off" required=false/>
                {live.then(|| view! {
                    <label class="check">
                        <input type="checkbox" name="confirm_live" value="yes"
                            aria-invalid=confirm_problem.is_some().then_some("true")/>
                        " I confirm this creates a real sub-organization in live mode."
                    </label>
                    {confirm_problem.map(|p| view! { <p class="field-error">{p}</p> })}
                })}
                <button type="submit">"Create sub-organization"</button>
            </form>
        </section>
    }
}
