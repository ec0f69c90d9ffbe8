//! SendGrid's answers, as its OpenAPI description (twilio/sendgrid-oai) writes them. Fields a
//! page does not need are left out; every field SendGrid may omit has a default, so a
//! sparser answer still reads.

use serde::{Deserialize, Serialize};

/// An item of `GET /v3/subusers` (a bare array). `region` comes only with `include_region`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subuser {
    pub id: u64,
    pub username: String,
    pub email: String,
    pub disabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// The counters of SendGrid's stats (all sixteen are integers; the pages show six).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Metrics {
    pub requests: u64,
    pub delivered: u64,
    pub bounces: u64,
    pub spam_reports: u64,
    pub opens: u64,
    pub clicks: u64,
    pub blocks: u64,
    pub bounce_drops: u64,
    pub deferred: u64,
    pub invalid_emails: u64,
    pub processed: u64,
    pub spam_report_drops: u64,
    pub unique_clicks: u64,
    pub unique_opens: u64,
    pub unsubscribe_drops: u64,
    pub unsubscribes: u64,
}

impl Metrics {
    pub fn add(&mut self, other: &Metrics) {
        self.requests += other.requests;
        self.delivered += other.delivered;
        self.bounces += other.bounces;
        self.spam_reports += other.spam_reports;
        self.opens += other.opens;
        self.clicks += other.clicks;
        self.blocks += other.blocks;
        self.bounce_drops += other.bounce_drops;
        self.deferred += other.deferred;
        self.invalid_emails += other.invalid_emails;
        self.processed += other.processed;
        self.spam_report_drops += other.spam_report_drops;
        self.unique_clicks += other.unique_clicks;
        self.unique_opens += other.unique_opens;
        self.unsubscribe_drops += other.unsubscribe_drops;
        self.unsubscribes += other.unsubscribes;
    }
}

/// `GET /v3/subusers/{name}/stats/monthly`: one month, one entry per subuser named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthlyStats {
    pub date: String,
    #[serde(default)]
    pub stats: Vec<NamedStats>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedStats {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub metrics: Metrics,
}

impl MonthlyStats {
    /// The month's totals over every entry.
    pub fn sums(&self) -> Metrics {
        let mut sums = Metrics::default();
        for entry in &self.stats {
            sums.add(&entry.metrics);
        }
        sums
    }
}

/// An item of `GET /v3/stats` (a bare array): one day (or week, month) of the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayStats {
    pub date: String,
    #[serde(default)]
    pub stats: Vec<NamedStats>,
}

/// One address on a suppression list. Bounces and blocks have `reason` and `status`, spam
/// reports `ip`, invalid emails `reason`, global unsubscribes only `created` and `email`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    /// Unix seconds.
    pub created: i64,
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
}

/// `GET /v3/templates`: a page of templates and a link to the next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplatePage {
    #[serde(default)]
    pub result: Vec<Template>,
    #[serde(default, rename = "_metadata")]
    pub metadata: PageLinks,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PageLinks {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
}

impl PageLinks {
    /// The `page_token` of the next page, read from its link.
    pub fn next_token(&self) -> Option<String> {
        let next = url::Url::parse(self.next.as_deref()?).ok()?;
        next.query_pairs()
            .find(|(k, _)| k == "page_token")
            .map(|(_, v)| v.into_owned())
            .filter(|t| !t.is_empty())
    }
}

/// A transactional template, lean in lists and with its versions when fetched alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    pub id: String,
    pub name: String,
    pub generation: String,
    pub updated_at: String,
    #[serde(default)]
    pub versions: Vec<TemplateVersion>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateVersion {
    pub id: String,
    pub template_id: String,
    /// 1 for the active version, 0 for the others.
    pub active: u8,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub editor: Option<String>,
}

impl TemplateVersion {
    pub fn is_active(&self) -> bool {
        self.active == 1
    }
}

/// `GET /v3/senders`: the sender identities, wrapped in `result`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SenderList {
    #[serde(default)]
    pub result: Vec<Sender>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sender {
    pub id: u64,
    pub nickname: String,
    #[serde(default)]
    pub from: Party,
    #[serde(default)]
    pub reply_to: Party,
    pub address: String,
    pub city: String,
    pub country: String,
    #[serde(default)]
    pub verified: bool,
    #[serde(default)]
    pub locked: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Party {
    pub email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// `GET /v3/partners/accounts/{id}/state`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountState {
    pub state: String,
}
