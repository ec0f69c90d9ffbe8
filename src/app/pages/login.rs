use leptos::prelude::*;
use leptos_meta::Title;

use crate::app::components::field::{Field, FormProblem};
use crate::app::request::{feedback_for, query_param};
use crate::auth::sso::PasswordSignin;
use crate::forms::sso::ContinueTo;
use crate::state::AppState;
use crate::web::FormId;

/// Why the person is here again, in words; only known values, never reflected text.
fn ended_message(ended: Option<String>) -> Option<&'static str> {
    match ended.as_deref()? {
        "idle" => Some("You were signed out after a period without activity. Sign in again."),
        "expired" => Some("Your session reached its time limit. Sign in again."),
        "revoked" => Some("Your session was ended because your account changed. Sign in again."),
        "signed_out" => Some("You are signed out."),
        "code_expired" => Some("The time to type your code ran out. Sign in again."),
        "sso_failed" => Some(
            "Signing in with your company account did not work: the portal does not know that \
             account, it is disabled, or the sign-in took too long. Try again, or ask an admin.",
        ),
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
    let state = use_context::<AppState>();
    let sso = state.as_ref().is_some_and(|state| state.sso.is_some());
    let passwords = state.map_or(PasswordSignin::On, |state| state.config.password_signin);
    let sso_next = next.clone();
    view! {
        <Title text="Sign in"/>
        <section class="card narrow" aria-labelledby="login-heading">
            <h1 id="login-heading">"Sign in"</h1>
            {ended.map(|m| view! { <p class="notice warn" role="status">{m}</p> })}
            {sso.then(|| view! {
                <form method="post" action="/login/sso" class="stacked">
                    <input type="hidden" name="next" value=sso_next/>
                    <button type="submit">"Sign in with your company account"</button>
                </form>
            })}
            <FormProblem feedback=feedback.clone()/>
            {(passwords != PasswordSignin::Off).then(|| view! {
                {(passwords == PasswordSignin::BreakGlass).then(|| view! {
                    <h2>"Break-glass sign-in"</h2>
                    <p class="hint">"Passwords are for the break-glass account only, for when the company sign-in is down."</p>
                })}
                <form method="post" action="/login" class="stacked">
                    <input type="hidden" name="next" value=next/>
                    <Field feedback=feedback.clone() name="email" label="Email" kind="email" autocomplete="username"/>
                    <Field feedback name="password" label="Password" kind="password" autocomplete="current-password" keep_value=false/>
                    <button type="submit">{if sso { "Sign in with a password" } else { "Sign in" }}</button>
                </form>
            })}
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

/// After the identity provider: continues on the portal's own origin, so the next request
/// carries the session cookie (`SameSite=Strict` holds it back on a navigation from another
/// site). Works without script: a refresh, and a link.
#[component]
pub fn ContinuePage(to: ContinueTo) -> impl IntoView {
    let ContinueTo(to) = to;
    view! {
        <Title text="Signing you in"/>
        <leptos_meta::Meta http_equiv="refresh" content=format!("0;url={to}")/>
        <section class="card narrow" aria-labelledby="continue-heading">
            <h1 id="continue-heading">"Signing you in"</h1>
            <p><a class="button" href=to>"Continue"</a></p>
        </section>
    }
}
