use leptos::prelude::*;
use leptos_meta::Title;

use crate::app::components::field::{Field, FormProblem};
use crate::app::request::{feedback_for, query_param};
use crate::auth::password::MIN_LENGTH;
use crate::web::FormId;

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
