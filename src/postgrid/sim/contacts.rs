//! Contacts and templates in the simulator: create (contacts merge like PostGrid's), update and
//! delete.

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::store::{answer, is_country_code, now, validation, Kind, Org, Reply, Store};
use crate::postgrid::models::{Addressee, Contact, NewContact, Template, TemplateFields};

impl Store {
    /// PostGrid's description: a contact identical to an existing one updates that one's
    /// description and returns it, so nothing is duplicated.
    pub fn create_contact(&mut self, org: &Org, body: &Value, live: bool) -> Reply {
        let new: NewContact = match serde_json::from_value(body.clone()) {
            Ok(new) => new,
            Err(_) => return validation("body", "must be a contact object"),
        };
        if let Err(reply) = check_contact(&new.person) {
            return reply;
        }
        let at = now();
        let same = |c: &Contact| c.live == live && same_contact(&c.person, &new.person);
        if let Some(existing) = self.org(org).contacts.iter_mut().find(|c| same(c)) {
            if new.person.description.is_some() {
                existing.person.description = new.person.description;
            }
            existing.updated_at = at;
            return answer(StatusCode::CREATED, &*existing);
        }
        let contact = build_contact(self.new_id("contact_"), new, live, at);
        self.insert_contact(org, contact.clone());
        answer(StatusCode::CREATED, &contact)
    }

    pub fn delete_contact(&mut self, org: &Org, id: &str) -> Reply {
        let contacts = &mut self.org(org).contacts;
        match contacts.iter().position(|c| c.id == id) {
            Some(at) => {
                contacts.remove(at);
                deleted("contact", id)
            }
            None => Kind::Contacts.not_found(id),
        }
    }

    pub fn create_template(&mut self, org: &Org, body: &Value, live: bool) -> Reply {
        let fields: TemplateFields = match serde_json::from_value(body.clone()) {
            Ok(f) => f,
            Err(_) => return validation("body", "must be a template object"),
        };
        let at = now();
        let template = Template {
            id: self.new_id("template_"),
            object: "template".to_owned(),
            live,
            description: fields.description,
            html: Some(fields.html.unwrap_or_default()),
            metadata: fields.metadata,
            created_at: at.clone(),
            updated_at: at,
        };
        self.insert_template(org, template.clone());
        answer(StatusCode::CREATED, &template)
    }

    pub fn update_template(&mut self, org: &Org, id: &str, body: &Value) -> Reply {
        let fields: TemplateFields = match serde_json::from_value(body.clone()) {
            Ok(f) => f,
            Err(_) => return validation("body", "must be a template object"),
        };
        let Some(template) = self.org(org).templates.iter_mut().find(|t| t.id == id) else {
            return Kind::Templates.not_found(id);
        };
        if let Some(html) = fields.html {
            template.html = Some(html);
        }
        if let Some(description) = fields.description {
            template.description = Some(description);
        }
        if let Some(metadata) = fields.metadata {
            template.metadata = Some(metadata);
        }
        template.updated_at = now();
        answer(StatusCode::OK, &*template)
    }

    pub fn delete_template(&mut self, org: &Org, id: &str) -> Reply {
        let templates = &mut self.org(org).templates;
        match templates.iter().position(|t| t.id == id) {
            Some(at) => {
                templates.remove(at);
                deleted("template", id)
            }
            None => Kind::Templates.not_found(id),
        }
    }
}

/// The checks PostGrid's description lists for a new contact.
pub(super) fn check_contact(person: &Addressee) -> Result<(), Reply> {
    let blank = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
    if blank(&person.first_name) && blank(&person.company_name) {
        return Err(validation("firstName", "or 'companyName' must be provided"));
    }
    if person.address_line1.trim().is_empty() {
        return Err(validation("addressLine1", "must be a non-empty string"));
    }
    if !is_country_code(&person.country_code) {
        return Err(validation(
            "countryCode",
            "must be an ISO 3166-1 alpha-2 country code",
        ));
    }
    Ok(())
}

/// A stored contact from a checked new one. Verification is *inferred*: a test key verifies
/// every address, unless asked to skip it (then it is `failed` unless forced to `verified`).
pub(super) fn build_contact(id: String, new: NewContact, live: bool, at: String) -> Contact {
    let mut person = new.person;
    person.country_code = person.country_code.to_ascii_uppercase();
    let skipped = person.skip_verification == Some(true);
    let forced = person.force_verified_status == Some(true);
    person.address_status = Some(
        if skipped && !forced {
            "failed"
        } else {
            "verified"
        }
        .to_owned(),
    );
    person.skip_verification = Some(skipped);
    person.force_verified_status = Some(forced);
    Contact {
        id,
        object: "contact".to_owned(),
        live,
        person,
        created_at: at.clone(),
        updated_at: at,
    }
}

/// *inferred*: "identical information" is every field but the description and metadata,
/// compared as typed (names case-insensitively).
fn same_contact(a: &Addressee, b: &Addressee) -> bool {
    let same = |x: &Option<String>, y: &Option<String>| {
        x.as_deref()
            .unwrap_or_default()
            .trim()
            .eq_ignore_ascii_case(y.as_deref().unwrap_or_default().trim())
    };
    same(&a.first_name, &b.first_name)
        && same(&a.last_name, &b.last_name)
        && same(&a.company_name, &b.company_name)
        && same(&a.job_title, &b.job_title)
        && same(&a.email, &b.email)
        && same(&a.phone_number, &b.phone_number)
        && a.address_line1
            .trim()
            .eq_ignore_ascii_case(b.address_line1.trim())
        && same(&a.address_line2, &b.address_line2)
        && same(&a.city, &b.city)
        && same(&a.province_or_state, &b.province_or_state)
        && same(&a.postal_or_zip, &b.postal_or_zip)
        && a.country_code.eq_ignore_ascii_case(&b.country_code)
}

fn deleted(object: &str, id: &str) -> Reply {
    (
        StatusCode::OK,
        json!({"object": object, "id": id, "deleted": true}),
    )
}
