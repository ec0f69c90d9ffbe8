//! Pages shown while acting for a sub-organization. Every one of them gets its data through
//! the org-scoped client of the checked impersonation, so nothing loads without one.

pub mod contacts;
pub mod home;
pub mod letters;
pub mod postcards;
pub mod templates;

use axum::http::request::Parts;
use leptos::prelude::*;

use serde_json::Value;

use crate::app::components::field::{FormProblem, TextArea};
use crate::app::components::problem::Problem;
use crate::app::paging::Filter;
use crate::app::request::{current_staff, extension, feedback_for, query_param};
use crate::config::PostgridMode;
use crate::domain::text::{REASON_MAX_CHARS, REASON_MIN_CHARS};
use crate::impersonation::{self, InForce, Mode};
use crate::postgrid::choices::ORDER_PROGRESS;
use crate::postgrid::models::{Addressee, Order};
use crate::postgrid::OrgClient;
use crate::state::AppState;
use crate::web::request::origin_of;
use crate::web::request::Acting;
use crate::web::FormId;

/// The impersonation of a PostGrid sub-organization in force, and its client.
pub fn acting() -> Option<(InForce, OrgClient)> {
    let imp = extension::<Acting>()?.0;
    let state = use_context::<AppState>()?;
    let parts = use_context::<Parts>()?;
    let client =
        impersonation::org_client(&state, &imp, origin_of(&parts, current_staff().as_ref()))?;
    Some((imp, client))
}

pub fn is_write_mode() -> bool {
    extension::<Acting>().is_some_and(|a| a.0.mode == Mode::Write)
}

/// Shown instead of a page when nobody is being acted for.
#[component]
pub fn NotActing() -> impl IntoView {
    view! {
        <h1>"Not acting for a sub-organization"</h1>
        <p>"Start from a sub-organization's page: give a reason, and the portal acts for it for a limited time."</p>
        <p><a class="button" href="/sub-orgs">"Find a sub-organization"</a></p>
    }
}

/// In read-only mode, in place of a form that changes something: the way to write mode, with
/// its reason form right here, coming back to this page once switched.
#[component]
pub fn SwitchToWrite(what: &'static str) -> impl IntoView {
    let feedback = feedback_for(FormId::ImpersonationMode);
    let problem = feedback.problem("why");
    let back = use_context::<Parts>()
        .map(|parts| parts.uri.path().to_owned())
        .unwrap_or_else(|| "/impersonation".to_owned());
    let approval = use_context::<AppState>()
        .filter(|state| state.config.write_approval)
        .zip(extension::<Acting>())
        .map(|(state, acting)| async move {
            crate::approvals::latest_for(&state.db, acting.0.id)
                .await
                .map_err(crate::web::AppError::portal(
                    "loading the request for write mode",
                ))
        });
    let asks = approval.is_some();
    view! {
        <section class="card" aria-labelledby="write-heading">
            <h2 id="write-heading">{format!("Switch to write mode to {what}")}</h2>
            <p>"Acting is read-only until you say why you need to make changes. Every change is recorded."</p>
            {approval.map(|load| view! {
                <Suspense fallback=|| ()>
                    {Suspend::new(async move {
                        match load.await {
                            Ok(latest) => view! { <ApprovalStatus latest/> }.into_any(),
                            Err(error) => view! { <Problem error/> }.into_any(),
                        }
                    })}
                </Suspense>
            })}
            <FormProblem feedback=feedback.clone()/>
            <form method="post" action="/impersonation/mode" class="stacked">
                <input type="hidden" name="back" value=back/>
                <label for="why">"Why you need to make changes"</label>
                <TextArea id="why" name="why" value=feedback.typed("why") minlength=REASON_MIN_CHARS
                    maxlength=REASON_MAX_CHARS invalid=problem.is_some()/>
                {problem.map(|p| view! { <p class="field-error">{p}</p> })}
                <button type="submit">{if asks { "Switch to write mode (or ask for it)" } else { "Switch to write mode" }}</button>
            </form>
        </section>
    }
}

/// Where this impersonation's request for write mode stands, when another admin must approve.
#[component]
fn ApprovalStatus(latest: Option<crate::approvals::Approval>) -> impl IntoView {
    use crate::approvals::Decision;
    let by = |a: &crate::approvals::Approval| a.decided_by_name.clone().unwrap_or_default();
    let (class, message) = match latest {
        None => ("notice", "Write mode needs another admin's approval: your reason goes to them on the Approvals page.".to_owned()),
        Some(a) => match a.decision() {
            None => ("notice warn", format!(
                "Waiting for another admin to approve write mode (asked at {}, open until {}). Once approved, switch here.",
                a.requested_at, a.expires_at
            )),
            Some(Decision::Granted) => ("notice ok", format!("{} approved write mode for this impersonation: switch to it now.", by(&a))),
            Some(Decision::Denied) => ("notice error", format!("{} denied write mode. You can ask again with a new reason.", by(&a))),
            Some(Decision::Expired) => ("notice error", "Your request for write mode expired without a decision. You can ask again.".to_owned()),
        },
    };
    view! { <p class=class role="status">{message}</p> }
}

/// Whether a form that changes something is shown: in write mode, or to give back what was
/// typed when a read-only impersonation refused it.
pub fn shows_write_form(feedback: &crate::web::FormFeedback) -> bool {
    is_write_mode() || !feedback.values.is_empty()
}

/// Tabs between the sub-organization's resources.
#[component]
pub fn ActingNav() -> impl IntoView {
    view! {
        <nav class="tabs" aria-label="Sub-organization resources">
            <a href="/impersonation/contacts">"Contacts"</a>
            <a href="/impersonation/templates">"Templates"</a>
            <a href="/impersonation/letters">"Letters"</a>
            <a href="/impersonation/postcards">"Postcards"</a>
        </nav>
    }
}

/// The name of a contact as a person reads it; its id when it has no name.
pub fn contact_name(person: &Addressee, id: Option<&str>) -> String {
    let name = [person.first_name.as_deref(), person.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    match (name.is_empty(), person.company_name.as_deref()) {
        (false, Some(company)) => format!("{name} ({company})"),
        (false, None) => name,
        (true, Some(company)) => company.to_owned(),
        (true, None) => id.unwrap_or("A contact without a name").to_owned(),
    }
}

/// An address on one line.
pub fn address_line(person: &Addressee) -> String {
    [
        Some(person.address_line1.as_str()),
        person.address_line2.as_deref(),
        person.city.as_deref(),
        person.province_or_state.as_deref(),
        person.postal_or_zip.as_deref(),
        Some(person.country_code.as_str()),
    ]
    .into_iter()
    .flatten()
    .filter(|s| !s.trim().is_empty())
    .collect::<Vec<_>>()
    .join(", ")
}

/// Any JSON PostGrid sends as text a person reads: strings as they are, lists one per line,
/// objects as `key: value` lines.
pub fn as_words(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(as_words).collect::<Vec<_>>().join("\n"),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| format!("{k}: {}", as_words(v)))
            .collect::<Vec<_>>()
            .join("\n"),
        other => other.to_string(),
    }
}

/// The free-text and metadata search of an acting list, as a GET form.
#[component]
pub fn FilterForm(action: &'static str, label: &'static str, filter: Filter) -> impl IntoView {
    let problem = filter.problem();
    let beside = move |field: &str| {
        problem
            .filter(|(f, _)| *f == field)
            .map(|(_, p)| view! { <p class="field-error">{p}</p> })
    };
    let filtered = filter != Filter::default();
    view! {
        <form method="get" action=action class="search filters" role="search">
            <div>
                <label for="search">{label}</label>
                <input id="search" name="search" type="search" value=filter.text.clone()/>
                {beside("search")}
            </div>
            <div>
                <label for="meta_key">"Metadata key"</label>
                <input id="meta_key" name="meta_key" value=filter.key.clone() maxlength="40"/>
                {beside("meta_key")}
            </div>
            <div>
                <label for="meta_value">"Metadata value"</label>
                <input id="meta_value" name="meta_value" value=filter.value.clone()/>
            </div>
            <button type="submit">"Search"</button>
            {filtered.then(|| view! { <a href=action class="button secondary">"Clear"</a> })}
        </form>
    }
}

/// The notice on what a create form made, when the form was sent again (a double click, a
/// refresh): it lands here instead of making a second one.
#[component]
pub fn SentAlready() -> impl IntoView {
    query_param("again").is_some().then(|| {
        view! {
            <p class="notice ok" role="status">
                "This form was sent already: this is what it made, and nothing was made twice."
            </p>
        }
    })
}

/// The notices a list shows after a change made from it.
#[component]
pub fn ListNotices(what: &'static str) -> impl IntoView {
    let deleted = query_param("deleted").is_some();
    let unconfirmed = query_param("unconfirmed").is_some();
    view! {
        {deleted.then(|| view! { <p class="notice ok" role="status">{format!("The {what} was deleted.")}</p> })}
        {unconfirmed.then(|| view! {
            <p class="notice warn" role="status">
                "PostGrid accepted the change, but the portal could not read its answer, so it was probably made. Check the list below before doing it again."
            </p>
        })}
    }
}

/// An order's progress: ready → printing → processed for delivery → completed, or cancelled
/// with its reason and note.
#[component]
pub fn OrderProgress(order: Order) -> impl IntoView {
    let reached = ORDER_PROGRESS.iter().position(|s| *s == order.status);
    let cancelled = order.status == "cancelled";
    let known = reached.is_some() || cancelled;
    view! {
        <ol class="progress" aria-label="Status">
            {ORDER_PROGRESS.iter().enumerate().map(|(n, step)| {
                let state = match reached {
                    Some(at) if n < at => "done",
                    Some(at) if n == at => "current",
                    _ => "todo",
                };
                view! {
                    <li class=state aria-current=(state == "current").then_some("step")>
                        {status_label(step)}
                    </li>
                }
            }).collect_view()}
        </ol>
        {cancelled.then(|| {
            let c = order.cancellation.clone();
            view! {
                <p class="notice warn" role="status">
                    {format!("Cancelled{}.", c.as_ref().map(|c| format!(" ({})", c.reason.replace('_', " "))).unwrap_or_default())}
                    {c.and_then(|c| c.note).map(|note| view! { " Note: " <q>{note}</q> })}
                </p>
            }
        })}
        {(!known).then(|| view! { <p class="notice">{format!("PostGrid reports the status {}.", order.status)}</p> })}
    }
}

pub fn status_label(status: &str) -> String {
    let words = status.replace('_', " ");
    let mut chars = words.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// PostGrid's PDF preview, as a link only when it is an https address (it is untrusted text).
#[component]
pub fn PreviewLink(url: Option<String>) -> impl IntoView {
    let safe = url.filter(|u| url::Url::parse(u).is_ok_and(|parsed| parsed.scheme() == "https"));
    match safe {
        Some(href) => view! {
            <a href=href rel="noreferrer noopener" target="_blank">"PDF preview"</a>
            " (PostGrid's link is valid for a short while; reload this page for a fresh one)"
        }
        .into_any(),
        None => view! { "Not rendered yet" }.into_any(),
    }
}

/// The tick a live-mode change needs, with the sentence that names what it does.
#[component]
pub fn LiveConfirm(feedback: crate::web::FormFeedback, says: String) -> impl IntoView {
    let live =
        use_context::<AppState>().is_some_and(|s| s.config.postgrid_mode == PostgridMode::Live);
    let problem = feedback.problem("confirm_live");
    live.then(|| {
        view! {
            {problem.clone().map(|p| view! { <p class="notice error" role="alert">{p}</p> })}
            <label class="check">
                <input type="checkbox" name="confirm_live" value="yes"
                    aria-invalid=problem.is_some().then_some("true")/>
                {format!(" {says}")}
            </label>
        }
    })
}
