use std::sync::Arc;

use super::call::{encode_body, Call, Operation};
use super::models::{CreatedSubOrganization, List, NewSubOrganization, SubOrganization, User};
use super::{Page, PostgridError, Transport};
use crate::domain::SubOrgId;
use crate::operation;
use crate::upstream::Recorder;

const CREATE: Operation = operation!("sub_organizations.create", POST, "/sub_organizations");
const LIST: Operation = operation!("sub_organizations.list", GET, "/sub_organizations");
const GET: Operation = operation!("sub_organizations.get", GET, "/sub_organizations/{id}");
const LIST_USERS: Operation = operation!(
    "sub_organizations.users.list",
    GET,
    "/sub_organizations/{id}/users"
);

/// Sub-organization management with the parent's key. Never sends `PostGrid-Org`.
#[derive(Clone)]
pub struct ParentClient {
    transport: Arc<Transport>,
    observer: Arc<dyn Recorder>,
}

impl ParentClient {
    pub fn new(transport: Arc<Transport>, observer: Arc<dyn Recorder>) -> Self {
        Self {
            transport,
            observer,
        }
    }

    /// Creates a sub-organization and its first user. `idempotency_key` makes a repeat of the
    /// same submission return the first result instead of creating a second one.
    pub async fn create_sub_org(
        &self,
        new: &NewSubOrganization,
        idempotency_key: &str,
    ) -> Result<CreatedSubOrganization, PostgridError> {
        let body = encode_body(new)?;
        self.send(Call {
            operation: CREATE,
            path: "/sub_organizations".to_owned(),
            query: Vec::new(),
            body: Some(body),
            org: None,
            idempotency_key: Some(idempotency_key.to_owned()),
        })
        .await
    }

    pub async fn list_sub_orgs(&self, page: &Page) -> Result<List<SubOrganization>, PostgridError> {
        self.send(read(LIST, "/sub_organizations".to_owned(), page.query()))
            .await
    }

    pub async fn get_sub_org(&self, id: &SubOrgId) -> Result<SubOrganization, PostgridError> {
        self.send(read(GET, format!("/sub_organizations/{id}"), Vec::new()))
            .await
    }

    /// PostGrid answers this one with a bare array, not the list envelope.
    pub async fn list_sub_org_users(
        &self,
        id: &SubOrgId,
        page: &Page,
    ) -> Result<Vec<User>, PostgridError> {
        self.send(read(
            LIST_USERS,
            format!("/sub_organizations/{id}/users"),
            page.query(),
        ))
        .await
    }

    async fn send<T: serde::de::DeserializeOwned>(&self, call: Call) -> Result<T, PostgridError> {
        self.transport.execute(&call, self.observer.as_ref()).await
    }
}

fn read(operation: Operation, path: String, query: Vec<(&'static str, String)>) -> Call {
    Call {
        operation,
        path,
        query,
        body: None,
        org: None,
        idempotency_key: None,
    }
}
