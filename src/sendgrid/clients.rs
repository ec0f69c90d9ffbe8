//! The two SendGrid clients. [`ParentClient`] manages subusers and never sends
//! `on-behalf-of`; [`ActingClient`] works for one sub-account and always sends it, and is built
//! only from an [`ActingContext`], which only this crate can mint.

use std::sync::Arc;

use serde_json::json;

use super::models::{
    AccountState, DayStats, MonthlyStats, SenderList, Subuser, Suppression, Template, TemplatePage,
    TemplateVersion,
};
use super::operations::{
    ActingOperation, SuppressionKind, ACCOUNT_STATE, SUBUSERS_LIST, SUBUSERS_MONTHLY,
    SUBUSERS_UPDATE,
};
use super::transport::{Call, Transport};
use super::{Account, CustomerId, SendgridError, Username};
use crate::upstream::{path_segment, Operation, Recorder};

/// The largest page of subusers or suppressions the portal asks for.
pub const MAX_PAGE_SIZE: u32 = 100;
pub const DEFAULT_PAGE_SIZE: u32 = 20;

/// A page of a SendGrid list: `limit`, `offset` and an optional search. SendGrid answers
/// these lists with a bare array and no total, so there is a next page when this one is full.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub limit: u32,
    pub offset: u32,
    pub search: Option<String>,
}

impl Default for Page {
    fn default() -> Self {
        Self::new(DEFAULT_PAGE_SIZE, 0, None)
    }
}

impl Page {
    pub fn new(limit: u32, offset: u32, search: Option<String>) -> Self {
        Self {
            limit: limit.clamp(1, MAX_PAGE_SIZE),
            offset,
            search: search
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty()),
        }
    }

    fn query(&self, search_as: &'static str) -> Vec<(&'static str, String)> {
        let mut query = vec![
            ("limit", self.limit.to_string()),
            ("offset", self.offset.to_string()),
        ];
        if let Some(search) = &self.search {
            query.push((search_as, search.clone()));
        }
        query
    }

    /// Whether a page of `len` items may have another after it.
    pub fn has_next(&self, len: usize) -> bool {
        len >= self.limit as usize
    }
}

fn call(operation: Operation, path: String, query: Vec<(&'static str, String)>) -> Call {
    Call {
        operation,
        path,
        query,
        body: None,
        on_behalf_of: None,
    }
}

/// Subuser management with the parent's key. Never sends `on-behalf-of`.
#[derive(Clone)]
pub struct ParentClient {
    transport: Arc<Transport>,
    recorder: Arc<dyn Recorder>,
}

impl ParentClient {
    pub fn new(transport: Arc<Transport>, recorder: Arc<dyn Recorder>) -> Self {
        Self {
            transport,
            recorder,
        }
    }

    pub async fn list_subusers(&self, page: &Page) -> Result<Vec<Subuser>, SendgridError> {
        let mut query = page.query("username");
        query.push(("include_region", "true".to_owned()));
        self.send(call(SUBUSERS_LIST, "/v3/subusers".to_owned(), query))
            .await
    }

    /// One subuser by its exact username. SendGrid has no `GET` for one subuser: the list,
    /// filtered by username, is asked, and only an exact match counts.
    pub async fn find_subuser(&self, username: &Username) -> Result<Subuser, SendgridError> {
        let page = Page::new(MAX_PAGE_SIZE, 0, Some(username.to_string()));
        self.list_subusers(&page)
            .await?
            .into_iter()
            .find(|s| s.username == username.as_str())
            .ok_or_else(|| SendgridError::NotFound {
                message: format!("no subuser named {username}"),
            })
    }

    /// Enables (`disabled = false`) or disables a subuser; SendGrid answers 204.
    pub async fn set_disabled(
        &self,
        username: &Username,
        disabled: bool,
    ) -> Result<(), SendgridError> {
        let mut call = call(
            SUBUSERS_UPDATE,
            format!("/v3/subusers/{}", path_segment(username.as_str())),
            Vec::new(),
        );
        call.body = Some(json!({ "disabled": disabled }));
        self.send::<Option<serde_json::Value>>(call).await.map(drop)
    }

    /// A subuser's stats for the month of `date` (`YYYY-MM-DD`).
    pub async fn monthly_stats(
        &self,
        username: &Username,
        date: &str,
    ) -> Result<MonthlyStats, SendgridError> {
        self.send(call(
            SUBUSERS_MONTHLY,
            format!(
                "/v3/subusers/{}/stats/monthly",
                path_segment(username.as_str())
            ),
            vec![("date", date.to_owned())],
        ))
        .await
    }

    /// A reseller's customer account, as the Account Provisioning API knows it: SendGrid
    /// answering confirms the account as the parent's.
    pub async fn account_state(&self, id: &CustomerId) -> Result<AccountState, SendgridError> {
        self.send(call(
            ACCOUNT_STATE,
            format!("/v3/partners/accounts/{}/state", path_segment(id.as_str())),
            Vec::new(),
        ))
        .await
    }

    /// SendGrid confirms `account` as one of the parent's sub-accounts: the name to show.
    pub async fn confirm(&self, account: &Account) -> Result<String, SendgridError> {
        match account {
            Account::Subuser(name) => {
                let subuser = self.find_subuser(name).await?;
                Ok(format!("{} ({})", subuser.username, subuser.email))
            }
            Account::Customer(id) => {
                let state = self.account_state(id).await?;
                Ok(format!(
                    "customer account {} ({})",
                    id.as_str(),
                    state.state
                ))
            }
        }
    }

    async fn send<T: serde::de::DeserializeOwned>(&self, call: Call) -> Result<T, SendgridError> {
        self.transport.execute(&call, self.recorder.as_ref()).await
    }
}

/// The sub-account an acting client works for, and what its mode allows. Minted only by this
/// crate (the impersonation flow), so no code can send `on-behalf-of` without an impersonation.
#[derive(Debug, Clone)]
pub struct ActingContext {
    account: Account,
    allows: fn(ActingOperation) -> bool,
}

impl ActingContext {
    pub(crate) fn new(account: Account, allows: fn(ActingOperation) -> bool) -> Self {
        Self { account, allows }
    }
}

/// SendGrid as one sub-account: every call carries `on-behalf-of`, is checked against the
/// mode first, and is recorded.
#[derive(Clone)]
pub struct ActingClient {
    transport: Arc<Transport>,
    recorder: Arc<dyn Recorder>,
    context: ActingContext,
}

impl ActingClient {
    pub fn new(
        transport: Arc<Transport>,
        recorder: Arc<dyn Recorder>,
        context: ActingContext,
    ) -> Self {
        Self {
            transport,
            recorder,
            context,
        }
    }

    pub fn account(&self) -> &Account {
        &self.context.account
    }

    /// The sub-account's totals from `start` (`YYYY-MM-DD`) to today, by month.
    pub async fn stats(&self, start: &str) -> Result<Vec<DayStats>, SendgridError> {
        self.send(
            ActingOperation::Stats,
            "/v3/stats".to_owned(),
            vec![
                ("start_date", start.to_owned()),
                ("aggregated_by", "month".to_owned()),
            ],
            None,
        )
        .await
    }

    /// One page of a suppression list; `page.search` matches addresses from their start.
    pub async fn suppressions(
        &self,
        kind: SuppressionKind,
        page: &Page,
    ) -> Result<Vec<Suppression>, SendgridError> {
        self.send(
            ActingOperation::Suppressions(kind),
            kind.list_path().to_owned(),
            page.query("email"),
            None,
        )
        .await
    }

    /// Takes `email` off the list, so SendGrid delivers to it again.
    pub async fn remove_suppression(
        &self,
        kind: SuppressionKind,
        email: &str,
    ) -> Result<(), SendgridError> {
        self.send::<Option<serde_json::Value>>(
            ActingOperation::RemoveSuppression(kind),
            kind.remove_path(email),
            Vec::new(),
            None,
        )
        .await
        .map(drop)
    }

    /// A page of dynamic transactional templates, from `page_token` when given.
    pub async fn templates(&self, page_token: Option<&str>) -> Result<TemplatePage, SendgridError> {
        let mut query = vec![
            ("generations", "dynamic".to_owned()),
            ("page_size", DEFAULT_PAGE_SIZE.to_string()),
        ];
        if let Some(token) = page_token.filter(|t| !t.is_empty()) {
            query.push(("page_token", token.to_owned()));
        }
        self.send(
            ActingOperation::Templates,
            "/v3/templates".to_owned(),
            query,
            None,
        )
        .await
    }

    pub async fn template(&self, id: &str) -> Result<Template, SendgridError> {
        self.send(
            ActingOperation::Template,
            format!("/v3/templates/{}", path_segment(id)),
            Vec::new(),
            None,
        )
        .await
    }

    /// Makes `version_id` the template's active version (the one SendGrid sends).
    pub async fn activate_version(
        &self,
        template_id: &str,
        version_id: &str,
    ) -> Result<TemplateVersion, SendgridError> {
        self.send(
            ActingOperation::ActivateVersion,
            format!(
                "/v3/templates/{}/versions/{}/activate",
                path_segment(template_id),
                path_segment(version_id)
            ),
            Vec::new(),
            None,
        )
        .await
    }

    pub async fn senders(&self) -> Result<SenderList, SendgridError> {
        self.send(
            ActingOperation::Senders,
            "/v3/senders".to_owned(),
            Vec::new(),
            None,
        )
        .await
    }

    async fn send<T: serde::de::DeserializeOwned>(
        &self,
        operation: ActingOperation,
        path: String,
        query: Vec<(&'static str, String)>,
        body: Option<serde_json::Value>,
    ) -> Result<T, SendgridError> {
        if !(self.context.allows)(operation) {
            return Err(SendgridError::NotAllowed);
        }
        let call = Call {
            operation: operation.spec(),
            path,
            query,
            body,
            on_behalf_of: Some(self.context.account.clone()),
        };
        self.transport.execute(&call, self.recorder.as_ref()).await
    }
}
