//! A labelled form field with its message beside it, wired for screen readers.

use leptos::prelude::*;

use crate::app::escape::escape_text;
use crate::web::FormFeedback;

#[component]
pub fn Field(
    feedback: FormFeedback,
    name: &'static str,
    label: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "")] autocomplete: &'static str,
    #[prop(default = true)] required: bool,
    /// Passwords are never shown again.
    #[prop(default = true)]
    keep_value: bool,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(default = "")] id_prefix: &'static str,
    #[prop(optional)] maxlength: Option<usize>,
) -> impl IntoView {
    let id = format!("{id_prefix}{name}");
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let problem = feedback.problem(name);
    let described = match (hint.is_some(), problem.is_some()) {
        (true, true) => Some(format!("{hint_id} {error_id}")),
        (true, false) => Some(hint_id.clone()),
        (false, true) => Some(error_id.clone()),
        (false, false) => None,
    };
    let value = keep_value.then(|| feedback.typed(name));
    view! {
        <label for=id.clone()>{label}</label>
        {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
        <input
            id=id
            name=name
            type=kind
            value=value
            maxlength=maxlength
            autocomplete=(!autocomplete.is_empty()).then_some(autocomplete)
            required=required
            aria-invalid=problem.is_some().then_some("true")
            aria-describedby=described
        />
        {problem.map(|p| view! { <p class="field-error" id=error_id>{p}</p> })}
    }
}

/// A message about the whole form, announced to screen readers.
#[component]
pub fn FormProblem(feedback: FormFeedback) -> impl IntoView {
    feedback.problem("").map(|message| {
        view! { <p class="notice error" role="alert">{message}</p> }
    })
}

/// A text area holding `value` exactly, whatever it contains: the renderer writes a text
/// area's children unescaped, so the text goes in escaped (see `app::escape`), after a newline
/// because HTML drops one newline right after `<textarea>` (a value starting with one keeps it).
#[component]
pub fn TextArea(
    id: &'static str,
    name: &'static str,
    value: String,
    #[prop(default = 2)] rows: u32,
    #[prop(optional)] minlength: Option<usize>,
    #[prop(optional)] maxlength: Option<usize>,
    #[prop(optional)] describedby: Option<&'static str>,
    #[prop(default = false)] invalid: bool,
    #[prop(default = true)] required: bool,
) -> impl IntoView {
    view! {
        <textarea id=id name=name rows=rows required=required minlength=minlength maxlength=maxlength
            aria-describedby=describedby aria-invalid=invalid.then_some("true")
            inner_html=format!("\n{}", escape_text(&value))></textarea>
    }
}
