//! Letters and postcards in the simulator: the fields PostGrid's description requires on
//! every order, letter creation with its choices, and cancellation.

use axum::http::StatusCode;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::contacts::{build_contact, check_contact};
use super::store::{answer, error, now, validation, Kind, Org, Reply, Store};
use crate::postgrid::choices::{ADDRESS_PLACEMENTS, LETTER_SIZES, MAILING_CLASSES};
use crate::postgrid::models::{Cancellation, Contact, Letter, NewContact, Order, OrderContact};

/// *inferred*: the signed PDF preview link PostGrid renders for every order. The simulator
/// renders nothing, so it points at a host that never resolves.
pub fn preview_url(id: &str) -> String {
    format!("https://previews.postgrid-sim.invalid/{id}.pdf")
}

/// An order's common fields as a new one starts: `ready`, and due today unless scheduled.
pub fn new_order(to: &Contact, live: bool, at: &str) -> Order {
    Order {
        live,
        status: "ready".to_owned(),
        to: OrderContact::from(to),
        description: None,
        metadata: None,
        merge_variables: None,
        send_date: Some(at.to_owned()),
        mailing_class: Some("first_class".to_owned()),
        url: None,
        tracking_number: None,
        imb_status: None,
        imb_date: None,
        imb_zip_code: None,
        page_count: None,
        cancellation: None,
        created_at: at.to_owned(),
        updated_at: at.to_owned(),
    }
}

fn text_field(body: &Value, field: &str) -> Result<Option<String>, Reply> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(validation(field, "must be a string")),
    }
}

fn one_of(body: &Value, field: &str, allowed: &[&str], default: &str) -> Result<String, Reply> {
    match text_field(body, field)? {
        None => Ok(default.to_owned()),
        Some(value) if allowed.contains(&value.as_str()) => Ok(value),
        Some(_) => Err(validation(
            field,
            &format!("must be one of {}", allowed.join(", ")),
        )),
    }
}

fn flag(body: &Value, field: &str) -> Result<bool, Reply> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(validation(field, "must be a boolean")),
    }
}

fn object_field(body: &Value, field: &str) -> Result<Option<Value>, Reply> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(value @ Value::Object(_)) => Ok(Some(value.clone())),
        Some(_) => Err(validation(field, "must be an object")),
    }
}

impl Store {
    pub fn create_letter(&mut self, org: &Org, body: &Value, live: bool) -> Reply {
        match self.build_letter(org, body, live) {
            Ok(letter) => {
                self.insert_letter(org, letter.clone());
                // A public client waits for `url` after creating: the preview is rendered
                // afterwards, so the create answer has none yet.
                let mut created = letter;
                created.order.url = None;
                answer(StatusCode::CREATED, &created)
            }
            Err(reply) => reply,
        }
    }

    fn build_letter(&mut self, org: &Org, body: &Value, live: bool) -> Result<Letter, Reply> {
        let to = self.letter_party(org, body, "to", live)?;
        let from = self.letter_party(org, body, "from", live)?;
        let sources = ["template", "html", "pdf"]
            .iter()
            .filter(|k| body.get(**k).is_some_and(|v| !v.is_null()))
            .count();
        if sources != 1 {
            return Err(validation(
                "template",
                "or exactly one of 'html' or 'pdf' must be provided",
            ));
        }
        let template = text_field(body, "template")?;
        if let Some(id) = &template {
            if !self.org(org).templates.iter().any(|t| &t.id == id) {
                return Err(Kind::Templates.not_found(id));
            }
        }
        let at = now();
        let send_date = match text_field(body, "sendDate")? {
            None => at.clone(),
            Some(raw) => match OffsetDateTime::parse(&raw, &Rfc3339) {
                Ok(when) => super::store::timestamp(when),
                Err(_) => return Err(validation("sendDate", "must be a valid ISO 8601 date")),
            },
        };
        let id = self.new_id("letter_");
        let mut order = new_order(&to, live, &at);
        order.description = text_field(body, "description")?;
        order.metadata = object_field(body, "metadata")?;
        order.merge_variables = object_field(body, "mergeVariables")?;
        order.send_date = Some(send_date);
        order.mailing_class = Some(one_of(
            body,
            "mailingClass",
            &MAILING_CLASSES,
            "first_class",
        )?);
        order.url = Some(preview_url(&id));
        order.page_count = Some(1);
        Ok(Letter {
            id,
            object: "letter".to_owned(),
            order,
            from: OrderContact::from(&from),
            template,
            html: text_field(body, "html")?,
            size: Some(one_of(body, "size", &LETTER_SIZES, "us_letter")?),
            color: Some(flag(body, "color")?),
            double_sided: Some(flag(body, "doubleSided")?),
            address_placement: Some(one_of(
                body,
                "addressPlacement",
                &ADDRESS_PLACEMENTS,
                "top_first_page",
            )?),
            envelope: Some(text_field(body, "envelope")?.unwrap_or_else(|| "standard".to_owned())),
        })
    }

    /// `to`/`from`: a contact id of this organization, or an inline contact.
    fn letter_party(
        &mut self,
        org: &Org,
        body: &Value,
        field: &str,
        live: bool,
    ) -> Result<Contact, Reply> {
        match body.get(field) {
            Some(Value::String(id)) => self
                .org(org)
                .contacts
                .iter()
                .find(|c| &c.id == id)
                .cloned()
                // Another organization's contact is unknown here, like any other id.
                .ok_or_else(|| Kind::Contacts.not_found(id)),
            Some(inline @ Value::Object(_)) => {
                let new: NewContact = serde_json::from_value(inline.clone())
                    .map_err(|_| validation(field, "is not a valid contact or contact ID"))?;
                check_contact(&new.person)?;
                Ok(build_contact(self.new_id("contact_"), new, live, now()))
            }
            _ => Err(validation(field, "is not a valid contact or contact ID")),
        }
    }

    /// Cancels a letter that is still `ready`, keeping the note that came with it.
    pub fn cancel_letter(&mut self, org: &Org, id: &str, note: Option<String>) -> Reply {
        let Some(letter) = self.org(org).letters.iter_mut().find(|l| l.id == id) else {
            return Kind::Letters.not_found(id);
        };
        if letter.order.status != "ready" {
            // *inferred*: PostGrid documents only that cancelling "cannot be undone".
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "order_cancellation_error",
                "Only an order whose status is 'ready' can be cancelled.",
            );
        }
        letter.order.status = "cancelled".to_owned();
        letter.order.cancellation = Some(Cancellation {
            reason: "user_initiated".to_owned(),
            cancelled_by_user: Some("user_simulated".to_owned()),
            note: note.filter(|n| !n.trim().is_empty()),
        });
        letter.order.updated_at = now();
        answer(StatusCode::OK, &*letter)
    }
}
