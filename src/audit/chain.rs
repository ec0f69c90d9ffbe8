//! The keyed hash chain.
//!
//! Canonical encoding, version 1: the UTF-8 JSON array
//! `["suborg-portal/audit/v1", seq, id, at, action, outcome, actor_id, actor_email, actor_role,
//!   sub_org_id, impersonation_id, reason, call_id, operation, method, upstream_path,
//!   upstream_status, upstream_request_id, duration_ms, client_ip, user_agent, request_id,
//!   detail]`
//! with absent values as `null` and `detail` as its stored JSON text (a string), written by
//! serde_json without spaces. Then
//! `hash = hex(HMAC-SHA256(PORTAL_AUDIT_KEY, canonical ‖ "\n" ‖ prev_hash))`, and the first
//! event's `prev_hash` is [`GENESIS`].
//!
//! Version 2 (written since SendGrid came, issue #16) is the same array with
//! `"suborg-portal/audit/v2"` first and `provider` appended after `detail`. Every stored field
//! but `hash` itself is covered. Verification accepts an event under version 1 only when its
//! `provider` is null (version 1 does not cover it), so events written before the change, or by
//! an older process during a rolling upgrade, still verify, and no provider can be slipped
//! into one of them.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::event::StoredEvent;

/// The version new events are written under.
pub const CANONICAL_VERSION: &str = "suborg-portal/audit/v2";
const CANONICAL_V1: &str = "suborg-portal/audit/v1";
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

pub(super) type HmacSha256 = Hmac<Sha256>;

/// HMAC-SHA256 under `key`: the chain's, and the audit log's other seals and signatures.
pub(super) fn mac(key: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes any key"))
}

/// The canonical encoding of `event` under the current version.
pub fn canonical(event: &StoredEvent) -> Vec<u8> {
    encode(event, CANONICAL_VERSION)
}

fn encode(event: &StoredEvent, version: &str) -> Vec<u8> {
    let mut fields = serde_json::json!([
        version,
        event.seq,
        event.id,
        event.at,
        event.action,
        event.outcome,
        event.actor_id,
        event.actor_email,
        event.actor_role,
        event.sub_org_id,
        event.impersonation_id,
        event.reason,
        event.call_id,
        event.operation,
        event.method,
        event.upstream_path,
        event.upstream_status,
        event.upstream_request_id,
        event.duration_ms,
        event.client_ip,
        event.user_agent,
        event.request_id,
        event.detail,
    ]);
    if version != CANONICAL_V1 {
        if let Some(fields) = fields.as_array_mut() {
            fields.push(serde_json::json!(event.provider));
        }
    }
    serde_json::to_vec(&fields).unwrap_or_default()
}

/// The hash of `event` chained to `prev_hash`.
pub fn hash(key: &[u8], event: &StoredEvent, prev_hash: &str) -> String {
    let mut mac = mac(key);
    mac.update(&canonical(event));
    mac.update(b"\n");
    mac.update(prev_hash.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Whether `event.hash` is right for its own content and `prev_hash`, under the current
/// version or, for an event without a provider, under version 1.
pub fn is_authentic(key: &[u8], event: &StoredEvent) -> bool {
    if !is_lower_hex_sha256(&event.hash) {
        return false;
    }
    let Ok(tag) = hex::decode(&event.hash) else {
        return false;
    };
    let verifies = |version: &str| {
        let mut mac = mac(key);
        mac.update(&encode(event, version));
        mac.update(b"\n");
        mac.update(event.prev_hash.as_bytes());
        mac.verify_slice(&tag).is_ok()
    };
    verifies(CANONICAL_VERSION) || (event.provider.is_none() && verifies(CANONICAL_V1))
}

/// Hashes and tags are written as 64 lower-case hex digits, and only that form is accepted:
/// the same tag in upper case is not what the portal wrote, so it is a break.
pub fn is_lower_hex_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The head of the chain at a moment, signed with the audit key, to keep outside the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub version: u32,
    pub seq: i64,
    pub head_hash: String,
    pub at: String,
    pub mac: String,
}

impl Checkpoint {
    fn message(seq: i64, head_hash: &str, at: &str) -> String {
        format!("suborg-portal/checkpoint/v1\n{seq}\n{head_hash}\n{at}")
    }

    pub fn sign(key: &[u8], seq: i64, head_hash: &str, at: &str) -> Self {
        let mut mac = mac(key);
        mac.update(Self::message(seq, head_hash, at).as_bytes());
        Self {
            version: 1,
            seq,
            head_hash: head_hash.to_owned(),
            at: at.to_owned(),
            mac: hex::encode(mac.finalize().into_bytes()),
        }
    }

    pub fn is_authentic(&self, key: &[u8]) -> bool {
        let mut mac = mac(key);
        mac.update(Self::message(self.seq, &self.head_hash, &self.at).as_bytes());
        self.version == 1
            && is_lower_hex_sha256(&self.mac)
            && is_lower_hex_sha256(&self.head_hash)
            && hex::decode(&self.mac).is_ok_and(|tag| mac.verify_slice(&tag).is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample(seq: i64) -> StoredEvent {
        StoredEvent {
            seq,
            id: format!("id-{seq}"),
            at: "2026-01-01T00:00:00.000000Z".to_owned(),
            action: "auth.logout".to_owned(),
            outcome: "ok".to_owned(),
            actor_id: Some(1),
            actor_email: Some("a@example.com".to_owned()),
            actor_role: Some("admin".to_owned()),
            sub_org_id: None,
            impersonation_id: None,
            reason: None,
            call_id: None,
            operation: None,
            method: None,
            upstream_path: None,
            upstream_status: None,
            upstream_request_id: None,
            duration_ms: None,
            client_ip: None,
            user_agent: None,
            request_id: None,
            detail: "{}".to_owned(),
            prev_hash: GENESIS.to_owned(),
            hash: String::new(),
            provider: None,
        }
    }

    #[test]
    fn every_field_changes_the_hash() {
        let key = b"k".repeat(32);
        let base = sample(1);
        let original = hash(&key, &base, GENESIS);
        let mut edits: Vec<StoredEvent> = Vec::new();
        let mut e = base.clone();
        e.reason = Some("x".into());
        edits.push(e);
        let mut e = base.clone();
        e.detail = "{\"a\":1}".into();
        edits.push(e);
        let mut e = base.clone();
        e.seq = 2;
        edits.push(e);
        let mut e = base.clone();
        e.actor_email = None;
        edits.push(e);
        for edited in edits {
            assert_ne!(hash(&key, &edited, GENESIS), original, "{edited:?}");
        }
        assert_ne!(
            hash(&key, &base, &"1".repeat(64)),
            original,
            "prev_hash is covered"
        );
        assert_ne!(
            hash(&b"o".repeat(32), &base, GENESIS),
            original,
            "the key matters"
        );
    }

    #[test]
    fn checkpoints_are_signed() {
        let key = b"k".repeat(32);
        let cp = Checkpoint::sign(&key, 7, &"ab".repeat(32), "2026-01-01T00:00:00.000000Z");
        assert!(cp.is_authentic(&key));
        let mut shouted = cp.clone();
        shouted.mac = shouted.mac.to_uppercase();
        assert!(
            !shouted.is_authentic(&key),
            "a tag in upper case is not the one written"
        );
        let mut forged = cp.clone();
        forged.seq = 9;
        assert!(!forged.is_authentic(&key));
        assert!(!cp.is_authentic(&b"x".repeat(32)));
    }

    /// The hash an event got before `provider` existed.
    fn hash_v1(key: &[u8], event: &StoredEvent) -> String {
        let mut mac = mac(key);
        mac.update(&encode(event, CANONICAL_V1));
        mac.update(b"\n");
        mac.update(event.prev_hash.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    #[test]
    fn events_written_under_version_1_still_verify_and_cannot_gain_a_provider() {
        let key = b"k".repeat(32);
        let mut old = sample(1);
        old.hash = hash_v1(&key, &old);
        assert!(is_authentic(&key, &old), "a version 1 event verifies");
        let mut claimed = old.clone();
        claimed.provider = Some("sendgrid".to_owned());
        assert!(
            !is_authentic(&key, &claimed),
            "a provider slipped into a version 1 event is an edit"
        );
        let mut new = sample(2);
        new.provider = Some("sendgrid".to_owned());
        new.hash = hash(&key, &new, GENESIS);
        assert!(is_authentic(&key, &new));
        let mut moved = new.clone();
        moved.provider = Some("postgrid".to_owned());
        assert!(!is_authentic(&key, &moved), "version 2 covers the provider");
        moved.provider = None;
        assert!(!is_authentic(&key, &moved), "and its removal");
    }

    #[test]
    fn a_hash_in_upper_case_is_a_break() {
        let key = b"k".repeat(32);
        let mut event = sample(1);
        event.hash = hash(&key, &event, GENESIS);
        assert!(is_authentic(&key, &event));
        event.hash = event.hash.to_uppercase();
        assert!(!is_authentic(&key, &event));
    }
}
