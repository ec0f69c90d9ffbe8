//! What never enters the audit log: secrets are replaced, bodies are reduced to a hash.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

pub const REDACTED: &str = "[redacted]";

/// Keys whose values are secrets, compared without case, `_` or `-`.
const SECRET_KEYS: &[&str] = &[
    "password",
    "apikey",
    "apikeys",
    "xapikey",
    "secret",
    "token",
    "cookie",
    "sessionid",
    "authorization",
];
/// Keys whose values are documents (letter bodies, template HTML): kept as a SHA-256.
const BODY_KEYS: &[&str] = &["html", "pdf", "body"];

fn normalized(key: &str) -> String {
    key.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Replaces secrets and hashes documents, at any depth.
pub fn redact(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, value)| {
                    let norm = normalized(&key);
                    let value = if SECRET_KEYS.contains(&norm.as_str()) {
                        Value::String(REDACTED.to_owned())
                    } else if BODY_KEYS.contains(&norm.as_str()) {
                        match value {
                            Value::String(text) => {
                                let mut digest = Map::new();
                                digest
                                    .insert("sha256".to_owned(), Value::String(sha256_hex(&text)));
                                Value::Object(digest)
                            }
                            other => redact(other),
                        }
                    } else {
                        redact(value)
                    };
                    (key, value)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(redact).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_replaced_and_bodies_hashed_at_any_depth() {
        let out = redact(json!({
            "password": "hunter2hunter2",
            "user": {"apiKeys": [{"value": "live_sk_1"}], "email": "a@b.c"},
            "X-Api-Key": "test_sk_2",
            "html": "<p>Dear customer</p>",
            "items": [{"session_id": "abc"}],
        }));
        let text = out.to_string();
        for secret in [
            "hunter2hunter2",
            "live_sk_1",
            "test_sk_2",
            "Dear customer",
            "\"abc\"",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert_eq!(out["user"]["email"], "a@b.c");
        assert_eq!(out["html"]["sha256"], sha256_hex("<p>Dear customer</p>"));
    }
}
