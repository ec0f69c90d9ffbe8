use leptos::prelude::*;
use leptos_meta::Title;

use crate::app::components::field::{Field, FormProblem};
use crate::app::components::problem::Problem;
use crate::app::request::{current_staff, feedback_for, query_param, state_for};
use crate::app::time::When;
use crate::auth::staff::{list_staff, Staff};
use crate::auth::throttle;
use crate::auth::{Permission, Role};
use crate::domain::{Email, Timestamp};
use crate::staff_changes::Refusal;
use crate::state::AppState;
use crate::web::AppError;
use crate::web::FormId;
use leptos_router::hooks::use_params_map;

#[component]
pub fn StaffPage() -> impl IntoView {
    let state = state_for(Permission::ManageStaff);
    let add = feedback_for(FormId::StaffAdd);
    let row = feedback_for(FormId::StaffRow);
    let done = match query_param("done").as_deref() {
        Some("added") => Some("The staff member was added."),
        Some("updated") => Some("The change was saved. Their open sessions were ended."),
        Some("unlocked") => Some("The account was unlocked: they can sign in again at once."),
        _ => None,
    };
    let list = async move { load_rows(&state?).await };
    view! {
        <Title text="Staff"/>
        <h1>"Staff"</h1>
        {done.map(|m| view! { <p class="notice ok" role="status">{m}</p> })}
        <FormProblem feedback=row.clone()/>
        {row.problem("password").map(|m| view! { <p class="notice error" role="alert">{m}</p> })}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                match list.await {
                    Ok(rows) => view! { <StaffTable rows/> }.into_any(),
                    Err(error) => view! { <Problem error/> }.into_any(),
                }
            })}
        </Suspense>
        <section class="card" aria-labelledby="add-heading">
            <h2 id="add-heading">"Add a staff member"</h2>
            <FormProblem feedback=add.clone()/>
            <form method="post" action="/staff" class="stacked">
                <Field feedback=add.clone() name="name" label="Name" autocomplete="off" id_prefix="add-"/>
                <Field feedback=add.clone() name="email" label="Email" kind="email" autocomplete="off" id_prefix="add-"/>
                <label for="add-role">"Role"</label>
                <RoleSelect id="add-role".to_owned() selected=Role::parse(&add.typed("role")).unwrap_or(Role::Viewer)/>
                {add.problem("role").map(|p| view! { <p class="field-error">{p}</p> })}
                <Field feedback=add name="password" label="First password" kind="password" autocomplete="new-password" keep_value=false hint="At least 12 characters." id_prefix="add-"/>
                <p>
                    <input id="add-must-change" type="checkbox" name="must_change" value="on" checked/>
                    <label for="add-must-change">"They choose their own password when they first sign in"</label>
                </p>
                <button type="submit">"Add staff member"</button>
            </form>
        </section>
    }
}

#[component]
fn RoleSelect(id: String, selected: Role) -> impl IntoView {
    view! {
        <select id=id name="role">
            {Role::ALL.into_iter().map(|role| view! {
                <option value=role.as_str() selected=role == selected>{role.label()}</option>
            }).collect_view()}
        </select>
    }
}

/// One row of the staff table, with what the page needs to offer only what may be done.
struct Row {
    person: Staff,
    locked_until: Option<Timestamp>,
}

/// Everyone, with their lockouts, and who is looking.
async fn load_rows(state: &AppState) -> Result<Vec<Row>, AppError> {
    let people = list_staff(&state.db)
        .await
        .map_err(AppError::portal("loading the staff list"))?;
    let now = state.clock.now();
    let mut rows = Vec::with_capacity(people.len());
    for person in people {
        let locked_until = match Email::parse(&person.email) {
            Ok(email) => throttle::locked_until(&state.db, &email, now)
                .await
                .map_err(AppError::portal("loading the lockouts"))?,
            Err(_) => None,
        };
        rows.push(Row {
            person,
            locked_until,
        });
    }
    Ok(rows)
}

#[component]
fn StaffTable(rows: Vec<Row>) -> impl IntoView {
    let me = current_staff().map(|me| me.id);
    let active_admins = rows
        .iter()
        .filter(|r| r.person.role == Role::Admin && !r.person.disabled)
        .count();
    view! {
        <div class="table-wrap" role="region" aria-label="Staff members" tabindex="0">
            <table>
                <caption class="visually-hidden">"Staff members"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Two-step sign-in"</th>
                        <th scope="col">"New password"</th>
                        <th scope="col">"Access"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|Row { person, locked_until }| {
                        let id = person.id;
                        let yours = Some(id) == me;
                        // The last active admin stays one: demoting or disabling them is not offered.
                        let last_admin = person.role == Role::Admin && !person.disabled && active_admins <= 1;
                        let fixed_role = yours || last_admin;
                        let role_id = format!("role-{id}");
                        let pw_id = format!("password-{id}");
                        let must_id = format!("must-change-{id}");
                        let name = person.name.clone();
                        view! {
                            <tr>
                                <td>{person.name.clone()}{yours.then_some(" (you)")}</td>
                                <td>{person.email.clone()}</td>
                                <td>
                                    {if fixed_role {
                                        view! {
                                            <span>{person.role.label()}</span>
                                            {(last_admin && !yours).then(|| view! { <span class="hint">" (the last active admin)"</span> })}
                                        }.into_any()
                                    } else {
                                        view! {
                                            <form method="get" action=format!("/staff/{id}/role") class="inline">
                                                <label for=role_id.clone() class="visually-hidden">"Role of " {name.clone()}</label>
                                                <RoleSelect id=role_id selected=person.role/>
                                                <button type="submit" class="secondary small">"Change role…"</button>
                                            </form>
                                        }.into_any()
                                    }}
                                </td>
                                <td>
                                    {if person.disabled { "Disabled".to_owned() } else { "Active".to_owned() }}
                                    {person.must_change_password.then_some(" · must choose a new password")}
                                    {person.break_glass.then_some(" · break-glass")}
                                    {locked_until.map(|until| view! {
                                        <br/><span>"Locked until "<When at=until.to_string()/></span>
                                        <form method="post" action=format!("/staff/{id}/unlock") class="inline">
                                            <button type="submit" class="secondary small">"Unlock"</button>
                                        </form>
                                    })}
                                </td>
                                <td>
                                    {if person.mfa_enrolled { "On" } else { "Off" }}
                                    {(person.mfa_enrolled && !yours).then(|| view! {
                                        <form method="post" action=format!("/staff/{id}/mfa/reset") class="inline">
                                            <button type="submit" class="secondary small">"Reset (lost phone)"</button>
                                        </form>
                                    })}
                                </td>
                                <td>
                                    <form method="post" action=format!("/staff/{id}/password") class="inline">
                                        <label for=pw_id.clone() class="visually-hidden">"New password for " {name.clone()}</label>
                                        <input id=pw_id type="password" name="password" autocomplete="new-password" required minlength="12"/>
                                        <input id=must_id.clone() type="checkbox" name="must_change" value="on" checked/>
                                        <label for=must_id>"they choose their own at next sign-in"</label>
                                        <button type="submit" class="secondary small">"Set"</button>
                                    </form>
                                </td>
                                <td>
                                    {if person.disabled {
                                        Some(view! {
                                            <form method="post" action=format!("/staff/{id}/enable") class="inline">
                                                <button type="submit" class="secondary small">"Enable"</button>
                                            </form>
                                        }.into_any())
                                    } else if !fixed_role {
                                        Some(view! { <a class="button danger small" href=format!("/staff/{id}/disable")>"Disable…"</a> }.into_any())
                                    } else {
                                        None
                                    }}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// What a confirmation page is about: the person, and how many sessions the change ends.
async fn about(raw_id: String) -> Result<Option<(Staff, usize)>, AppError> {
    let state = state_for(Permission::ManageStaff)?;
    let Some(person) = crate::auth::staff::find_by_path_id(&state.db, &raw_id)
        .await
        .map_err(AppError::portal("loading the staff member"))?
    else {
        return Ok(None);
    };
    let sessions = crate::auth::session_registry::open_for(
        &state.db,
        person.id,
        state.session_policy,
        state.clock.now(),
    )
    .await
    .map_err(AppError::portal("counting their sessions"))?
    .len();
    Ok(Some((person, sessions)))
}

fn sessions_end(name: &str, sessions: usize) -> String {
    match sessions {
        0 => format!("{name} is not signed in anywhere now."),
        1 => format!("{name}'s 1 session ends now, and anything they are acting for ends with it."),
        n => format!(
            "{name}'s {n} sessions end now, and anything they are acting for ends with them."
        ),
    }
}

/// Said on a confirmation page instead of the question, when the change cannot be asked for.
#[component]
fn NotOffered(message: String) -> impl IntoView {
    view! {
        <p class="notice error" role="alert">{message}</p>
        <p><a href="/staff">"Back to staff"</a></p>
    }
}

/// `/staff/{id}/disable`: what disabling someone does, before it is done.
#[component]
pub fn StaffDisablePage() -> impl IntoView {
    let raw = use_params_map().with_untracked(|p| p.get("id").unwrap_or_default());
    let me = current_staff().map(|me| me.id);
    let load = about(raw.clone());
    view! {
        <Title text="Disable a staff member"/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                match load.await {
                    Ok(None) => view! { <NotOffered message=Refusal::NoSuchStaff.to_string()/> }.into_any(),
                    Ok(Some((person, _))) if Some(person.id) == me => view! { <NotOffered message=Refusal::Yourself.to_string()/> }.into_any(),
                    Ok(Some((person, _))) if person.disabled => view! { <NotOffered message=format!("{} is already disabled.", person.name)/> }.into_any(),
                    Ok(Some((person, sessions))) => view! {
                        <section class="card narrow" aria-labelledby="confirm-heading">
                            <h1 id="confirm-heading">{format!("Disable {}?", person.name)}</h1>
                            <p>{sessions_end(&person.name, sessions)}</p>
                            <p>"They cannot sign in until an admin enables them again. Nothing they did is removed."</p>
                            <form method="post" action=format!("/staff/{}/disable", person.id) class="inline">
                                <button type="submit" class="danger">{format!("Disable {}", person.name)}</button>
                            </form>
                            " "<a href="/staff">"Cancel"</a>
                        </section>
                    }.into_any(),
                    Err(error) => view! { <Problem error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// `/staff/{id}/role?role=…`: what a role change does, before it is done.
#[component]
pub fn StaffRolePage() -> impl IntoView {
    let raw = use_params_map().with_untracked(|p| p.get("id").unwrap_or_default());
    let to = query_param("role").and_then(|r| Role::parse(&r));
    let me = current_staff().map(|me| me.id);
    let load = about(raw.clone());
    view! {
        <Title text="Change a role"/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                match (load.await, to) {
                    (Err(error), _) => view! { <Problem error/> }.into_any(),
                    (Ok(None), _) => view! { <NotOffered message=Refusal::NoSuchStaff.to_string()/> }.into_any(),
                    (Ok(Some(_)), None) => view! { <NotOffered message="Choose a role.".to_owned()/> }.into_any(),
                    (Ok(Some((person, _))), Some(role)) if Some(person.id) == me && role != Role::Admin => view! { <NotOffered message=Refusal::Yourself.to_string()/> }.into_any(),
                    (Ok(Some((person, _))), Some(role)) if person.role == role => view! { <NotOffered message=format!("{} is already {}.", person.name, role.label())/> }.into_any(),
                    (Ok(Some((person, sessions))), Some(role)) => view! {
                        <section class="card narrow" aria-labelledby="confirm-heading">
                            <h1 id="confirm-heading">{format!("Make {} {}?", person.name, role.label())}</h1>
                            <p>{format!("From {} to {}.", person.role.label(), role.label())}</p>
                            <p>{sessions_end(&person.name, sessions)}</p>
                            <form method="post" action=format!("/staff/{}/role", person.id) class="inline">
                                <input type="hidden" name="role" value=role.as_str()/>
                                <button type="submit">{format!("Make {} {}", person.name, role.label())}</button>
                            </form>
                            " "<a href="/staff">"Cancel"</a>
                        </section>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
