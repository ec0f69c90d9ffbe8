//! The one place every PostGrid request goes through: headers, timeouts, retries, error
//! mapping, and the observer that records each attempt.

use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use url::Url;

use crate::domain::CallId;

use super::call::Call;
use super::models::ErrorBody;
use super::PostgridError;
use crate::upstream::{OutcomeRecord, Recorder};

pub const POSTGRID_ORG: HeaderName = HeaderName::from_static("postgrid-org");
const API_KEY: HeaderName = HeaderName::from_static("x-api-key");
const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub connect_timeout: Duration,
    pub timeout: Duration,
    /// Retries after the first attempt, for reads only.
    pub max_retries: u32,
    pub backoff_base: Duration,
    /// The longest `Retry-After` the portal waits out before giving up on a read.
    pub retry_after_cap: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(20),
            max_retries: 2,
            backoff_base: Duration::from_millis(250),
            retry_after_cap: Duration::from_secs(10),
        }
    }
}

/// Holds the parent's key and the HTTP client; shared by every PostGrid client of the portal.
pub struct Transport {
    http: reqwest::Client,
    base_url: Url,
    api_key: SecretString,
    options: ClientOptions,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("base_url", &self.base_url.as_str())
            .field("api_key", &"[redacted]")
            .finish()
    }
}

/// What a finished attempt produced, before it is decoded.
enum Answer {
    Body(StatusCode, bytes::Bytes),
    Failed(PostgridError, Option<u16>),
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
            .build()?;
        Ok(Self {
            http,
            base_url,
            api_key,
            options,
        })
    }

    pub fn base_url(&self) -> &str {
        self.base_url.as_str().trim_end_matches('/')
    }

    /// Sends `call` (retrying reads that may succeed later) and decodes the answer as `T`.
    pub async fn execute<T: DeserializeOwned>(
        &self,
        call: &Call,
        observer: &dyn Recorder,
    ) -> Result<T, PostgridError> {
        // Refused before it is recorded or sent: it would not request the path it names.
        let url = crate::upstream::url_below(&self.base_url, &call.path, &call.query).ok_or_else(
            || PostgridError::NotFound {
                message: "an id made only of dots".to_owned(),
            },
        )?;
        let mut number = 0;
        loop {
            let attempt = call.attempt(CallId::new(), number);
            observer
                .before_send(&attempt)
                .await
                .map_err(|_| PostgridError::NotRecorded)?;

            let started = Instant::now();
            let (answer, request_id) = self.send_once(call, url.clone()).await;
            let (result, status, resource_id) = match answer {
                Answer::Body(status, body) => (
                    decode::<T>(call, status, &body),
                    Some(status.as_u16()),
                    changed_resource(call, status, &body),
                ),
                Answer::Failed(err, status) => (Err(err), status, None),
            };
            let error = result.as_ref().err();
            let outcome = OutcomeRecord {
                status,
                resource_id,
                upstream_request_id: request_id,
                duration: started.elapsed(),
                error: error.map(PostgridError::kind),
                // PostGrid said yes to a change whose answer cannot be read: probably made.
                probably_made: matches!(error, Some(PostgridError::UnreadableSuccess { .. })),
            };
            observer.after_attempt(&attempt, &outcome).await;

            match result {
                Err(err) if number < self.options.max_retries && is_retryable(call, &err) => {
                    tokio::time::sleep(self.wait_before_retry(number, &err)).await;
                    number += 1;
                }
                other => return other,
            }
        }
    }

    async fn send_once(&self, call: &Call, url: Url) -> (Answer, Option<String>) {
        let mut request = self
            .http
            .request(call.operation.method.clone(), url)
            .headers(self.headers(call));
        if let Some(body) = &call.body {
            request = request.json(body);
        }
        let sent_write = call.operation.method != Method::GET;
        match request.send().await {
            Ok(response) => {
                let status = response.status();
                let request_id = crate::upstream::request_id(response.headers());
                let retry_after = crate::upstream::retry_after(response.headers());
                let answer = match response.bytes().await {
                    Ok(_) if status == StatusCode::TOO_MANY_REQUESTS => Answer::Failed(
                        PostgridError::RateLimited { retry_after },
                        Some(status.as_u16()),
                    ),
                    Ok(body) => Answer::Body(status, body),
                    // The answer broke off: a write may have happened, a read can be retried.
                    Err(_) if sent_write => {
                        Answer::Failed(PostgridError::OutcomeUnknown, Some(status.as_u16()))
                    }
                    Err(_) => Answer::Failed(
                        PostgridError::Unavailable { status: None },
                        Some(status.as_u16()),
                    ),
                };
                (answer, request_id)
            }
            Err(err) => (
                Answer::Failed(transport_error(&err, sent_write), None),
                None,
            ),
        }
    }

    fn headers(&self, call: &Call) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Ok(mut key) = HeaderValue::from_str(self.api_key.expose_secret()) {
            key.set_sensitive(true);
            headers.insert(API_KEY, key);
        }
        if let Some(org) = &call.org {
            // A SubOrgId holds only letters, digits and `_`: always a valid header value.
            if let Ok(value) = HeaderValue::from_str(org.as_str()) {
                headers.insert(POSTGRID_ORG, value);
            }
        }
        if let Some(key) = call.idempotency_key.as_deref() {
            if let Ok(value) = HeaderValue::from_str(key) {
                headers.insert(IDEMPOTENCY_KEY, value);
            }
        }
        headers
    }

    pub(super) fn wait_before_retry(&self, number: u32, err: &PostgridError) -> Duration {
        if let PostgridError::RateLimited {
            retry_after: Some(wait),
        } = err
        {
            return (*wait).min(self.options.retry_after_cap);
        }
        crate::upstream::backoff(self.options.backoff_base, number)
    }
}

/// Reads are retried when a later try may succeed; writes never are, blindly.
fn is_retryable(call: &Call, err: &PostgridError) -> bool {
    if call.operation.method != Method::GET {
        return false;
    }
    match err {
        PostgridError::RateLimited { .. } | PostgridError::TimedOut => true,
        PostgridError::Unavailable { status } => {
            matches!(status, None | Some(502) | Some(503) | Some(504))
        }
        _ => false,
    }
}

fn transport_error(err: &reqwest::Error, sent_write: bool) -> PostgridError {
    if err.is_connect() {
        // Nothing reached PostGrid: safe to report as unavailable, even for a write.
        PostgridError::Unavailable { status: None }
    } else if sent_write {
        PostgridError::OutcomeUnknown
    } else if err.is_timeout() {
        PostgridError::TimedOut
    } else {
        PostgridError::Unavailable { status: None }
    }
}

/// The id of what a write created or changed, as its answer names it.
fn changed_resource(call: &Call, status: StatusCode, body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Named {
        id: String,
    }
    let write = call.operation.method != Method::GET && status.is_success();
    write
        .then(|| serde_json::from_slice::<Named>(body).ok())
        .flatten()
        .map(|named| named.id)
}

/// Turns a status and body into the resource or the error a page can explain.
fn decode<T: DeserializeOwned>(
    call: &Call,
    status: StatusCode,
    body: &[u8],
) -> Result<T, PostgridError> {
    if status.is_success() {
        return serde_json::from_slice(body).map_err(|_| {
            if call.operation.method == Method::GET {
                PostgridError::UnreadableResponse {
                    status: status.as_u16(),
                }
            } else {
                // PostGrid said yes to a change: it was made, whatever the body says.
                PostgridError::UnreadableSuccess {
                    status: status.as_u16(),
                }
            }
        });
    }
    let detail = serde_json::from_slice::<ErrorBody>(body)
        .ok()
        .map(|b| b.error);
    let kind = detail.as_ref().map(|d| d.kind.as_str()).unwrap_or_default();
    let message = detail
        .as_ref()
        .map(|d| d.message.clone())
        .unwrap_or_default();
    Err(match status.as_u16() {
        // Only PostGrid's own words blame the key: acting for a sub-organization brings
        // refusals about that organization under 401 too.
        401 if matches!(kind, "invalid_api_key_error" | "missing_auth_error") => {
            PostgridError::InvalidKey
        }
        401 if call.org.is_none() && detail.is_none() => PostgridError::InvalidKey,
        401 | 403 => PostgridError::Forbidden { message },
        404 => PostgridError::NotFound { message },
        400 => PostgridError::Validation {
            field: field_named_in(&message),
            message,
        },
        code @ 500..=599 => PostgridError::Unavailable { status: Some(code) },
        code if detail.is_none() => PostgridError::UnreadableResponse { status: code },
        code => PostgridError::Rejected {
            status: code,
            message,
        },
    })
}

/// The field a validation message names: the first word in quotes that looks like a field
/// name. PostGrid quotes with single quotes (`'to' is not a valid contact or contact ID.`);
/// backquotes are read too.
pub fn field_named_in(message: &str) -> Option<String> {
    let is_field = |word: &str| {
        !word.is_empty()
            && word
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.'))
    };
    message.char_indices().find_map(|(at, quote)| {
        if quote != '\'' && quote != '`' {
            return None;
        }
        let rest = &message[at + 1..];
        let word = &rest[..rest.find(quote)?];
        is_field(word).then(|| word.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_messages_name_their_field() {
        assert_eq!(
            field_named_in("`countryCode` must be an ISO 3166-1 alpha-2 code"),
            Some("countryCode".to_owned())
        );
        assert_eq!(
            field_named_in(
                "Failed to satisfy the following constraints: 'to' is not a valid contact or contact ID."
            ),
            Some("to".to_owned())
        );
        assert_eq!(
            field_named_in("Can't read 'sendDate' as a date"),
            Some("sendDate".to_owned()),
            "an apostrophe is not a quote"
        );
        assert_eq!(field_named_in("something is wrong"), None);
        assert_eq!(field_named_in("`a b` odd"), None);
    }

    #[test]
    fn statuses_map_to_errors_a_page_can_explain() {
        let body = |kind: &str, msg: &str| {
            serde_json::to_vec(&ErrorBody::new(kind, msg)).unwrap_or_default()
        };
        let read = call(
            crate::operation!("contacts.get", GET, "/contacts/{id}"),
            true,
        );
        let decode_err = |status: u16, body: &[u8]| {
            decode::<serde_json::Value>(
                &read,
                StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
                body,
            )
            .unwrap_err()
        };
        assert_eq!(
            decode_err(401, &body("invalid_api_key_error", "bad")),
            PostgridError::InvalidKey
        );
        assert!(matches!(
            decode_err(401, &body("permission_missing_error", "no")),
            PostgridError::Forbidden { .. }
        ));
        assert!(matches!(
            decode_err(403, b""),
            PostgridError::Forbidden { .. }
        ));
        assert!(matches!(
            decode_err(404, &body("not_found_error", "x")),
            PostgridError::NotFound { .. }
        ));
        assert_eq!(
            decode_err(400, &body("validation_error", "`email` is invalid")),
            PostgridError::Validation {
                field: Some("email".to_owned()),
                message: "`email` is invalid".to_owned()
            }
        );
        assert_eq!(
            decode_err(503, b"<html>"),
            PostgridError::Unavailable { status: Some(503) }
        );
        assert_eq!(
            decode_err(418, b"<html>"),
            PostgridError::UnreadableResponse { status: 418 }
        );
        assert!(matches!(
            decode::<Vec<u8>>(&read, StatusCode::OK, b"{not json"),
            Err(PostgridError::UnreadableResponse { status: 200 })
        ));
    }

    fn call(operation: super::super::Operation, acting: bool) -> Call {
        Call {
            operation,
            path: "/x".to_owned(),
            query: vec![],
            body: None,
            org: acting.then(|| crate::domain::SubOrgId::parse("sub_org_a1").expect("id")),
            idempotency_key: None,
        }
    }

    #[test]
    fn only_postgrid_blames_the_key_when_acting_for_a_sub_organization() {
        let acting = call(crate::operation!("letters.get", GET, "/letters/{id}"), true);
        let parent = call(crate::operation!("sub_organizations.get", GET, "/x"), false);
        let status = StatusCode::UNAUTHORIZED;
        let body = |kind: &str| serde_json::to_vec(&ErrorBody::new(kind, "m")).unwrap_or_default();
        let got = |call: &Call, body: &[u8]| decode::<serde_json::Value>(call, status, body);
        assert_eq!(
            got(&acting, &body("invalid_api_key_error")),
            Err(PostgridError::InvalidKey)
        );
        assert_eq!(
            got(&acting, &body("missing_auth_error")),
            Err(PostgridError::InvalidKey)
        );
        assert!(matches!(
            got(&acting, &body("organization_not_found_error")),
            Err(PostgridError::Forbidden { .. })
        ));
        assert!(matches!(
            got(&acting, b""),
            Err(PostgridError::Forbidden { .. })
        ));
        assert_eq!(got(&parent, b""), Err(PostgridError::InvalidKey));
    }

    #[test]
    fn an_unreadable_yes_to_a_change_is_not_an_error_to_retry() {
        let create = call(crate::operation!("letters.create", POST, "/letters"), true);
        assert_eq!(
            decode::<serde_json::Value>(&create, StatusCode::CREATED, b"<html>ok</html>"),
            Err(PostgridError::UnreadableSuccess { status: 201 })
        );
    }
}
