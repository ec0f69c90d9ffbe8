//! What PostGrid and SendGrid calls share: which provider a call goes to, and what the audit
//! log records of each attempt, whichever client made it.

use std::time::Duration;

use futures_util::future::BoxFuture;
use reqwest::Method;

use crate::domain::CallId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    Postgrid,
    Sendgrid,
}

impl Provider {
    pub const ALL: [Provider; 2] = [Self::Postgrid, Self::Sendgrid];

    /// The name in audit events, exports and filters.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Postgrid => "postgrid",
            Self::Sendgrid => "sendgrid",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == raw)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Postgrid => "PostGrid",
            Self::Sendgrid => "SendGrid",
        }
    }
}

/// `operation!("contacts.list", GET, "/contacts")`: an [`Operation`] as a constant.
#[macro_export]
macro_rules! operation {
    ($name:literal, $method:ident, $path:literal) => {
        $crate::upstream::Operation {
            name: $name,
            method: ::reqwest::Method::$method,
            path_template: $path,
        }
    };
}

/// What the portal asks an upstream to do, named for the audit log (`sub_organizations.create`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    pub name: &'static str,
    pub method: Method,
    /// The path with placeholders (`/sub_organizations/{id}`), so events group by endpoint.
    pub path_template: &'static str,
}

/// Headers an upstream (or a proxy in front of it) may carry its request id in.
const REQUEST_ID_HEADERS: [&str; 2] = ["x-request-id", "request-id"];

/// The upstream's id of a request, when it sent a sane one.
pub fn request_id(headers: &reqwest::header::HeaderMap) -> Option<String> {
    REQUEST_ID_HEADERS.iter().find_map(|name| {
        headers
            .get(*name)
            .and_then(|v| v.to_str().ok())
            .filter(|v| v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
            .map(str::to_owned)
    })
}

/// `Retry-After` in seconds.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
        .map(Duration::from_secs)
}

/// The wait before retry `number` of a read: exponential from `base`, with full jitter so
/// portal processes do not retry in lockstep.
pub fn backoff(base: Duration, number: u32) -> Duration {
    base.saturating_mul(1 << number.min(8))
        .mul_f64(0.5 + rand::random::<f64>() / 2.0)
}

/// `base` with `path` (already percent-encoded) below it and `query`, or `None` when the URL
/// would not request that path: a segment of dots (`%2E`, `%2E%2E`) is resolved away by URL
/// parsing, so an id made of dots would reach another endpoint than the one recorded.
pub fn url_below(
    base: &url::Url,
    path: &str,
    query: &[(&'static str, String)],
) -> Option<url::Url> {
    let mut url = base.clone();
    let full = format!("{}{path}", base.path().trim_end_matches('/'));
    url.set_path(&full);
    if url.path() != full {
        return None;
    }
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(query.iter());
    }
    Some(url)
}

/// `text` percent-encoded as one URL path segment: whatever it holds stays in that segment.
pub fn path_segment(text: &str) -> String {
    const SEGMENT: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'_').remove(b'-');
    percent_encoding::utf8_percent_encode(text, SEGMENT).to_string()
}

/// One attempt at an upstream call, as the audit log records it before it is sent.
#[derive(Debug, Clone)]
pub struct AttemptRecord<'a> {
    pub provider: Provider,
    pub call_id: CallId,
    /// 0 for the first try.
    pub number: u32,
    pub operation: &'static str,
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a [(&'static str, String)],
    pub body: Option<&'a serde_json::Value>,
    pub idempotency_key: Option<&'a str>,
    /// The account acted for: `PostGrid-Org`, or `on-behalf-of` exactly as sent.
    pub acting_for: Option<String>,
}

/// What came of one attempt, as the audit log records it.
#[derive(Debug, Clone)]
pub struct OutcomeRecord {
    pub status: Option<u16>,
    pub resource_id: Option<String>,
    pub upstream_request_id: Option<String>,
    pub duration: Duration,
    /// The error's stable name, when the attempt failed.
    pub error: Option<&'static str>,
    /// The upstream said yes to a change in an answer that could not be read.
    pub probably_made: bool,
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("the call could not be recorded: {0}")]
pub struct NotRecorded(pub String);

/// Sees every attempt: before it is sent (and may stop it) and after it ends. The audit log is
/// the recorder in production; an attempt whose `before_send` fails is never sent.
pub trait Recorder: Send + Sync {
    fn before_send<'a>(
        &'a self,
        attempt: &'a AttemptRecord<'a>,
    ) -> BoxFuture<'a, Result<(), NotRecorded>>;
    fn after_attempt<'a>(
        &'a self,
        attempt: &'a AttemptRecord<'a>,
        outcome: &'a OutcomeRecord,
    ) -> BoxFuture<'a, ()>;
}

/// A recorder that records nothing: for the simulators' own tools and benchmarks that measure
/// the unaudited cost. The portal's pages always use the audit log's recorder.
pub struct Unobserved;

impl Recorder for Unobserved {
    fn before_send<'a>(
        &'a self,
        _attempt: &'a AttemptRecord<'a>,
    ) -> BoxFuture<'a, Result<(), NotRecorded>> {
        Box::pin(async { Ok(()) })
    }

    fn after_attempt<'a>(
        &'a self,
        _attempt: &'a AttemptRecord<'a>,
        _outcome: &'a OutcomeRecord,
    ) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_of_dots_is_never_requested() {
        let base = url::Url::parse("https://api.example.com/v1").expect("url");
        let ok = url_below(&base, &format!("/letters/{}", path_segment("a.b")), &[]);
        assert_eq!(
            ok.map(|u| u.path().to_owned()).as_deref(),
            Some("/v1/letters/a%2Eb")
        );
        for dots in [".", ".."] {
            let path = format!("/templates/{}/activate", path_segment(dots));
            assert_eq!(url_below(&base, &path, &[]), None, "{dots}");
        }
        for dots in [".", "..", "%2e", "%2E%2E"] {
            let path = format!("/x/{dots}/y");
            assert_eq!(url_below(&base, &path, &[]), None, "{dots}");
        }
    }
}
