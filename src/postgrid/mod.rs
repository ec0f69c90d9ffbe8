//! The typed PostGrid client. It knows nothing of pages, sessions or the database.
//!
//! Two clients: [`ParentClient`] manages sub-organizations and never sends `PostGrid-Org`;
//! [`OrgClient`] does delegated work and always sends it. An `OrgClient` is built only from an
//! [`OrgContext`], which only this crate can mint, so a delegated call without an organization
//! context does not compile.

mod call;
pub mod choices;
mod error;
pub mod merge_variables;
pub mod models;
mod org;
mod parent;
pub mod sim;
mod transport;

pub use crate::upstream::{NotRecorded, Recorder, Unobserved};
pub use call::{Call, Operation};
pub use error::PostgridError;
pub use org::{OrgClient, OrgContext, OrgOperation};
pub use parent::ParentClient;
pub use transport::{field_named_in, ClientOptions, Transport, POSTGRID_ORG};

/// The largest page PostGrid serves (*inferred*: its older official SDK's page size).
pub const MAX_PAGE_SIZE: u32 = 100;
pub const DEFAULT_PAGE_SIZE: u32 = 10;

/// A page of a list: `limit`, `skip` and an optional `search`, as PostGrid takes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub limit: u32,
    pub skip: u32,
    pub search: Option<String>,
}

impl Default for Page {
    fn default() -> Self {
        Self {
            limit: DEFAULT_PAGE_SIZE,
            skip: 0,
            search: None,
        }
    }
}

impl Page {
    pub fn new(limit: u32, skip: u32, search: Option<String>) -> Self {
        Self {
            limit: limit.clamp(1, MAX_PAGE_SIZE),
            skip,
            search: search.filter(|s| !s.trim().is_empty()),
        }
    }

    fn query(&self) -> Vec<(&'static str, String)> {
        let mut query = vec![
            ("limit", self.limit.to_string()),
            ("skip", self.skip.to_string()),
        ];
        if let Some(search) = &self.search {
            query.push(("search", search.clone()));
        }
        query
    }
}

#[cfg(test)]
mod contract_tests;
#[cfg(test)]
mod examples_tests;
#[cfg(test)]
mod schema_tests;
