use std::sync::Arc;

use serde::de::DeserializeOwned;

use super::call::{encode_body, Call, Operation};
use super::models::{
    Contact, Deleted, Letter, List, NewContact, NewLetter, Postcard, Template, TemplateFields,
};
use super::{Page, PostgridError, Transport};
use crate::domain::SubOrgId;
use crate::operation;
use crate::upstream::Recorder;

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
    ContactsDelete,
    TemplatesList,
    TemplatesGet,
    TemplatesCreate,
    TemplatesUpdate,
    TemplatesDelete,
    LettersList,
    LettersGet,
    LettersCreate,
    LettersCancel,
    PostcardsList,
    PostcardsGet,
}

impl OrgOperation {
    pub const ALL: [Self; 15] = [
        Self::ContactsList,
        Self::ContactsGet,
        Self::ContactsCreate,
        Self::ContactsDelete,
        Self::TemplatesList,
        Self::TemplatesGet,
        Self::TemplatesCreate,
        Self::TemplatesUpdate,
        Self::TemplatesDelete,
        Self::LettersList,
        Self::LettersGet,
        Self::LettersCreate,
        Self::LettersCancel,
        Self::PostcardsList,
        Self::PostcardsGet,
    ];

    /// The request it makes, and its name in the audit log.
    pub fn spec(self) -> Operation {
        match self {
            Self::ContactsList => operation!("contacts.list", GET, "/contacts"),
            Self::ContactsGet => operation!("contacts.get", GET, "/contacts/{id}"),
            Self::ContactsCreate => operation!("contacts.create", POST, "/contacts"),
            Self::ContactsDelete => operation!("contacts.delete", DELETE, "/contacts/{id}"),
            Self::TemplatesList => operation!("templates.list", GET, "/templates"),
            Self::TemplatesGet => operation!("templates.get", GET, "/templates/{id}"),
            Self::TemplatesCreate => operation!("templates.create", POST, "/templates"),
            Self::TemplatesUpdate => operation!("templates.update", POST, "/templates/{id}"),
            Self::TemplatesDelete => operation!("templates.delete", DELETE, "/templates/{id}"),
            Self::LettersList => operation!("letters.list", GET, "/letters"),
            Self::LettersGet => operation!("letters.get", GET, "/letters/{id}"),
            Self::LettersCreate => operation!("letters.create", POST, "/letters"),
            Self::LettersCancel => {
                operation!("letters.cancel", POST, "/letters/{id}/cancellation")
            }
            Self::PostcardsList => operation!("postcards.list", GET, "/postcards"),
            Self::PostcardsGet => operation!("postcards.get", GET, "/postcards/{id}"),
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
    observer: Arc<dyn Recorder>,
    context: OrgContext,
}

impl OrgClient {
    pub fn new(
        transport: Arc<Transport>,
        observer: Arc<dyn Recorder>,
        context: OrgContext,
    ) -> Self {
        Self {
            transport,
            observer,
            context,
        }
    }

    pub async fn list_contacts(&self, page: &Page) -> Result<List<Contact>, PostgridError> {
        self.read(OrgOperation::ContactsList, "/contacts".into(), page.query())
            .await
    }

    pub async fn get_contact(&self, id: &str) -> Result<Contact, PostgridError> {
        let path = resource_path("/contacts", id)?;
        self.read(OrgOperation::ContactsGet, path, vec![]).await
    }

    /// `once` is the `Idempotency-Key` derived from the form's one-time token: every submission
    /// of one form sends the same key, so PostGrid creates one contact however often it is sent.
    pub async fn create_contact(
        &self,
        new: &NewContact,
        once: &str,
    ) -> Result<Contact, PostgridError> {
        let body = Some(encode_body(new)?);
        let key = Some(once.to_owned());
        self.send(
            OrgOperation::ContactsCreate,
            "/contacts".into(),
            vec![],
            body,
            key,
        )
        .await
    }

    pub async fn delete_contact(&self, id: &str) -> Result<Deleted, PostgridError> {
        let path = resource_path("/contacts", id)?;
        self.send(OrgOperation::ContactsDelete, path, vec![], None, None)
            .await
    }

    pub async fn list_templates(&self, page: &Page) -> Result<List<Template>, PostgridError> {
        self.read(
            OrgOperation::TemplatesList,
            "/templates".into(),
            page.query(),
        )
        .await
    }

    pub async fn get_template(&self, id: &str) -> Result<Template, PostgridError> {
        let path = resource_path("/templates", id)?;
        self.read(OrgOperation::TemplatesGet, path, vec![]).await
    }

    pub async fn create_template(
        &self,
        fields: &TemplateFields,
        once: &str,
    ) -> Result<Template, PostgridError> {
        let body = Some(encode_body(fields)?);
        let key = Some(once.to_owned());
        self.send(
            OrgOperation::TemplatesCreate,
            "/templates".into(),
            vec![],
            body,
            key,
        )
        .await
    }

    pub async fn update_template(
        &self,
        id: &str,
        fields: &TemplateFields,
    ) -> Result<Template, PostgridError> {
        let path = resource_path("/templates", id)?;
        let body = Some(encode_body(fields)?);
        self.send(OrgOperation::TemplatesUpdate, path, vec![], body, None)
            .await
    }

    pub async fn delete_template(&self, id: &str) -> Result<Deleted, PostgridError> {
        let path = resource_path("/templates", id)?;
        self.send(OrgOperation::TemplatesDelete, path, vec![], None, None)
            .await
    }

    pub async fn list_letters(&self, page: &Page) -> Result<List<Letter>, PostgridError> {
        self.read(OrgOperation::LettersList, "/letters".into(), page.query())
            .await
    }

    pub async fn get_letter(&self, id: &str) -> Result<Letter, PostgridError> {
        let path = resource_path("/letters", id)?;
        self.read(OrgOperation::LettersGet, path, vec![]).await
    }

    pub async fn create_letter(
        &self,
        new: &NewLetter,
        once: &str,
    ) -> Result<Letter, PostgridError> {
        let body = Some(encode_body(new)?);
        let key = Some(once.to_owned());
        self.send(
            OrgOperation::LettersCreate,
            "/letters".into(),
            vec![],
            body,
            key,
        )
        .await
    }

    /// Cancels with a note. PostGrid's published description has only `DELETE /letters/{id}`,
    /// which carries none; its API reference and its own Python client cancel with a note by
    /// `POST /letters/{id}/cancellation`, and the note is kept in the letter's `cancellation`.
    pub async fn cancel_letter(&self, id: &str, note: &str) -> Result<Letter, PostgridError> {
        let path = format!("{}/cancellation", resource_path("/letters", id)?);
        let body = Some(serde_json::json!({ "note": note }));
        self.send(OrgOperation::LettersCancel, path, vec![], body, None)
            .await
    }

    pub async fn list_postcards(&self, page: &Page) -> Result<List<Postcard>, PostgridError> {
        self.read(
            OrgOperation::PostcardsList,
            "/postcards".into(),
            page.query(),
        )
        .await
    }

    pub async fn get_postcard(&self, id: &str) -> Result<Postcard, PostgridError> {
        let path = resource_path("/postcards", id)?;
        self.read(OrgOperation::PostcardsGet, path, vec![]).await
    }

    async fn read<T: DeserializeOwned>(
        &self,
        operation: OrgOperation,
        path: String,
        query: Vec<(&'static str, String)>,
    ) -> Result<T, PostgridError> {
        self.send(operation, path, query, None, None).await
    }

    async fn send<T: DeserializeOwned>(
        &self,
        operation: OrgOperation,
        path: String,
        query: Vec<(&'static str, String)>,
        body: Option<serde_json::Value>,
        idempotency_key: Option<String>,
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
            idempotency_key,
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
