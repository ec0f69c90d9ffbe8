//! The SendGrid simulator's memory: subusers and customer accounts, and what each account
//! (the parent too) holds. Every resource belongs to exactly one account.

use std::collections::HashMap;

use crate::sendgrid::models::{Metrics, Sender, Subuser, Suppression, Template};
use crate::sendgrid::SuppressionKind;

/// Whose resources a request reaches: the parent's own, or the account `on-behalf-of` names
/// (by the header value exactly as sent).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    Parent,
    Account(String),
}

/// What one account holds.
#[derive(Debug, Clone, Default)]
pub struct Holdings {
    pub suppressions: HashMap<SuppressionKind, Vec<Suppression>>,
    pub templates: Vec<Template>,
    pub senders: Vec<Sender>,
    /// Stats per month (`YYYY-MM`).
    pub monthly: HashMap<String, Metrics>,
}

/// A mail SendGrid accepted: who asked for it to be sent as whom, and as whom it went.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MailSent {
    /// The `on-behalf-of` header the request carried.
    pub on_behalf_of: Option<String>,
    /// SendGrid ignores the header on Mail Send: the mail goes out as the parent.
    pub sent_as: String,
}

#[derive(Debug, Default)]
pub struct Store {
    pub subusers: Vec<Subuser>,
    /// Customer account id → its state (`activated`, `deactivated`, …).
    pub customers: HashMap<String, String>,
    pub holdings: HashMap<Scope, Holdings>,
    pub mail: Vec<MailSent>,
}

impl Store {
    /// The scope an `on-behalf-of` value names, when the parent has that sub-account.
    pub fn scope_of(&self, header: &str) -> Option<Scope> {
        let known = match header.strip_prefix("account-id ") {
            Some(id) => self.customers.contains_key(id),
            None => self.subusers.iter().any(|s| s.username == header),
        };
        known.then(|| Scope::Account(header.to_owned()))
    }

    pub fn holdings(&mut self, scope: &Scope) -> &mut Holdings {
        self.holdings.entry(scope.clone()).or_default()
    }
}
