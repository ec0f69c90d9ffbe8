use leptos::prelude::*;
use leptos_meta::Title;

use crate::app::components::field::{Field, FormProblem};
use crate::app::components::problem::Problem;
use crate::app::request::{current_staff, extension, feedback_for, query_param};
use crate::app::time::{Ago, When};
use crate::auth::password::MIN_LENGTH;
use crate::auth::session::{SessionAuth, SESSION_KEY};
use crate::auth::session_registry;
use crate::state::AppState;
use crate::web::AppError;
use crate::web::{FormFeedback, FormId};

#[component]
pub fn AccountPasswordPage() -> impl IntoView {
    let feedback = feedback_for(FormId::OwnPassword);
    let done = query_param("done").as_deref() == Some("changed");
    let required = query_param("required").is_some();
    view! {
        <Title text="Your password"/>
        <section class="card narrow" aria-labelledby="password-heading">
            <h1 id="password-heading">"Change your password"</h1>
            {done.then(|| view! {
                <p class="notice ok" role="status">"Your password was changed. Your other sessions were signed out."</p>
            })}
            {required.then(|| view! {
                <p class="notice warn" role="status">"An admin asked you to choose a new password. Choose one to continue."</p>
            })}
            <FormProblem feedback=feedback.clone()/>
            <form method="post" action="/account/password" class="stacked">
                <Field feedback=feedback.clone() name="current_password" label="Current password" kind="password" autocomplete="current-password" keep_value=false/>
                <Field feedback=feedback.clone() name="new_password" label="New password" kind="password" autocomplete="new-password" keep_value=false hint=PASSWORD_HINT/>
                <Field feedback name="confirm_password" label="New password again" kind="password" autocomplete="new-password" keep_value=false/>
                <button type="submit">"Change password"</button>
            </form>
        </section>
    }
}

const PASSWORD_HINT: &str = "At least 12 characters, and not a common password.";
const _: () = assert!(MIN_LENGTH == 12, "keep the hint in step with the policy");

/// `/account`: the person's own sessions, with a way to end each, and their settings.
#[component]
pub fn AccountPage() -> impl IntoView {
    let me = current_staff();
    let done = query_param("done");
    let ended = done.as_deref() == Some("ended");
    let zone_saved = done.as_deref() == Some("time_zone");
    let feedback = feedback_for(FormId::TimeZone);
    let chosen = me
        .as_ref()
        .and_then(|me| me.time_zone.clone())
        .unwrap_or_default();
    let load = async move {
        let me = me.ok_or(AppError::SignInFirst)?;
        let state = use_context::<AppState>()
            .ok_or_else(|| AppError::portal("finding the portal's state")("missing"))?;
        let current = extension::<tower_sessions::Session>();
        let current = match current {
            Some(session) => session
                .get::<SessionAuth>(SESSION_KEY)
                .await
                .ok()
                .flatten()
                .and_then(|auth| auth.handle),
            None => None,
        };
        let open =
            session_registry::open_for(&state.db, me.id, state.session_policy, state.clock.now())
                .await
                .map_err(AppError::portal("loading your sessions"))?;
        Ok::<_, AppError>((open, current, state.clock.now()))
    };
    view! {
        <Title text="Your account"/>
        <h1>"Your account"</h1>
        {ended.then(|| view! { <p class="notice ok" role="status">"That session was ended: it signs nobody in now."</p> })}
        {zone_saved.then(|| view! { <p class="notice ok" role="status">"Saved: times in the portal now show in your time zone."</p> })}
        <ul class="links">
            <li><a href="/account/password">"Change your password"</a></li>
            <li><a href="/account/mfa">"Two-step sign-in"</a></li>
        </ul>
        <TimeZoneForm feedback chosen/>
        <section aria-labelledby="sessions-heading">
            <h2 id="sessions-heading">"Where you are signed in"</h2>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {Suspend::new(async move {
                    match load.await {
                        Ok((open, current, now)) => view! { <SessionTable open current now/> }.into_any(),
                        Err(error) => view! { <Problem error/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn SessionTable(
    open: Vec<session_registry::OpenSession>,
    current: Option<String>,
    now: time::OffsetDateTime,
) -> impl IntoView {
    view! {
        <div class="table-wrap" role="region" aria-label="Your sessions" tabindex="0">
            <table>
                <caption class="visually-hidden">"Your sessions"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Signed in"</th>
                        <th scope="col">"Last seen"</th>
                        <th scope="col">"From"</th>
                        <th scope="col">"Browser"</th>
                        <th scope="col">"End"</th>
                    </tr>
                </thead>
                <tbody>
                    {open.into_iter().map(|s| {
                        let this_one = current.as_deref() == Some(s.handle.as_str());
                        view! {
                            <tr>
                                <td><When at=s.started_at.clone()/></td>
                                <td><Ago at=s.last_seen_at.clone() now/></td>
                                <td>{s.client_ip.clone().unwrap_or_default()}</td>
                                <td>{s.user_agent.clone().unwrap_or_default()}</td>
                                <td>
                                    <form method="post" action=format!("/account/sessions/{}/end", s.handle) class="inline">
                                        <button type="submit" class="secondary small">
                                            {if this_one { "Sign out (this session)" } else { "End this session" }}
                                        </button>
                                    </form>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// Choosing the time zone every time in the portal shows in (IANA names; empty is UTC).
#[component]
fn TimeZoneForm(feedback: FormFeedback, chosen: String) -> impl IntoView {
    let problem = feedback.problem("time_zone");
    let typed = if feedback.values.contains_key("time_zone") {
        feedback.typed("time_zone")
    } else {
        chosen
    };
    view! {
        <section aria-labelledby="time-zone-heading">
            <h2 id="time-zone-heading">"Time zone"</h2>
            <form method="post" action="/account/time-zone" class="stacked">
                <label for="time_zone">"Show times in"</label>
                <p class="hint" id="time_zone-hint">"A time zone name such as Europe/Berlin or America/New_York; leave it empty for UTC. The log and its exports stay in UTC."</p>
                <input
                    id="time_zone"
                    name="time_zone"
                    type="text"
                    list="time-zones"
                    value=typed
                    maxlength=64
                    autocomplete="off"
                    aria-invalid=problem.is_some().then_some("true")
                    aria-describedby=if problem.is_some() { "time_zone-hint time_zone-error" } else { "time_zone-hint" }
                />
                <datalist id="time-zones">
                    {crate::app::time::zone_names().into_iter().map(|name| view! { <option value=name/> }).collect_view()}
                </datalist>
                {problem.map(|p| view! { <p class="field-error" id="time_zone-error">{p}</p> })}
                <button type="submit">"Save time zone"</button>
            </form>
        </section>
    }
}
