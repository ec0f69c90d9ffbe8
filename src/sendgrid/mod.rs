//! The typed SendGrid client, beside the PostGrid one. It knows nothing of pages, sessions or
//! the database.
//!
//! A parent account acts for a subuser (`on-behalf-of: <username>`) or a reseller's customer
//! account (`on-behalf-of: account-id <id>`) with its own key. [`ParentClient`] never sends the
//! header; [`ActingClient`] always does, and exists only for an impersonation. Mail Send is not
//! an operation of either: SendGrid does not honour `on-behalf-of` there (its On Behalf Of
//! page), so mail would go out as the parent.

mod account;
mod clients;
mod error;
pub mod models;
pub mod operations;
pub mod sim;
mod transport;

pub use account::{Account, AccountProblem, CustomerId, Username};
pub use clients::{ActingClient, ActingContext, Page, ParentClient, DEFAULT_PAGE_SIZE};
pub use error::SendgridError;
pub use operations::{ActingOperation, SuppressionKind};
pub use transport::{ErrorBody, Transport, ON_BEHALF_OF};

pub const DEFAULT_BASE_URL: &str = "https://api.sendgrid.com";

#[cfg(test)]
mod contract_tests;
#[cfg(test)]
mod schema_tests;
