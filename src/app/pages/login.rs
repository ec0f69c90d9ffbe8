use leptos::prelude::*;
use leptos_meta::Title;

use crate::app::components::field::{Field, FormProblem};
use crate::app::request::{feedback_for, query_param};
use crate::web::FormId;

/// Why the person is here again, in words; only known values, never reflected text.
fn ended_message(ended: Option<String>) -> Option<&'static str> {
    match ended.as_deref()? {
        "idle" => Some("You were signed out after a period without activity. Sign in again."),
        "expired" => Some("Your session reached its time limit. Sign in again."),
        "revoked" => Some("Your session was ended because your account changed. Sign in again."),
        "signed_out" => Some("You are signed out."),
        "code_expired" => Some("The time to type your code ran out. Sign in again."),
        _ => None,
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let feedback = feedback_for(FormId::Login);
    let next = Some(feedback.typed("next"))
        .filter(|n| !n.is_empty())
        .or_else(|| query_param("next"))
        .unwrap_or_default();
    let ended = ended_message(query_param("ended"));
    view! {
        <Title text="Sign in"/>
        <section class="card narrow" aria-labelledby="login-heading">
            <h1 id="login-heading">"Sign in"</h1>
            {ended.map(|m| view! { <p class="notice warn" role="status">{m}</p> })}
            <FormProblem feedback=feedback.clone()/>
            <form method="post" action="/login" class="stacked">
                <input type="hidden" name="next" value=next/>
                <Field feedback=feedback.clone() name="email" label="Email" kind="email" autocomplete="username"/>
                <Field feedback name="password" label="Password" kind="password" autocomplete="current-password" keep_value=false/>
                <button type="submit">"Sign in"</button>
            </form>
        </section>
    }
}

/// The second step of signing in, for people with two-step sign-in.
#[component]
pub fn LoginCodePage() -> impl IntoView {
    let feedback = feedback_for(FormId::LoginCode);
    view! {
        <Title text="Sign in: your code"/>
        <section class="card narrow" aria-labelledby="code-heading">
            <h1 id="code-heading">"Type your code"</h1>
            <p>"Open your authenticator app and type the 6-digit code it shows for suborg-portal. Lost your phone? Type one of your recovery codes instead."</p>
            <FormProblem feedback=feedback.clone()/>
            <form method="post" action="/login/code" class="stacked">
                <Field feedback name="code" label="Code" autocomplete="one-time-code" keep_value=false/>
                <button type="submit">"Sign in"</button>
            </form>
            <p><a href="/login">"Start again"</a></p>
        </section>
    }
}
