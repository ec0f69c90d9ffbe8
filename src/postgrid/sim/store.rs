//! The simulator's in-memory PostGrid: sub-organizations under one parent, and contacts,
//! templates and letters kept apart per organization.

use std::collections::HashMap;

use axum::http::StatusCode;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::search::Search;
use crate::postgrid::models::{
    Contact, ErrorBody, Letter, NewSubOrganization, Postcard, SubOrganization, Template, User,
};
use crate::postgrid::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};

/// Which organization a request acts as.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Org {
    Parent,
    Sub(String),
}

/// An answer: status and JSON body (PostGrid's error shape for errors).
pub type Reply = (StatusCode, Value);

pub fn error(status: StatusCode, kind: &str, message: impl Into<String>) -> Reply {
    let body = serde_json::to_value(ErrorBody::new(kind, message)).unwrap_or(Value::Null);
    (status, body)
}

/// A refused field in PostGrid's words: `Failed to satisfy the following constraints: 'to'
/// is not a valid contact or contact ID.` (the wording public clients recorded).
pub(super) fn validation(field: &str, problem: &str) -> Reply {
    error(
        StatusCode::BAD_REQUEST,
        "validation_error",
        format!("Failed to satisfy the following constraints: '{field}' {problem}."),
    )
}

fn not_found(what: &str) -> Reply {
    error(StatusCode::NOT_FOUND, "not_found_error", what.to_owned())
}

pub fn now() -> String {
    timestamp(OffsetDateTime::now_utc())
}

/// UTC with milliseconds, as PostGrid writes times (`2020-11-12T23:23:47.974Z`).
pub fn timestamp(at: OffsetDateTime) -> String {
    let at = at.replace_millisecond(at.millisecond()).unwrap_or(at);
    at.format(&Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned())
}

#[derive(Debug, Default)]
pub(super) struct OrgData {
    pub(super) contacts: Vec<Contact>,
    pub(super) templates: Vec<Template>,
    pub(super) letters: Vec<Letter>,
    pub(super) postcards: Vec<Postcard>,
}

#[derive(Debug, Default)]
pub struct Store {
    /// Newest first, as PostGrid lists them.
    sub_orgs: Vec<SubOrganization>,
    users: HashMap<String, Vec<User>>,
    data: HashMap<Org, OrgData>,
    /// (org, Idempotency-Key) → (request body, first reply).
    idempotency: HashMap<(Org, String), (Value, Reply)>,
    next_id: u64,
}

impl Store {
    pub fn new_id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!(
            "{prefix}{:012x}{:04x}",
            rand::random::<u64>() >> 16,
            self.next_id & 0xffff
        )
    }

    pub fn has_sub_org(&self, id: &str) -> bool {
        self.sub_orgs.iter().any(|s| s.id.as_str() == id)
    }

    /// Replays the first reply for a repeated `Idempotency-Key`; refuses a reuse with another body.
    pub fn idempotent(
        &mut self,
        org: &Org,
        key: Option<&str>,
        body: &Value,
        create: impl FnOnce(&mut Self) -> Reply,
    ) -> Reply {
        let Some(key) = key else {
            return create(self);
        };
        let slot = (org.clone(), key.to_owned());
        if let Some((first_body, reply)) = self.idempotency.get(&slot) {
            return if first_body == body {
                reply.clone()
            } else {
                // *inferred*: PostGrid's SDK documents replays, not what a changed body gets.
                error(
                    StatusCode::CONFLICT,
                    "idempotency_error",
                    "this Idempotency-Key was already used with a different request",
                )
            };
        }
        let reply = create(self);
        if reply.0.is_success() {
            self.idempotency.insert(slot, (body.clone(), reply.clone()));
        }
        reply
    }

    // --- sub-organizations (parent only) ---

    pub fn insert_sub_org(&mut self, sub_org: SubOrganization, users: Vec<User>) {
        self.users.insert(sub_org.id.to_string(), users);
        self.sub_orgs.insert(0, sub_org);
    }

    pub fn create_sub_org(&mut self, body: &Value) -> Reply {
        let new: NewSubOrganization = match serde_json::from_value(body.clone()) {
            Ok(new) => new,
            Err(_) => {
                return first_missing(
                    body,
                    &[
                        "organizationName",
                        "name",
                        "email",
                        "password",
                        "countryCode",
                    ],
                )
            }
        };
        if let Some(reply) = check_sub_org(&new) {
            return reply;
        }
        let at = now();
        let id = self.new_id("sub_org_");
        let Ok(sub_org_id) = crate::domain::SubOrgId::parse(&id) else {
            return error(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "id");
        };
        let sub_org = SubOrganization {
            id: sub_org_id,
            object: "sub_org".to_owned(),
            name: new.organization_name.trim().to_owned(),
            country_code: new.country_code.clone(),
            limit: 500,
            usage: 0,
            spend: 0,
            created_at: at.clone(),
            updated_at: at,
        };
        let user = User {
            id: self.new_id("user_"),
            email: new.email.trim().to_owned(),
            name: new.name.trim().to_owned(),
            organization: id.clone(),
            pending_invite: false,
            roles: vec![self.new_id("role_")],
            verified_email: true,
            email_preferences: None,
            last_login_time: None,
            phone_number: new.phone_number.clone(),
            previous_emails: None,
        };
        let mut user_json = serde_json::to_value(&user).unwrap_or(Value::Null);
        // The real API returns the new user's keys; the portal must never keep or show them.
        let suffix = self.new_id("");
        user_json["apiKeys"] = json!([
            {"value": format!("live_sk_{suffix}")},
            {"value": format!("test_sk_{suffix}")},
        ]);
        self.insert_sub_org(sub_org.clone(), vec![user]);
        (
            StatusCode::CREATED,
            json!({"subOrganization": sub_org, "user": user_json}),
        )
    }

    pub fn list_sub_orgs(&self, query: &ListQuery) -> Reply {
        let items: Vec<Value> = self
            .sub_orgs
            .iter()
            .filter_map(|s| serde_json::to_value(s).ok())
            .collect();
        query.envelope(items)
    }

    pub fn get_sub_org(&self, id: &str) -> Reply {
        match self.sub_orgs.iter().find(|s| s.id.as_str() == id) {
            Some(s) => (
                StatusCode::OK,
                serde_json::to_value(s).unwrap_or(Value::Null),
            ),
            None => not_found("No sub-organization with that id."),
        }
    }

    /// A bare array, unlike the other lists.
    pub fn list_users(&self, id: &str, query: &ListQuery) -> Reply {
        let Some(users) = self.users.get(id) else {
            return not_found("No sub-organization with that id.");
        };
        let items: Vec<Value> = users
            .iter()
            .filter_map(|u| serde_json::to_value(u).ok())
            .collect();
        let page = query.page(items);
        (StatusCode::OK, Value::Array(page.1))
    }

    // --- org-scoped resources: their writes live in `contacts`, `templates` and `orders` ---

    pub(super) fn org(&mut self, org: &Org) -> &mut OrgData {
        self.data.entry(org.clone()).or_default()
    }

    pub fn insert_contact(&mut self, org: &Org, contact: Contact) {
        self.org(org).contacts.insert(0, contact);
    }

    pub fn insert_template(&mut self, org: &Org, template: Template) {
        self.org(org).templates.insert(0, template);
    }

    pub fn insert_letter(&mut self, org: &Org, letter: Letter) {
        self.org(org).letters.insert(0, letter);
    }

    pub fn insert_postcard(&mut self, org: &Org, postcard: Postcard) {
        self.org(org).postcards.insert(0, postcard);
    }

    pub fn list(&mut self, org: &Org, kind: Kind, query: &ListQuery) -> Reply {
        let data = self.org(org);
        let items = match kind {
            Kind::Contacts => as_values(&data.contacts),
            Kind::Templates => as_values(&data.templates),
            Kind::Letters => as_values(&data.letters),
            Kind::Postcards => as_values(&data.postcards),
        };
        query.envelope(items)
    }

    pub fn get(&mut self, org: &Org, kind: Kind, id: &str) -> Reply {
        let data = self.org(org);
        let found = match kind {
            Kind::Contacts => find_value(&data.contacts, id, |c| &c.id),
            Kind::Templates => find_value(&data.templates, id, |t| &t.id),
            Kind::Letters => find_value(&data.letters, id, |l| &l.id),
            Kind::Postcards => find_value(&data.postcards, id, |p| &p.id),
        };
        match found {
            Some(v) => (StatusCode::OK, v),
            None => kind.not_found(id),
        }
    }
}

fn as_values<T: serde::Serialize>(items: &[T]) -> Vec<Value> {
    items
        .iter()
        .filter_map(|item| serde_json::to_value(item).ok())
        .collect()
}

fn find_value<T: serde::Serialize>(
    items: &[T],
    id: &str,
    id_of: fn(&T) -> &String,
) -> Option<Value> {
    items
        .iter()
        .find(|item| id_of(item) == id)
        .and_then(|item| serde_json::to_value(item).ok())
}

/// A resource's answer as JSON (`status` with the resource as PostGrid shows it).
pub(super) fn answer<T: serde::Serialize>(status: StatusCode, resource: &T) -> Reply {
    (
        status,
        serde_json::to_value(resource).unwrap_or(Value::Null),
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Contacts,
    Templates,
    Letters,
    Postcards,
}

impl Kind {
    /// PostGrid's resource-specific "not found" (`contact_not_found_error`, "Contact with ID …
    /// was not found.") as a C# client's fixtures recorded it for contacts; its description
    /// names only `not_found_error`. The same words for the other kinds are *inferred*.
    pub(super) fn not_found(self, id: &str) -> Reply {
        let singular = match self {
            Self::Contacts => "contact",
            Self::Templates => "template",
            Self::Letters => "letter",
            Self::Postcards => "postcard",
        };
        let mut word = singular.to_owned();
        word[..1].make_ascii_uppercase();
        error(
            StatusCode::NOT_FOUND,
            &format!("{singular}_not_found_error"),
            format!("{word} with ID {id} was not found."),
        )
    }
}

/// `limit`, `skip` and `search` from the query string.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ListQuery {
    pub limit: Option<String>,
    pub skip: Option<String>,
    pub search: Option<String>,
}

impl ListQuery {
    /// Validated paging: a bad number is PostGrid's validation error, not a silent default.
    pub fn bounds(&self) -> Result<(u32, u32), Reply> {
        let number = |field: &str, raw: &Option<String>, default: u32| match raw {
            None => Ok(default),
            Some(s) => s
                .trim()
                .parse::<u32>()
                .map_err(|_| validation(field, "must be a non-negative whole number")),
        };
        let limit = number("limit", &self.limit, DEFAULT_PAGE_SIZE)?;
        let skip = number("skip", &self.skip, 0)?;
        if limit == 0 || limit > MAX_PAGE_SIZE {
            return Err(validation(
                "limit",
                &format!("must be between 1 and {MAX_PAGE_SIZE}"),
            ));
        }
        Ok((limit, skip))
    }

    /// Filters by `search` and cuts one page: (total matching, page).
    fn page(&self, items: Vec<Value>) -> (usize, Vec<Value>) {
        let (limit, skip) = self.bounds().unwrap_or((DEFAULT_PAGE_SIZE, 0));
        let search = self.search.as_deref().and_then(Search::parse);
        let matching: Vec<Value> = items
            .into_iter()
            .filter(|item| search.as_ref().is_none_or(|s| s.matches(item)))
            .collect();
        let total = matching.len();
        let page = matching
            .into_iter()
            .skip(skip as usize)
            .take(limit as usize)
            .collect();
        (total, page)
    }

    fn envelope(&self, items: Vec<Value>) -> Reply {
        let (limit, skip) = match self.bounds() {
            Ok(b) => b,
            Err(reply) => return reply,
        };
        let (total, data) = self.page(items);
        (
            StatusCode::OK,
            json!({"object": "list", "limit": limit, "skip": skip, "totalCount": total, "data": data}),
        )
    }
}

fn first_missing(body: &Value, fields: &[&str]) -> Reply {
    let missing = fields
        .iter()
        .find(|f| !body.get(**f).is_some_and(Value::is_string))
        .copied()
        .unwrap_or("body");
    validation(missing, "is required")
}

fn check_sub_org(new: &NewSubOrganization) -> Option<Reply> {
    if new.organization_name.trim().is_empty() {
        return Some(validation("organizationName", "is required"));
    }
    if new.name.trim().is_empty() {
        return Some(validation("name", "is required"));
    }
    let email = new.email.trim();
    let valid_email = email.split_once('@').is_some_and(|(user, domain)| {
        !user.is_empty() && domain.contains('.') && !email.contains(' ')
    });
    if !valid_email {
        return Some(validation("email", "must be a valid email address"));
    }
    if new.password.chars().count() < 8 {
        return Some(validation("password", "must be at least 8 characters"));
    }
    if !is_country_code(&new.country_code) {
        return Some(validation(
            "countryCode",
            "must be an ISO 3166-1 alpha-2 country code",
        ));
    }
    None
}

pub(super) fn is_country_code(code: &str) -> bool {
    code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase())
}
