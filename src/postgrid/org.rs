use std::sync::Arc;

use serde::de::DeserializeOwned;

use super::call::{encode_body, Call, CallObserver, Operation};
use super::models::{Contact, Letter, List, NewContact, NewLetter, Template, TemplateFields};
use super::{Page, PostgridError, Transport};
use crate::domain::SubOrgId;
use crate::operation;

/// Proof that the portal may act for one sub-organization right now. Only this crate mints it
/// (the impersonation flow, after its checks), so delegated calls cannot be made without one.
#[derive(Debug, Clone)]
pub struct OrgContext {
    sub_org: SubOrgId,
    /// Whether this context may perform an operation; anything it refuses is never sent.
    allowed: fn(OrgOperation) -> bool,
}

impl OrgContext {
    pub(crate) fn new(sub_org: SubOrgId, allowed: fn(OrgOperation) -> bool) -> Self {
        Self { sub_org, allowed }
    }
}

/// Every operation the portal can perform as a sub-organization. Which of them a mode allows
/// is a `match` in `impersonation::policy`, so a new one cannot be left out there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgOperation {
    ContactsList,
    ContactsGet,
    ContactsCreate,
    TemplatesList,
    TemplatesGet,
    TemplatesCreate,
    TemplatesUpdate,
    LettersList,
    LettersGet,
    LettersCreate,
    LettersCancel,
}

impl OrgOperation {
    pub const ALL: [Self; 11] = [
        Self::ContactsList,
        Self::ContactsGet,
        Self::ContactsCreate,
        Self::TemplatesList,
        Self::TemplatesGet,
        Self::TemplatesCreate,
        Self::TemplatesUpdate,
        Self::LettersList,
        Self::LettersGet,
        Self::LettersCreate,
        Self::LettersCancel,
    ];

    /// The request it makes, and its name in the audit log.
    pub fn spec(self) -> Operation {
        match self {
            Self::ContactsList => operation!("contacts.list", GET, "/contacts"),
            Self::ContactsGet => operation!("contacts.get", GET, "/contacts/{id}"),
            Self::ContactsCreate => operation!("contacts.create", POST, "/contacts"),
            Self::TemplatesList => operation!("templates.list", GET, "/templates"),
            Self::TemplatesGet => operation!("templates.get", GET, "/templates/{id}"),
            Self::TemplatesCreate => operation!("templates.create", POST, "/templates"),
            Self::TemplatesUpdate => operation!("templates.update", POST, "/templates/{id}"),
            Self::LettersList => operation!("letters.list", GET, "/letters"),
            Self::LettersGet => operation!("letters.get", GET, "/letters/{id}"),
            Self::LettersCreate => operation!("letters.create", POST, "/letters"),
            Self::LettersCancel => operation!("letters.cancel", DELETE, "/letters/{id}"),
        }
    }

    /// The name the audit log records (`contacts.create`).
    pub fn name(self) -> &'static str {
        self.spec().name
    }
}

/// Delegated work for one sub-organization: every call carries `PostGrid-Org`.
#[derive(Clone)]
pub struct OrgClient {
    transport: Arc<Transport>,
    observer: Arc<dyn CallObserver>,
    context: OrgContext,
}

impl OrgClient {
    pub fn new(
        transport: Arc<Transport>,
        observer: Arc<dyn CallObserver>,
        context: OrgContext,
    ) -> Self {
        Self {
            transport,
            observer,
            context,
        }
    }

    pub async fn list_contacts(&self, page: &Page) -> Result<List<Contact>, PostgridError> {
        self.send(
            OrgOperation::ContactsList,
            "/contacts".into(),
            page.query(),
            None,
            false,
        )
        .await
    }

    pub async fn get_contact(&self, id: &str) -> Result<Contact, PostgridError> {
        self.send(
            OrgOperation::ContactsGet,
            resource_path("/contacts", id)?,
            vec![],
            None,
            false,
        )
        .await
    }

    pub async fn create_contact(&self, new: &NewContact) -> Result<Contact, PostgridError> {
        self.send(
            OrgOperation::ContactsCreate,
            "/contacts".into(),
            vec![],
            Some(encode_body(new)?),
            true,
        )
        .await
    }

    pub async fn list_templates(&self, page: &Page) -> Result<List<Template>, PostgridError> {
        self.send(
            OrgOperation::TemplatesList,
            "/templates".into(),
            page.query(),
            None,
            false,
        )
        .await
    }

    pub async fn get_template(&self, id: &str) -> Result<Template, PostgridError> {
        self.send(
            OrgOperation::TemplatesGet,
            resource_path("/templates", id)?,
            vec![],
            None,
            false,
        )
        .await
    }

    pub async fn create_template(
        &self,
        fields: &TemplateFields,
    ) -> Result<Template, PostgridError> {
        self.send(
            OrgOperation::TemplatesCreate,
            "/templates".into(),
            vec![],
            Some(encode_body(fields)?),
            true,
        )
        .await
    }

    pub async fn update_template(
        &self,
        id: &str,
        fields: &TemplateFields,
    ) -> Result<Template, PostgridError> {
        let path = resource_path("/templates", id)?;
        self.send(
            OrgOperation::TemplatesUpdate,
            path,
            vec![],
            Some(encode_body(fields)?),
            false,
        )
        .await
    }

    pub async fn list_letters(&self, page: &Page) -> Result<List<Letter>, PostgridError> {
        self.send(
            OrgOperation::LettersList,
            "/letters".into(),
            page.query(),
            None,
            false,
        )
        .await
    }

    pub async fn get_letter(&self, id: &str) -> Result<Letter, PostgridError> {
        self.send(
            OrgOperation::LettersGet,
            resource_path("/letters", id)?,
            vec![],
            None,
            false,
        )
        .await
    }

    pub async fn create_letter(&self, new: &NewLetter) -> Result<Letter, PostgridError> {
        self.send(
            OrgOperation::LettersCreate,
            "/letters".into(),
            vec![],
            Some(encode_body(new)?),
            true,
        )
        .await
    }

    pub async fn cancel_letter(&self, id: &str) -> Result<Letter, PostgridError> {
        self.send(
            OrgOperation::LettersCancel,
            resource_path("/letters", id)?,
            vec![],
            None,
            false,
        )
        .await
    }

    async fn send<T: DeserializeOwned>(
        &self,
        operation: OrgOperation,
        path: String,
        query: Vec<(&'static str, String)>,
        body: Option<serde_json::Value>,
        creates: bool,
    ) -> Result<T, PostgridError> {
        if !(self.context.allowed)(operation) {
            return Err(PostgridError::NotAllowed);
        }
        let call = Call {
            operation: operation.spec(),
            path,
            query,
            body,
            org: Some(self.context.sub_org.clone()),
            idempotency_key: creates.then(|| uuid::Uuid::new_v4().to_string()),
        };
        self.transport.execute(&call, self.observer.as_ref()).await
    }
}

/// A resource id goes into the path only if it is one plain segment (`contact_abc123`).
fn resource_path(collection: &str, id: &str) -> Result<String, PostgridError> {
    let plain = !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if plain {
        Ok(format!("{collection}/{id}"))
    } else {
        Err(PostgridError::NotFound {
            message: "not a PostGrid id".to_owned(),
        })
    }
}
