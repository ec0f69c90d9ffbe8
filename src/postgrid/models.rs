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

/// A contact as `/contacts` answers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    pub id: String,
    #[serde(default = "contact_object")]
    pub object: String,
    pub live: bool,
    #[serde(flatten)]
    pub person: Addressee,
    pub created_at: String,
    pub updated_at: String,
}

fn contact_object() -> String {
    "contact".to_owned()
}

/// A contact as an order embeds it in `to` and `from`. PostGrid's description says it is a
/// whole contact, but the answers public clients recorded (PostGrid's older Node SDK README, a
/// Go client's test against a test key, a C# client's fixtures) carry no `live`, `createdAt` or
/// `updatedAt` there, so none of them is required.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderContact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live: Option<bool>,
    #[serde(flatten)]
    pub person: Addressee,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

impl From<&Contact> for OrderContact {
    fn from(contact: &Contact) -> Self {
        Self {
            id: Some(contact.id.clone()),
            object: Some(contact.object.clone()),
            live: Some(contact.live),
            person: contact.person.clone(),
            created_at: Some(contact.created_at.clone()),
            updated_at: Some(contact.updated_at.clone()),
        }
    }
}

/// Who a contact is and where mail reaches them: what a stored and an embedded contact share.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Addressee {
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
    /// A string in PostGrid's description; tolerated in any JSON shape.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_errors: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_verification: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force_verified_status: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

/// The body of `POST /contacts`: one of `first_name` or `company_name` is required.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewContact {
    #[serde(flatten)]
    pub person: Addressee,
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

/// What letters and postcards share: the order's recipient, schedule and progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub live: bool,
    pub status: String,
    pub to: OrderContact,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge_variables: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mailing_class: Option<String>,
    /// PostGrid's signed link to the PDF preview, once rendered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imb_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imb_date: Option<String>,
    #[serde(
        default,
        rename = "imbZIPCode",
        skip_serializing_if = "Option::is_none"
    )]
    pub imb_zip_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_count: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancellation: Option<Cancellation>,
    pub created_at: String,
    pub updated_at: String,
}

/// Why an order was cancelled, and by whom.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cancellation {
    #[serde(default)]
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_by_user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Letter {
    pub id: String,
    #[serde(default = "letter_object")]
    pub object: String,
    #[serde(flatten)]
    pub order: Order,
    pub from: OrderContact,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub double_sided: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_placement: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub envelope: Option<String>,
}

fn letter_object() -> String {
    "letter".to_owned()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Postcard {
    pub id: String,
    #[serde(default = "postcard_object")]
    pub object: String,
    #[serde(flatten)]
    pub order: Order,
    /// Optional for postcards, unlike letters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<OrderContact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub front_template: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub back_template: Option<String>,
}

fn postcard_object() -> String {
    "postcard".to_owned()
}

/// The body of `POST /letters` the portal sends: contacts of the same org, and a template of
/// it or HTML, with the choices that drive the price.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewLetter {
    pub to: String,
    pub from: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge_variables: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mailing_class: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub double_sided: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_placement: Option<String>,
}

/// What a delete answers: `{"object": "contact", "id": "…", "deleted": true}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deleted {
    pub object: String,
    pub id: String,
    pub deleted: bool,
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
