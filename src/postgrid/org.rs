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
    /// The operations (by name) this context may perform; anything else is never sent.
    allowed: &'static [&'static str],
}

impl OrgContext {
    pub(crate) fn new(sub_org: SubOrgId, allowed: &'static [&'static str]) -> Self {
        Self { sub_org, allowed }
    }

    pub fn sub_org(&self) -> &SubOrgId {
        &self.sub_org
    }
}

pub const CONTACTS_LIST: Operation = operation!("contacts.list", GET, "/contacts");
pub const CONTACTS_GET: Operation = operation!("contacts.get", GET, "/contacts/{id}");
pub const CONTACTS_CREATE: Operation = operation!("contacts.create", POST, "/contacts");
pub const TEMPLATES_LIST: Operation = operation!("templates.list", GET, "/templates");
pub const TEMPLATES_GET: Operation = operation!("templates.get", GET, "/templates/{id}");
pub const TEMPLATES_CREATE: Operation = operation!("templates.create", POST, "/templates");
pub const TEMPLATES_UPDATE: Operation = operation!("templates.update", POST, "/templates/{id}");
pub const LETTERS_LIST: Operation = operation!("letters.list", GET, "/letters");
pub const LETTERS_GET: Operation = operation!("letters.get", GET, "/letters/{id}");
pub const LETTERS_CREATE: Operation = operation!("letters.create", POST, "/letters");
pub const LETTERS_CANCEL: Operation = operation!("letters.cancel", DELETE, "/letters/{id}");

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

    pub fn sub_org(&self) -> &SubOrgId {
        &self.context.sub_org
    }

    pub async fn list_contacts(&self, page: &Page) -> Result<List<Contact>, PostgridError> {
        self.send(CONTACTS_LIST, "/contacts".into(), page.query(), None, false)
            .await
    }

    pub async fn get_contact(&self, id: &str) -> Result<Contact, PostgridError> {
        self.send(
            CONTACTS_GET,
            resource_path("/contacts", id)?,
            vec![],
            None,
            false,
        )
        .await
    }

    pub async fn create_contact(&self, new: &NewContact) -> Result<Contact, PostgridError> {
        self.send(
            CONTACTS_CREATE,
            "/contacts".into(),
            vec![],
            Some(encode_body(new)?),
            true,
        )
        .await
    }

    pub async fn list_templates(&self, page: &Page) -> Result<List<Template>, PostgridError> {
        self.send(
            TEMPLATES_LIST,
            "/templates".into(),
            page.query(),
            None,
            false,
        )
        .await
    }

    pub async fn get_template(&self, id: &str) -> Result<Template, PostgridError> {
        self.send(
            TEMPLATES_GET,
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
            TEMPLATES_CREATE,
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
            TEMPLATES_UPDATE,
            path,
            vec![],
            Some(encode_body(fields)?),
            false,
        )
        .await
    }

    pub async fn list_letters(&self, page: &Page) -> Result<List<Letter>, PostgridError> {
        self.send(LETTERS_LIST, "/letters".into(), page.query(), None, false)
            .await
    }

    pub async fn get_letter(&self, id: &str) -> Result<Letter, PostgridError> {
        self.send(
            LETTERS_GET,
            resource_path("/letters", id)?,
            vec![],
            None,
            false,
        )
        .await
    }

    pub async fn create_letter(&self, new: &NewLetter) -> Result<Letter, PostgridError> {
        self.send(
            LETTERS_CREATE,
            "/letters".into(),
            vec![],
            Some(encode_body(new)?),
            true,
        )
        .await
    }

    pub async fn cancel_letter(&self, id: &str) -> Result<Letter, PostgridError> {
        self.send(
            LETTERS_CANCEL,
            resource_path("/letters", id)?,
            vec![],
            None,
            false,
        )
        .await
    }

    async fn send<T: DeserializeOwned>(
        &self,
        operation: Operation,
        path: String,
        query: Vec<(&'static str, String)>,
        body: Option<serde_json::Value>,
        creates: bool,
    ) -> Result<T, PostgridError> {
        if !self.context.allowed.contains(&operation.name) {
            return Err(PostgridError::NotAllowed);
        }
        let call = Call {
            operation,
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
