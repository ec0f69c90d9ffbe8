//! The one place every SendGrid request goes through: `Authorization: Bearer` with the
//! parent's key, `On-Behalf-Of` for acting calls, timeouts, rate limits, retries of reads,
//! error mapping, and the recorder that writes each attempt to the audit log first.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use url::Url;

use super::{Account, SendgridError};
use crate::domain::CallId;
use crate::postgrid::ClientOptions;
use crate::upstream::{AttemptRecord, Operation, OutcomeRecord, Provider, Recorder};

pub const ON_BEHALF_OF: HeaderName = HeaderName::from_static("on-behalf-of");
const RATE_REMAINING: &str = "x-ratelimit-remaining";
const RATE_RESET: &str = "x-ratelimit-reset";

/// One call to SendGrid, described before it is sent.
#[derive(Debug, Clone)]
pub struct Call {
    pub operation: Operation,
    /// The path actually requested, below the base URL (`/v3/…`).
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    pub body: Option<serde_json::Value>,
    /// Set only by the acting client: the `on-behalf-of` header.
    pub on_behalf_of: Option<Account>,
}

impl Call {
    fn attempt(&self, call_id: CallId, number: u32) -> AttemptRecord<'_> {
        AttemptRecord {
            provider: Provider::Sendgrid,
            call_id,
            number,
            operation: self.operation.name,
            method: self.operation.method.as_str(),
            path: &self.path,
            query: &self.query,
            body: self.body.as_ref(),
            idempotency_key: None,
            acting_for: self.on_behalf_of.as_ref().map(Account::header_value),
        }
    }

    fn is_read(&self) -> bool {
        self.operation.method == Method::GET
    }
}

/// Holds the parent's key and the HTTP client; shared by every SendGrid client of the portal.
pub struct Transport {
    http: reqwest::Client,
    base_url: Url,
    api_key: SecretString,
    options: ClientOptions,
    /// Per endpoint, when SendGrid said its allowance is used up: until then reads wait (or
    /// are not sent at all when the wait is too long).
    exhausted_until: Mutex<HashMap<&'static str, Instant>>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("base_url", &self.base_url.as_str())
            .field("api_key", &"[redacted]")
            .finish()
    }
}

impl Transport {
    pub fn new(
        base_url: Url,
        api_key: SecretString,
        options: ClientOptions,
    ) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(options.connect_timeout)
            .timeout(options.timeout)
            .user_agent(concat!("suborg-portal/", env!("CARGO_PKG_VERSION")))
            // SendGrid's users report a lower-case `on-behalf-of` ignored on some endpoints
            // (sendgrid/docs#3751) while `On-Behalf-Of` works: send names as SendGrid writes them.
            .http1_title_case_headers()
            // A redirect would carry `on-behalf-of` (and a write) where nothing was recorded.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            http,
            base_url,
            api_key,
            options,
            exhausted_until: Mutex::new(HashMap::new()),
        })
    }

    /// Sends `call` (retrying reads that may succeed later) and decodes the answer as `T`.
    pub async fn execute<T: DeserializeOwned>(
        &self,
        call: &Call,
        recorder: &dyn Recorder,
    ) -> Result<T, SendgridError> {
        // Refused before it is recorded or sent: it would not request the path it names, or
        // its `on-behalf-of` could not be written as a header.
        let url = crate::upstream::url_below(&self.base_url, &call.path, &call.query).ok_or_else(
            || SendgridError::NotFound {
                message: "a name made only of dots".to_owned(),
            },
        )?;
        let headers = self.headers(call)?;
        let mut number = 0;
        loop {
            if call.is_read() {
                self.wait_for_allowance(call).await?;
            }
            let attempt = call.attempt(CallId::new(), number);
            recorder
                .before_send(&attempt)
                .await
                .map_err(|_| SendgridError::NotRecorded)?;
            let started = Instant::now();
            let (result, status, request_id) = self
                .send_once::<T>(call, url.clone(), headers.clone())
                .await;
            let error = result.as_ref().err();
            let outcome = OutcomeRecord {
                status,
                resource_id: None,
                upstream_request_id: request_id,
                duration: started.elapsed(),
                error: error.map(SendgridError::kind),
                // SendGrid said yes to a change whose answer cannot be read: probably made.
                probably_made: matches!(error, Some(SendgridError::UnreadableSuccess { .. })),
            };
            recorder.after_attempt(&attempt, &outcome).await;
            match result {
                Err(err) if number < self.options.max_retries && self.retry(call, &err) => {
                    tokio::time::sleep(self.wait_before_retry(number, &err)).await;
                    number += 1;
                }
                other => return other,
            }
        }
    }

    async fn send_once<T: DeserializeOwned>(
        &self,
        call: &Call,
        url: Url,
        headers: HeaderMap,
    ) -> (Result<T, SendgridError>, Option<u16>, Option<String>) {
        let mut request = self
            .http
            .request(call.operation.method.clone(), url)
            .headers(headers);
        if let Some(body) = &call.body {
            request = request.json(body);
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(err) => return (Err(transport_error(&err, !call.is_read())), None, None),
        };
        let status = response.status();
        let headers = response.headers().clone();
        let request_id = crate::upstream::request_id(&headers);
        let reset = reset_in(&headers);
        if remaining(&headers) == Some(0) || status == StatusCode::TOO_MANY_REQUESTS {
            if let Some(wait) = reset {
                self.note_exhausted(call.operation.path_template, wait);
            }
        }
        let result = match response.bytes().await {
            Ok(_) if status == StatusCode::TOO_MANY_REQUESTS => Err(SendgridError::RateLimited {
                retry_after: crate::upstream::retry_after(&headers).or(reset),
            }),
            Ok(body) => decode(status, &body, call.is_read()),
            Err(_) if !call.is_read() => Err(SendgridError::OutcomeUnknown),
            Err(_) => Err(SendgridError::Unavailable { status: None }),
        };
        (result, Some(status.as_u16()), request_id)
    }

    /// The key and, acting, `on-behalf-of`. An account is built only from a checked username
    /// or hex id, so its value is always valid; were it not, the call fails rather than go out
    /// as the parent.
    fn headers(&self, call: &Call) -> Result<HeaderMap, SendgridError> {
        let mut headers = HeaderMap::new();
        if let Ok(mut value) =
            HeaderValue::from_str(&format!("Bearer {}", self.api_key.expose_secret()))
        {
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        if let Some(account) = &call.on_behalf_of {
            let value = HeaderValue::from_str(&account.header_value())
                .map_err(|_| SendgridError::NotAllowed)?;
            headers.insert(ON_BEHALF_OF, value);
        }
        Ok(headers)
    }

    fn note_exhausted(&self, endpoint: &'static str, wait: Duration) {
        if let Ok(mut map) = self.exhausted_until.lock() {
            map.insert(endpoint, Instant::now() + wait);
        }
    }

    /// Before a read: SendGrid said this endpoint's allowance is used up until a moment. Wait
    /// for it when that is soon; otherwise refuse without sending, saying when to try again.
    async fn wait_for_allowance(&self, call: &Call) -> Result<(), SendgridError> {
        let until = self
            .exhausted_until
            .lock()
            .ok()
            .and_then(|map| map.get(call.operation.path_template).copied());
        let Some(wait) = until.and_then(|until| until.checked_duration_since(Instant::now()))
        else {
            return Ok(());
        };
        if wait > self.options.retry_after_cap {
            return Err(SendgridError::RateLimited {
                retry_after: Some(wait),
            });
        }
        tokio::time::sleep(wait).await;
        Ok(())
    }

    fn retry(&self, call: &Call, err: &SendgridError) -> bool {
        if !call.is_read() {
            return false;
        }
        match err {
            SendgridError::RateLimited { retry_after } => {
                retry_after.is_none_or(|wait| wait <= self.options.retry_after_cap)
            }
            SendgridError::TimedOut => true,
            SendgridError::Unavailable { status } => {
                matches!(status, None | Some(502) | Some(503) | Some(504))
            }
            _ => false,
        }
    }

    fn wait_before_retry(&self, number: u32, err: &SendgridError) -> Duration {
        if let SendgridError::RateLimited {
            retry_after: Some(wait),
        } = err
        {
            return (*wait).min(self.options.retry_after_cap);
        }
        crate::upstream::backoff(self.options.backoff_base, number)
    }
}

fn transport_error(err: &reqwest::Error, sent_write: bool) -> SendgridError {
    if err.is_connect() {
        SendgridError::Unavailable { status: None }
    } else if sent_write {
        SendgridError::OutcomeUnknown
    } else if err.is_timeout() {
        SendgridError::TimedOut
    } else {
        SendgridError::Unavailable { status: None }
    }
}

fn remaining(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(RATE_REMAINING)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// `X-RateLimit-Reset`: when the allowance renews, as a Unix time (SendGrid's rate-limit page),
/// read as the time left from now.
fn reset_in(headers: &HeaderMap) -> Option<Duration> {
    let at: u64 = headers
        .get(RATE_RESET)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
    Some(Duration::from_secs(at.saturating_sub(now).max(1)))
}

/// SendGrid's error body: `{"errors": [{"field": …, "message": …}]}`; every part optional.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub errors: Vec<ErrorItem>,
}

#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
pub struct ErrorItem {
    #[serde(default)]
    pub field: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

impl ErrorBody {
    pub fn one(field: Option<&str>, message: &str) -> Self {
        Self {
            errors: vec![ErrorItem {
                field: field.map(str::to_owned),
                message: Some(message.to_owned()),
            }],
        }
    }
}

/// Turns a status and body into the value or the error a page can explain. A 204 (SendGrid's
/// answer to a delete or an update) decodes as JSON `null`.
fn decode<T: DeserializeOwned>(
    status: StatusCode,
    body: &[u8],
    read: bool,
) -> Result<T, SendgridError> {
    if status.is_success() {
        let body: &[u8] = if body.is_empty() { b"null" } else { body };
        let status = status.as_u16();
        return serde_json::from_slice(body).map_err(|_| {
            if read {
                SendgridError::UnreadableResponse { status }
            } else {
                SendgridError::UnreadableSuccess { status }
            }
        });
    }
    let parsed = serde_json::from_slice::<ErrorBody>(body).ok();
    let first = parsed.as_ref().and_then(|b| b.errors.first());
    // SendGrid's examples write a missing field as null, "" or even the string "null".
    let field = first
        .and_then(|e| e.field.clone())
        .filter(|f| !f.is_empty() && f != "null");
    let message = parsed
        .as_ref()
        .map(|b| {
            b.errors
                .iter()
                .filter_map(|e| e.message.as_deref())
                .collect::<Vec<_>>()
                .join("; ")
        })
        .unwrap_or_default();
    Err(match status.as_u16() {
        401 => SendgridError::InvalidKey,
        403 => SendgridError::Forbidden { message },
        404 => SendgridError::NotFound { message },
        400 | 422 => SendgridError::Validation { field, message },
        code @ 500..=599 => SendgridError::Unavailable { status: Some(code) },
        code if parsed.is_none() => SendgridError::UnreadableResponse { status: code },
        code => SendgridError::Rejected {
            status: code,
            message,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sendgrid_errors_become_sentences_that_name_the_field() {
        let got = |status: u16, body: &str| {
            decode::<serde_json::Value>(
                StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
                body.as_bytes(),
                true,
            )
            .unwrap_err()
        };
        assert_eq!(
            got(
                400,
                r#"{"errors":[{"field":"email","message":"invalid email"}]}"#
            ),
            SendgridError::Validation {
                field: Some("email".to_owned()),
                message: "invalid email".to_owned()
            }
        );
        assert_eq!(
            got(
                400,
                r#"{"errors":[{"field":"null","message":"invalid username"},{"message":"no fields provided"}]}"#
            ),
            SendgridError::Validation {
                field: None,
                message: "invalid username; no fields provided".to_owned()
            }
        );
        assert_eq!(
            got(
                401,
                r#"{"errors":[{"field":null,"message":"authorization required"}]}"#
            ),
            SendgridError::InvalidKey
        );
        assert!(matches!(got(403, ""), SendgridError::Forbidden { .. }));
        assert!(matches!(got(404, "{}"), SendgridError::NotFound { .. }));
        assert_eq!(
            got(503, "<html>"),
            SendgridError::Unavailable { status: Some(503) }
        );
        assert_eq!(
            got(418, "<html>"),
            SendgridError::UnreadableResponse { status: 418 }
        );
        assert_eq!(
            decode::<()>(StatusCode::NO_CONTENT, b"", false),
            Ok(()),
            "a 204 is a yes"
        );
        assert_eq!(
            decode::<serde_json::Value>(StatusCode::OK, b"<html>", false),
            Err(SendgridError::UnreadableSuccess { status: 200 }),
            "a yes to a change that cannot be read was still a yes"
        );
    }
}
