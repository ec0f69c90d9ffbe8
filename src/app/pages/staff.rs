use leptos::prelude::*;
use leptos_meta::Title;

use crate::app::components::field::{Field, FormProblem};
use crate::app::components::problem::Problem;
use crate::app::request::{feedback_for, query_param, state_for};
use crate::auth::staff::{list_staff, Staff};
use crate::auth::{Permission, Role};
use crate::web::AppError;
use crate::web::FormId;

#[component]
pub fn StaffPage() -> impl IntoView {
    let state = state_for(Permission::ManageStaff);
    let add = feedback_for(FormId::StaffAdd);
    let row = feedback_for(FormId::StaffRow);
    let done = match query_param("done").as_deref() {
        Some("added") => Some("The staff member was added."),
        Some("updated") => Some("The change was saved. Their open sessions were ended."),
        _ => None,
    };
    let list = async move {
        let state = state?;
        list_staff(&state.db)
            .await
            .map_err(AppError::portal("loading the staff list"))
    };
    view! {
        <Title text="Staff"/>
        <h1>"Staff"</h1>
        {done.map(|m| view! { <p class="notice ok" role="status">{m}</p> })}
        <FormProblem feedback=row.clone()/>
        {row.problem("password").map(|m| view! { <p class="notice error" role="alert">{m}</p> })}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                match list.await {
                    Ok(people) => view! { <StaffTable people/> }.into_any(),
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
                <Field feedback=add name="password" label="First password" kind="password" autocomplete="new-password" keep_value=false hint="At least 12 characters; they change it after signing in." id_prefix="add-"/>
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

#[component]
fn StaffTable(people: Vec<Staff>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table>
                <caption class="visually-hidden">"Staff members"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"New password"</th>
                        <th scope="col">"Access"</th>
                    </tr>
                </thead>
                <tbody>
                    {people.into_iter().map(|person| {
                        let id = person.id;
                        let role_id = format!("role-{id}");
                        let pw_id = format!("password-{id}");
                        view! {
                            <tr>
                                <td>{person.name.clone()}</td>
                                <td>{person.email.clone()}</td>
                                <td>
                                    <form method="post" action=format!("/staff/{id}/role") class="inline">
                                        <label for=role_id.clone() class="visually-hidden">"Role of " {person.name.clone()}</label>
                                        <RoleSelect id=role_id selected=person.role/>
                                        <button type="submit" class="secondary small">"Save role"</button>
                                    </form>
                                </td>
                                <td>{if person.disabled { "Disabled" } else { "Active" }}</td>
                                <td>
                                    <form method="post" action=format!("/staff/{id}/password") class="inline">
                                        <label for=pw_id.clone() class="visually-hidden">"New password for " {person.name.clone()}</label>
                                        <input id=pw_id type="password" name="password" autocomplete="new-password" required minlength="12"/>
                                        <button type="submit" class="secondary small">"Set"</button>
                                    </form>
                                </td>
                                <td>
                                    {(!person.disabled).then(|| view! {
                                        <form method="post" action=format!("/staff/{id}/disable") class="inline">
                                            <button type="submit" class="danger small">"Disable"</button>
                                        </form>
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
