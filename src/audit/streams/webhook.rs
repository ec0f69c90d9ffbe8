//! The webhook sink: batches of events POSTed as JSON over HTTPS, the body signed with
//! HMAC-SHA256 under `PORTAL_AUDIT_WEBHOOK_SECRET` in `X-Suborg-Signature: sha256=<hex>`.
//! A batch is delivered when the receiver answers 2xx; anything else is tried again.
//!
//! The body is `{"first_seq": a, "last_seq": b, "events": [...]}`, each event as exported.
//! A receiver that was down may be sent a batch again: it keeps the highest `seq` it has
//! stored and skips what it already has.

use std::time::Duration;

use hmac::Mac;
use secrecy::ExposeSecret;

use super::settings::WebhookTarget;
use super::{Sink, SinkError};
use crate::audit::StoredEvent;

pub const SIGNATURE_HEADER: &str = "x-suborg-signature";
/// Well inside half a delivery lease.
const TIMEOUT: Duration = Duration::from_secs(20);

pub struct WebhookSink {
    target: WebhookTarget,
    client: reqwest::Client,
}

impl WebhookSink {
    pub fn new(target: WebhookTarget) -> Result<Self, SinkError> {
        let mut builder = reqwest::Client::builder()
            .timeout(TIMEOUT)
            // The log goes to the one receiver configured, never where a redirect points.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("suborg-portal/", env!("CARGO_PKG_VERSION")));
        for root in &target.extra_roots {
            let cert = reqwest::Certificate::from_der(root)
                .map_err(|e| SinkError::new(format!("PORTAL_AUDIT_WEBHOOK_CA: {e}")))?;
            builder = builder.add_root_certificate(cert);
        }
        let client = builder
            .build()
            .map_err(|e| SinkError::new(format!("cannot set up the HTTPS client: {e}")))?;
        Ok(Self { target, client })
    }
}

/// `sha256=` and the hex HMAC-SHA256 of `body` under `secret`.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    let mut mac = crate::audit::chain::mac(secret);
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[async_trait::async_trait]
impl Sink for WebhookSink {
    async fn send(&mut self, events: &[StoredEvent]) -> Result<Option<i64>, SinkError> {
        let (Some(first), Some(last)) = (events.first(), events.last()) else {
            return Ok(None);
        };
        let body = serde_json::to_vec(&serde_json::json!({
            "first_seq": first.seq,
            "last_seq": last.seq,
            "events": events,
        }))
        .map_err(|e| SinkError::new(format!("cannot encode the batch: {e}")))?;
        let signature = signature(self.target.secret.expose_secret().as_bytes(), &body);
        let answer = self
            .client
            .post(self.target.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, signature)
            .body(body)
            .send()
            .await
            // Without the URL: its query may hold a token.
            .map_err(|e| SinkError::new(format!("cannot deliver: {}", e.without_url())))?;
        let status = answer.status();
        if status.is_success() {
            Ok(Some(last.seq))
        } else {
            Err(SinkError::new(format!("the receiver answered {status}")))
        }
    }

    async fn settle(&mut self) -> Result<Option<i64>, SinkError> {
        Ok(None)
    }

    fn reset(&mut self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_the_body() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
