//! The page a risky form is held on until a fresh code confirms it (see `http::step_up`).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::web::step_up::{StepUpAsked, CODE_FIELD};

#[component]
pub fn StepUpPage(asked: StepUpAsked) -> impl IntoView {
    let StepUpAsked {
        action,
        kept,
        retype,
        problem,
        again_at_provider,
    } = asked;
    if let Some(back) = again_at_provider {
        return view! {
            <Title text="Confirm it is you"/>
            <section class="card narrow" aria-labelledby="step-up-heading">
                <h1 id="step-up-heading">"Confirm it is you"</h1>
                <p>"This step needs a fresh sign-in with your company account, with its second factor. Then do it again from the page you were on."</p>
                <form method="post" action="/login/sso">
                    <input type="hidden" name="again" value="1"/>
                    <input type="hidden" name="next" value=back/>
                    <button type="submit">"Sign in again with your company account"</button>
                </form>
                <p><a href="/">"Cancel"</a></p>
            </section>
        }
        .into_any();
    }
    let error_id = "step-up-code-error";
    view! {
        <Title text="Confirm it is you"/>
        <section class="card narrow" aria-labelledby="step-up-heading">
            <h1 id="step-up-heading">"Confirm it is you"</h1>
            <p>"This step needs a fresh code from your authenticator app. What you typed in the form is kept: it is sent as soon as the code is right."</p>
            <form method="post" action=action class="stacked">
                {kept.into_iter().map(|(name, value)| view! {
                    <input type="hidden" name=name value=value/>
                }).collect_view()}
                {retype.into_iter().map(|name| {
                    let id = format!("step-up-{name}");
                    view! {
                        <label for=id.clone()>"Type the password again (passwords are never kept while a code is asked)"</label>
                        <input id=id type="password" name=name autocomplete="new-password" required/>
                    }
                }).collect_view()}
                <label for="step-up-code">"Code from your app (or a recovery code)"</label>
                <input id="step-up-code" name=CODE_FIELD autocomplete="one-time-code" required
                    aria-invalid=problem.is_some().then_some("true")
                    aria-describedby=problem.is_some().then_some(error_id)/>
                {problem.map(|p| view! { <p class="field-error" id=error_id role="alert">{p}</p> })}
                <button type="submit">"Confirm"</button>
            </form>
            <p><a href="/">"Cancel"</a></p>
        </section>
    }
    .into_any()
}
