//! The sub-account's sender identities: who its mail says it is from.

use leptos::prelude::*;
use leptos_meta::Title;

use super::{acting_sendgrid, NotActingSendgrid, SendgridNav};
use crate::app::components::problem::Problem;
use crate::sendgrid::models::Sender;
use crate::web::AppError;

#[component]
pub fn SendersPage() -> impl IntoView {
    let Some((imp, client)) = acting_sendgrid() else {
        return view! { <NotActingSendgrid/> }.into_any();
    };
    let load = async move { Ok::<_, AppError>(client.senders().await?) };
    view! {
        <Title text=format!("Senders of {}", imp.sub_org_name)/>
        <h1>{format!("Sender identities of {}", imp.sub_org_name)}</h1>
        <SendgridNav/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                match load.await {
                    Ok(list) if list.result.is_empty() => view! { <p class="notice" role="status">"This sub-account has no sender identities."</p> }.into_any(),
                    Ok(list) => view! { <SenderTable list=list.result/> }.into_any(),
                    Err(error) => view! { <Problem error/> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
fn SenderTable(list: Vec<Sender>) -> impl IntoView {
    let party = |email: &str, name: &Option<String>| match name {
        Some(name) => format!("{name} <{email}>"),
        None => email.to_owned(),
    };
    view! {
        <div class="table-wrap" role="region" aria-label="Sender identities" tabindex="0">
            <table>
                <caption class="visually-hidden">"Sender identities"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Nickname"</th>
                        <th scope="col">"From"</th>
                        <th scope="col">"Reply to"</th>
                        <th scope="col">"Address"</th>
                        <th scope="col">"Verified"</th>
                    </tr>
                </thead>
                <tbody>
                    {list.into_iter().map(|s| view! {
                        <tr>
                            <td>{s.nickname.clone()}</td>
                            <td>{party(&s.from.email, &s.from.name)}</td>
                            <td>{party(&s.reply_to.email, &s.reply_to.name)}</td>
                            <td>{format!("{}, {}, {}", s.address, s.city, s.country)}</td>
                            <td>{match (s.verified, s.locked) {
                                (true, true) => "Yes (locked)",
                                (true, false) => "Yes",
                                (false, _) => "Not yet",
                            }}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
