//! Creating a letter (from a template or HTML, with its merge variables and the choices that
//! drive the price; once per rendered form) and cancelling one that is still `ready`.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Map, Value};
use time::macros::format_description;
use time::Date;

use super::{after_submit, is_live, parse_metadata, text, upstream_feedback, writable};
use crate::domain::text::{LINE_MAX_CHARS, REASON_MAX_CHARS, TEMPLATE_HTML_MAX_CHARS};
use crate::forms::once::{keep_or_renew, submit_once};
use crate::forms::{show_again, FormFeedback};
use crate::postgrid::choices::{ADDRESS_PLACEMENTS, LETTER_SIZES, MAILING_CLASSES};
use crate::postgrid::models::{Letter, NewLetter};
use crate::postgrid::{merge_variables, OrgClient, OrgOperation, PostgridError};
use crate::state::AppState;
use crate::web::extract::{ActingNow, FormData};
use crate::web::paths::see_resource;
use crate::web::{AppError, FormId};

const LIST: &str = "/impersonation/letters";
/// A merge variable's form field is `merge.` and its name.
pub const MERGE_PREFIX: &str = "merge.";

#[derive(Deserialize, Default)]
pub struct LetterForm {
    #[serde(default)]
    to: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    template: String,
    #[serde(default)]
    html: String,
    #[serde(default)]
    mailing_class: String,
    #[serde(default)]
    size: String,
    #[serde(default)]
    address_placement: String,
    #[serde(default)]
    color: Option<String>,
    #[serde(default)]
    double_sided: Option<String>,
    #[serde(default)]
    send_date: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    metadata: String,
    #[serde(default)]
    confirm_live: Option<String>,
    #[serde(default)]
    token: String,
    /// The merge variables, as `merge.<name>` fields.
    #[serde(flatten)]
    rest: HashMap<String, String>,
}

impl LetterForm {
    fn merge_fields(&self) -> impl Iterator<Item = (&str, &String)> {
        self.rest
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix(MERGE_PREFIX)?, v)))
    }

    fn typed(&self) -> FormFeedback {
        let ticked = |b: &Option<String>| {
            if b.as_deref() == Some("yes") {
                "yes"
            } else {
                ""
            }
        };
        let feedback = FormFeedback::new(FormId::Letter)
            .value("to", self.to.trim())
            .value("from", self.from.trim())
            .value("template", self.template.trim())
            .value("html", &self.html)
            .value("mailing_class", self.mailing_class.trim())
            .value("size", self.size.trim())
            .value("address_placement", self.address_placement.trim())
            .value("color", ticked(&self.color))
            .value("double_sided", ticked(&self.double_sided))
            .value("send_date", self.send_date.trim())
            .value("description", self.description.trim())
            .value("metadata", self.metadata.trim());
        self.merge_fields()
            .fold(feedback, |feedback, (name, value)| {
                feedback.value(&format!("{MERGE_PREFIX}{name}"), value.trim())
            })
    }
}

/// The letter's content as chosen: a template of this sub-organization, or HTML.
enum Content {
    Template(String),
    Html(String),
}

/// Reads one of a closed list, empty meaning PostGrid's default (the list's first).
fn choice(
    feedback: FormFeedback,
    field: &str,
    raw: &str,
    allowed: &[&str],
) -> (FormFeedback, Option<String>) {
    let raw = raw.trim();
    match raw {
        "" => (feedback, Some(allowed[0].to_owned())),
        known if allowed.contains(&known) => (feedback, Some(known.to_owned())),
        _ => (
            feedback.error(field, "Choose one of the listed options."),
            None,
        ),
    }
}

/// The send date: empty for as soon as possible, else a day from today on. PostGrid moves a
/// letter to printing the day after its send date; noon UTC keeps the day the same in every
/// North American time zone.
fn send_date(raw: &str, today: Date) -> Result<Option<String>, &'static str> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let day = Date::parse(raw, format_description!("[year]-[month]-[day]")).map_err(|_| {
        "Enter the date as YYYY-MM-DD, or leave it empty to send as soon as possible."
    })?;
    if day < today {
        return Err("The send date cannot be in the past.");
    }
    Ok((day > today).then(|| format!("{day}T12:00:00.000Z")))
}

/// What is wrong with a letter form, and the status the page answers with (422 for the
/// fields; PostGrid's own when reading the template failed).
type Problems = (FormFeedback, StatusCode);

/// Checks every field, and that each merge variable the content uses has a value. The
/// template is read from PostGrid to know its variables (a read, audited like any other).
async fn check(f: &LetterForm, client: &OrgClient, today: Date) -> Result<NewLetter, Problems> {
    let mut feedback = f.typed();
    for (field, value, message) in [
        ("to", &f.to, "Choose who the letter goes to."),
        ("from", &f.from, "Choose who the letter is from."),
    ] {
        if text(value).is_none() {
            feedback = feedback.error(field, message);
        }
        feedback = feedback.within(field, value, LINE_MAX_CHARS);
    }
    feedback = feedback
        .within("description", &f.description, LINE_MAX_CHARS)
        .within("template", &f.template, LINE_MAX_CHARS)
        .within("html", &f.html, TEMPLATE_HTML_MAX_CHARS);
    let content = match (text(&f.template), f.html.trim().is_empty()) {
        (Some(id), true) => Some(Content::Template(id)),
        (None, false) => Some(Content::Html(f.html.clone())),
        (Some(_), false) => {
            feedback = feedback.error("html", "Use the template or HTML, not both: clear one.");
            None
        }
        (None, true) => {
            feedback = feedback.error("template", "Choose a template, or enter the letter's HTML.");
            None
        }
    };
    let html = match &content {
        Some(Content::Template(id)) if !feedback.has_errors() => {
            match client.get_template(id).await {
                Ok(template) => template.html.unwrap_or_default(),
                Err(PostgridError::NotFound { .. }) => {
                    feedback =
                        feedback.error("template", "This sub-organization has no such template.");
                    String::new()
                }
                Err(error) => return Err(upstream_feedback(feedback, error)),
            }
        }
        Some(Content::Html(html)) => html.clone(),
        _ => String::new(),
    };
    let given: HashMap<&str, &String> = f.merge_fields().collect();
    let mut merge = Map::new();
    for name in merge_variables::used_in(&html) {
        match given
            .get(name.as_str())
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
        {
            Some(value) => {
                feedback = feedback.within(&format!("{MERGE_PREFIX}{name}"), value, LINE_MAX_CHARS);
                merge.insert(name, Value::String(value.to_owned()));
            }
            None => {
                let field = format!("{MERGE_PREFIX}{name}");
                feedback = feedback.value(&field, "").error(
                    &field,
                    format!("Enter the value of {{{{{name}}}}}: the letter uses it."),
                );
            }
        }
    }
    let (feedback_, mailing_class) = choice(
        feedback,
        "mailing_class",
        &f.mailing_class,
        &MAILING_CLASSES,
    );
    let (feedback_, size) = choice(feedback_, "size", &f.size, &LETTER_SIZES);
    let (mut feedback, address_placement) = choice(
        feedback_,
        "address_placement",
        &f.address_placement,
        &ADDRESS_PLACEMENTS,
    );
    let when = send_date(&f.send_date, today);
    if let Err(problem) = when {
        feedback = feedback.error("send_date", problem);
    }
    let metadata = parse_metadata(&f.metadata);
    if let Err(problem) = &metadata {
        feedback = feedback.error("metadata", problem.clone());
    }
    let (Some(content), Ok(send_date), Ok(metadata), false) =
        (content, when, metadata, feedback.has_errors())
    else {
        return Err((feedback, StatusCode::UNPROCESSABLE_ENTITY));
    };
    let (template, html) = match content {
        Content::Template(id) => (Some(id), None),
        Content::Html(html) => (None, Some(html)),
    };
    Ok(NewLetter {
        to: f.to.trim().to_owned(),
        from: f.from.trim().to_owned(),
        template,
        html,
        merge_variables: (!merge.is_empty()).then_some(Value::Object(merge)),
        description: text(&f.description),
        metadata,
        send_date,
        mailing_class,
        size,
        color: Some(f.color.as_deref() == Some("yes")),
        double_sided: Some(f.double_sided.as_deref() == Some("yes")),
        address_placement,
    })
}

/// What the live confirmation names: the sub-organization and what drives the price.
pub fn price_summary(sub_org: &str, new: &NewLetter) -> String {
    format!(
        "Confirm: this letter is printed and mailed for {sub_org}, which is charged for it: {}, {}, {}, {}. PostGrid counts the pages from the rendered content.",
        new.mailing_class.as_deref().unwrap_or("first_class"),
        if new.color == Some(true) { "colour" } else { "black and white" },
        new.size.as_deref().unwrap_or("us_letter"),
        if new.double_sided == Some(true) { "double-sided" } else { "single-sided" },
    )
}

/// Which chosen resource PostGrid says it does not know: its message names the id.
fn unknown_reference(
    error: &PostgridError,
    new: &NewLetter,
) -> Option<(&'static str, &'static str)> {
    let PostgridError::NotFound { message } = error else {
        return None;
    };
    let named = |id: &str| !id.is_empty() && message.contains(id);
    if named(&new.to) {
        Some((
            "to",
            "The recipient is not a contact of this sub-organization.",
        ))
    } else if named(&new.from) {
        Some((
            "from",
            "The sender is not a contact of this sub-organization.",
        ))
    } else if new.template.as_deref().is_some_and(named) {
        Some((
            "template",
            "The template is not one of this sub-organization's.",
        ))
    } else {
        None
    }
}

pub async fn create(
    State(state): State<AppState>,
    acting: ActingNow,
    FormData { head, fields: form }: FormData<LetterForm>,
) -> Result<Response, AppError> {
    if let Err(refused) = writable(
        &state,
        &head,
        &acting,
        OrgOperation::LettersCreate,
        &form.typed(),
    )
    .await
    {
        return Ok(refused);
    }
    let typed = keep_or_renew(&state, acting.me.id, &form.token, form.typed());
    let client = acting.client.clone();
    let checked = check(&form, &client, state.clock.now().date()).await;
    let unprocessable = |feedback: FormFeedback| (feedback, StatusCode::UNPROCESSABLE_ENTITY);
    let new = match checked {
        Ok(new) if is_live(&state) && form.confirm_live.as_deref() != Some("yes") => {
            let message = price_summary(&acting.imp.sub_org_name, &new);
            Err(unprocessable(typed.clone().error("confirm_live", message)))
        }
        Ok(_) if typed.has_errors() => Err(unprocessable(typed.clone())),
        other => other.map_err(|(f, status)| (f.merged(&typed), status)),
    };
    let new = match new {
        Ok(new) => new,
        Err((problems, status)) => return Ok(show_again(state, head, problems, status).await),
    };
    let sending = new.clone();
    let submitted = submit_once(
        &state,
        &form.token,
        acting.me.id,
        |l: &Letter| &l.id,
        |key| async move { client.create_letter(&sending, &key).await },
    )
    .await?;
    let submitted = match submitted {
        crate::forms::once::Submitted::Sent(Err(error)) => match unknown_reference(&error, &new) {
            Some((field, message)) => {
                let typed = crate::forms::once::after_refusal(&state, acting.me.id, typed, &error);
                let feedback = typed.error(field, message);
                return Ok(
                    show_again(state, head, feedback, StatusCode::UNPROCESSABLE_ENTITY).await,
                );
            }
            None => crate::forms::once::Submitted::Sent(Err(error)),
        },
        other => other,
    };
    Ok(after_submit(
        state,
        head,
        acting.me.id,
        typed,
        submitted,
        LIST,
        |letter| see_resource(LIST, &letter.id, "?created=1"),
    )
    .await)
}

#[derive(Deserialize, Default)]
pub struct CancelForm {
    #[serde(default)]
    note: String,
    #[serde(default)]
    confirm_live: Option<String>,
}

/// Cancels a letter from its confirmation page, with the note that says why.
pub async fn cancel(
    State(state): State<AppState>,
    acting: ActingNow,
    Path(id): Path<String>,
    FormData { head, fields: form }: FormData<CancelForm>,
) -> Response {
    let mut typed = FormFeedback::new(FormId::LetterCancel)
        .value("id", &id)
        .value("note", form.note.trim());
    if let Err(refused) =
        writable(&state, &head, &acting, OrgOperation::LettersCancel, &typed).await
    {
        return refused;
    }
    if form.note.trim().is_empty() {
        typed = typed.error(
            "note",
            "Say why the letter is cancelled: the note is kept with it.",
        );
    }
    typed = typed.within("note", &form.note, REASON_MAX_CHARS);
    if is_live(&state) && form.confirm_live.as_deref() != Some("yes") {
        typed = typed.error(
            "confirm_live",
            format!(
                "Confirm that this letter of {} is cancelled: it cannot be undone.",
                acting.imp.sub_org_name
            ),
        );
    }
    if typed.has_errors() {
        return show_again(state, head, typed, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let client = acting.client.clone();
    match client.cancel_letter(&id, form.note.trim()).await {
        Ok(letter) => see_resource(LIST, &letter.id, "?cancelled=1"),
        Err(PostgridError::UnreadableSuccess { .. }) => see_resource(LIST, &id, "?unconfirmed=1"),
        Err(error) => {
            let (feedback, status) = upstream_feedback(typed, error);
            show_again(state, head, feedback, status).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_send_date_is_today_or_later() {
        let today = date!(2026 - 12 - 02);
        assert_eq!(send_date("", today), Ok(None));
        assert_eq!(send_date("2026-12-02", today), Ok(None));
        assert_eq!(
            send_date("2026-12-24", today),
            Ok(Some("2026-12-24T12:00:00.000Z".to_owned()))
        );
        assert!(send_date("2026-12-01", today).is_err());
        assert!(send_date("24/12/2026", today).is_err());
    }
}
