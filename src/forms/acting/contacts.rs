//! Creating a contact (once per rendered form, saying when PostGrid matched an existing one)
//! and deleting one after confirming.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use time::OffsetDateTime;

use super::{after_submit, delete_confirmed, parse_metadata, text, writable, ConfirmForm, Doomed};
use crate::domain::text::{is_phone, LINE_MAX_CHARS};
use crate::domain::{CountryCode, Email, Timestamp};
use crate::forms::once::{keep_or_renew, submit_once};
use crate::forms::{show_again, FormFeedback};
use crate::postgrid::models::{Addressee, Contact, NewContact};
use crate::postgrid::OrgOperation;
use crate::state::AppState;
use crate::web::extract::{ActingNow, FormData};
use crate::web::FormId;

const LIST: &str = "/impersonation/contacts";

#[derive(Deserialize, Default)]
pub struct ContactForm {
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    company_name: String,
    #[serde(default)]
    job_title: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone_number: String,
    #[serde(default)]
    address_line1: String,
    #[serde(default)]
    address_line2: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    province_or_state: String,
    #[serde(default)]
    postal_or_zip: String,
    #[serde(default)]
    country_code: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    metadata: String,
    #[serde(default)]
    skip_verification: Option<String>,
    #[serde(default)]
    force_verified_status: Option<String>,
    #[serde(default)]
    token: String,
}

impl ContactForm {
    /// The one-line fields, each limited to a line's length.
    fn lines(&self) -> [(&'static str, &String); 13] {
        [
            ("first_name", &self.first_name),
            ("last_name", &self.last_name),
            ("company_name", &self.company_name),
            ("job_title", &self.job_title),
            ("email", &self.email),
            ("phone_number", &self.phone_number),
            ("address_line1", &self.address_line1),
            ("address_line2", &self.address_line2),
            ("city", &self.city),
            ("province_or_state", &self.province_or_state),
            ("postal_or_zip", &self.postal_or_zip),
            ("country_code", &self.country_code),
            ("description", &self.description),
        ]
    }

    fn typed(&self) -> FormFeedback {
        let ticked = |b: &Option<String>| {
            if b.as_deref() == Some("yes") {
                "yes"
            } else {
                ""
            }
        };
        self.lines()
            .into_iter()
            .fold(
                FormFeedback::new(FormId::Contact),
                |feedback, (name, value)| feedback.value(name, value.trim()),
            )
            .value("metadata", self.metadata.trim())
            .value("skip_verification", ticked(&self.skip_verification))
            .value("force_verified_status", ticked(&self.force_verified_status))
    }
}

/// Each field checked in one place; the error is what was typed with a problem per field.
impl TryFrom<&ContactForm> for NewContact {
    type Error = FormFeedback;

    fn try_from(f: &ContactForm) -> Result<Self, FormFeedback> {
        let mut feedback = f
            .lines()
            .into_iter()
            .fold(f.typed(), |feedback, (name, value)| {
                feedback.within(name, value, LINE_MAX_CHARS)
            });
        if text(&f.first_name).is_none() && text(&f.company_name).is_none() {
            feedback = feedback.error("first_name", "Enter a first name or a company name.");
        }
        if text(&f.address_line1).is_none() {
            feedback = feedback.error("address_line1", "Enter the first line of the address.");
        }
        let country = CountryCode::parse(&f.country_code);
        if country.is_err() {
            feedback = feedback.error("country_code", "Choose the country from the list.");
        }
        if text(&f.email).is_some() && Email::parse(&f.email).is_err() {
            feedback = feedback.error(
                "email",
                "Enter an email such as name@example.com, or leave it empty.",
            );
        }
        if text(&f.phone_number).is_some() && !is_phone(f.phone_number.trim()) {
            feedback = feedback.error(
                "phone_number",
                "Enter a phone number of 7 to 15 digits, such as +1 555 010 0199, or leave it empty.",
            );
        }
        let metadata = parse_metadata(&f.metadata);
        if let Err(problem) = &metadata {
            feedback = feedback.error("metadata", problem.clone());
        }
        let (Ok(country), Ok(metadata), false) = (country, metadata, feedback.has_errors()) else {
            return Err(feedback);
        };
        let ticked = |b: &Option<String>| (b.as_deref() == Some("yes")).then_some(true);
        Ok(Self {
            person: Addressee {
                first_name: text(&f.first_name),
                last_name: text(&f.last_name),
                company_name: text(&f.company_name),
                job_title: text(&f.job_title),
                email: text(&f.email),
                phone_number: text(&f.phone_number),
                address_line1: f.address_line1.trim().to_owned(),
                address_line2: text(&f.address_line2),
                city: text(&f.city),
                province_or_state: text(&f.province_or_state),
                postal_or_zip: text(&f.postal_or_zip),
                country_code: country.to_string(),
                description: text(&f.description),
                metadata,
                skip_verification: ticked(&f.skip_verification),
                force_verified_status: ticked(&f.force_verified_status),
                ..Addressee::default()
            },
        })
    }
}

/// Whether PostGrid answered a create with a contact it already had: PostGrid merges a
/// contact identical to an existing one and returns that one, which was made before this
/// request was sent (a minute of clock difference allowed) or has been updated since (more
/// than a second after it was made: the two stamps of a new one may differ by milliseconds).
fn matched_existing(contact: &Contact, sent_at: OffsetDateTime) -> bool {
    let created = Timestamp::parse(&contact.created_at).map(|at| at.time());
    let updated = Timestamp::parse(&contact.updated_at).map(|at| at.time());
    let before = created.is_some_and(|at| at < sent_at - time::Duration::minutes(1));
    let touched = match (created, updated) {
        (Some(created), Some(updated)) => updated - created > time::Duration::seconds(1),
        _ => contact.created_at != contact.updated_at,
    };
    before || touched
}

pub async fn create(
    State(state): State<AppState>,
    acting: ActingNow,
    FormData { head, fields: form }: FormData<ContactForm>,
) -> Result<Response, crate::web::AppError> {
    if let Err(refused) = writable(
        &state,
        &head,
        &acting,
        OrgOperation::ContactsCreate,
        &form.typed(),
    )
    .await
    {
        return Ok(refused);
    }
    let typed = keep_or_renew(&state, acting.me.id, &form.token, form.typed());
    let new = NewContact::try_from(&form).map_err(|f| f.merged(&typed));
    let new = match (new, typed.has_errors()) {
        (Ok(new), false) => new,
        (Err(problems), _) => {
            return Ok(show_again(state, head, problems, StatusCode::UNPROCESSABLE_ENTITY).await)
        }
        (Ok(_), true) => {
            return Ok(show_again(state, head, typed, StatusCode::UNPROCESSABLE_ENTITY).await)
        }
    };
    let client = acting.client.clone();
    let sent_at = state.clock.now();
    let submitted = submit_once(
        &state,
        &form.token,
        acting.me.id,
        |c: &Contact| &c.id,
        |key| async move { client.create_contact(&new, &key).await },
    )
    .await?;
    Ok(after_submit(
        state,
        head,
        acting.me.id,
        typed,
        submitted,
        LIST,
        |contact| {
            let notice = if matched_existing(&contact, sent_at) {
                "?matched=1"
            } else {
                "?created=1"
            };
            crate::web::paths::see_resource(LIST, &contact.id, notice)
        },
    )
    .await)
}

/// Deletes a contact after its confirmation page (orders already sent to it keep their copy).
pub async fn delete(
    State(state): State<AppState>,
    acting: ActingNow,
    Path(id): Path<String>,
    FormData { head, fields: form }: FormData<ConfirmForm>,
) -> Response {
    let doomed = Doomed {
        operation: OrgOperation::ContactsDelete,
        form: FormId::ContactDelete,
        what: "contact",
        list: LIST,
    };
    let client = acting.client.clone();
    let send = |id: String| async move { client.delete_contact(&id).await.map(|_| ()) };
    delete_confirmed(state, head, acting, id, form, doomed, send).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn contact(created: &str, updated: &str) -> Contact {
        serde_json::from_value(serde_json::json!({
            "id": "contact_a", "object": "contact", "live": false,
            "addressLine1": "1 Road", "countryCode": "US",
            "createdAt": created, "updatedAt": updated,
        }))
        .expect("a contact")
    }

    #[test]
    fn a_contact_made_before_the_request_or_touched_since_was_matched() {
        let sent = datetime!(2026-12-01 12:00:00 UTC);
        let new = contact("2026-12-01T12:00:00.400Z", "2026-12-01T12:00:00.412Z");
        assert!(!matched_existing(&new, sent), "milliseconds apart: new");
        let old = contact("2026-11-01T09:00:00.000Z", "2026-11-01T09:00:00.000Z");
        assert!(matched_existing(&old, sent), "made a month before");
        let touched = contact("2026-12-01T11:59:30.000Z", "2026-12-01T12:00:00.300Z");
        assert!(matched_existing(&touched, sent), "updated by this request");
    }
}
