//! PostGrid's resources as the portal reads them (POSTGRID.md).
//!
//! Unknown fields are tolerated. The API keys PostGrid returns when it creates a sub-organization
//! have no field here on purpose: they are never held, so they cannot be shown, stored or logged.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::SubOrgId;

/// PostGrid's list envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct List<T> {
    pub object: String,
    pub limit: u32,
    pub skip: u32,
    pub total_count: u32,
    pub data: Vec<T>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubOrganization {
    pub id: SubOrgId,
    pub object: String,
    pub name: String,
    pub country_code: String,
    /// Mailings a month before overage charges.
    pub limit: i64,
    /// Mailings sent this month.
    pub usage: i64,
    /// This month's rolling charge, in cents.
    pub spend: i64,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub organization: String,
    pub pending_invite: bool,
    #[serde(default)]
    pub roles: Vec<String>,
    pub verified_email: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_preferences: Option<EmailPreferences>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_login_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_emails: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailPreferences {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_preview_send_preference: Option<String>,
}

/// What creating a sub-organization answers, without the new user's API keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedSubOrganization {
    pub sub_organization: SubOrganization,
    pub user: User,
}

/// The body of `POST /sub_organizations`. The password is sent once and never kept.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewSubOrganization {
    pub organization_name: String,
    pub name: String,
    pub email: String,
    pub password: String,
    pub country_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
}

impl std::fmt::Debug for NewSubOrganization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSubOrganization")
            .field("organization_name", &self.organization_name)
            .field("name", &self.name)
            .field("email", &self.email)
            .field("password", &"[redacted]")
            .field("country_code", &self.country_code)
            .field("phone_number", &self.phone_number)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    pub id: String,
    #[serde(default = "contact_object")]
    pub object: String,
    pub live: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(default)]
    pub address_line1: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line2: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province_or_state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_or_zip: Option<String>,
    #[serde(default)]
    pub country_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_errors: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    pub created_at: String,
    pub updated_at: String,
}

fn contact_object() -> String {
    "contact".to_owned()
}

/// The body of `POST /contacts`: one of `first_name` or `company_name` is required.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewContact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(default)]
    pub address_line1: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line2: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province_or_state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_or_zip: Option<String>,
    #[serde(default)]
    pub country_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Template {
    pub id: String,
    #[serde(default = "template_object")]
    pub object: String,
    pub live: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    pub created_at: String,
    pub updated_at: String,
}

fn template_object() -> String {
    "template".to_owned()
}

/// The body of `POST /templates` and `POST /templates/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Letter {
    pub id: String,
    #[serde(default = "letter_object")]
    pub object: String,
    pub live: bool,
    pub status: String,
    pub to: Contact,
    pub from: Contact,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imb_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancellation: Option<Value>,
    pub created_at: String,
    pub updated_at: String,
}

fn letter_object() -> String {
    "letter".to_owned()
}

/// The body of `POST /letters` the portal sends: contacts and a template of the same org.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewLetter {
    pub to: String,
    pub from: String,
    pub template: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// PostGrid's error body: `{"object": "error", "error": {"type", "message"}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub object: String,
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorDetail {
    #[serde(rename = "type")]
    pub kind: String,
    pub message: String,
}

impl ErrorBody {
    pub fn new(kind: &str, message: impl Into<String>) -> Self {
        Self {
            object: "error".to_owned(),
            error: ErrorDetail {
                kind: kind.to_owned(),
                message: message.into(),
            },
        }
    }
}
