//! The key behind second factors (`PORTAL_SECRET_KEY`): TOTP secrets are sealed with it before
//! they reach the database, and recovery codes are hashed with it, so a copy of the database
//! alone yields neither. Two keys are derived from it (HKDF-SHA256), one per use.

use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretBox};
use sha2::Sha256;

use crate::domain::StaffId;

/// Fewer characters than this give a derived key less strength than it claims.
pub const MIN_SECRET_KEY_CHARS: usize = 32;

/// The version prefix of a sealed value, so the format can change without guessing.
const SEALED_V1: &str = "v1";

pub struct SecretKey {
    sealing: SecretBox<[u8; 32]>,
    hashing: SecretBox<[u8; 32]>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("must be at least {MIN_SECRET_KEY_CHARS} characters (got {0})")]
pub struct KeyTooShort(usize);

impl SecretKey {
    pub fn parse(raw: &str) -> Result<Self, KeyTooShort> {
        let raw = raw.trim();
        if raw.chars().count() < MIN_SECRET_KEY_CHARS {
            return Err(KeyTooShort(raw.chars().count()));
        }
        let hkdf = Hkdf::<Sha256>::new(Some(b"suborg-portal"), raw.as_bytes());
        let derive = |info: &[u8]| {
            let mut key = Box::new([0u8; 32]);
            // 32 bytes is far below HKDF-SHA256's limit of 8160, so this cannot fail.
            let _ = hkdf.expand(info, key.as_mut());
            SecretBox::new(key)
        };
        Ok(Self {
            sealing: derive(b"totp secret at rest v1"),
            hashing: derive(b"recovery code hash v1"),
        })
    }

    /// `plain` encrypted and authenticated for `staff`'s row only: a sealed value moved to
    /// another row does not open.
    pub fn seal(&self, staff: StaffId, plain: &[u8]) -> String {
        self.seal_bound(&staff.get().to_be_bytes(), plain)
    }

    /// The plain value of a sealed one, or `None` when it was not sealed for `staff` with
    /// this key (another key, another row, or altered).
    pub fn open(&self, staff: StaffId, sealed: &str) -> Option<Vec<u8>> {
        self.open_bound(&staff.get().to_be_bytes(), sealed)
    }

    /// `plain` sealed for `purpose` only (such as a sign-in flow kept in a cookie).
    pub fn seal_for(&self, purpose: &str, plain: &[u8]) -> String {
        self.seal_bound(purpose.as_bytes(), plain)
    }

    pub fn open_for(&self, purpose: &str, sealed: &str) -> Option<Vec<u8>> {
        self.open_bound(purpose.as_bytes(), sealed)
    }

    fn seal_bound(&self, aad: &[u8], plain: &[u8]) -> String {
        let cipher = XChaCha20Poly1305::new(self.sealing.expose_secret().into());
        let nonce: [u8; 24] = rand::random();
        // Encryption with a valid key and a buffer in memory does not fail.
        let sealed = cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plain, aad })
            .unwrap_or_default();
        format!("{SEALED_V1}.{}.{}", hex::encode(nonce), hex::encode(sealed))
    }

    fn open_bound(&self, aad: &[u8], sealed: &str) -> Option<Vec<u8>> {
        let mut parts = sealed.split('.');
        let (Some(SEALED_V1), Some(nonce), Some(body), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let nonce = hex::decode(nonce).ok().filter(|n| n.len() == 24)?;
        let body = hex::decode(body).ok()?;
        let cipher = XChaCha20Poly1305::new(self.sealing.expose_secret().into());
        cipher
            .decrypt(XNonce::from_slice(&nonce), Payload { msg: &body, aad })
            .ok()
    }

    /// The stored form of one of `staff`'s recovery codes (already normalized).
    pub fn recovery_hash(&self, staff: StaffId, code: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.hashing.expose_secret())
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        mac.update(&staff.get().to_be_bytes());
        mac.update(code.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(raw: &str) -> SecretKey {
        SecretKey::parse(raw).expect("long enough")
    }

    #[test]
    fn a_sealed_secret_opens_only_for_its_row_and_key() {
        let one = key("0123456789abcdef0123456789abcdef");
        let other = key("fedcba9876543210fedcba9876543210");
        let sealed = one.seal(StaffId::from(7), b"secret bytes");
        assert!(!sealed.contains(&hex::encode(b"secret bytes")));
        assert_eq!(
            one.open(StaffId::from(7), &sealed).as_deref(),
            Some(&b"secret bytes"[..])
        );
        assert_eq!(one.open(StaffId::from(8), &sealed), None, "another row");
        assert_eq!(other.open(StaffId::from(7), &sealed), None, "another key");
        let mut altered = sealed.clone();
        altered.pop();
        altered.push(if sealed.ends_with('0') { '1' } else { '0' });
        assert_eq!(one.open(StaffId::from(7), &altered), None, "altered");
        let flow = one.seal_for("sso-flow", b"state");
        assert_eq!(
            one.open_for("sso-flow", &flow).as_deref(),
            Some(&b"state"[..])
        );
        assert_eq!(one.open_for("other", &flow), None, "another purpose");
        assert_ne!(
            sealed,
            one.seal(StaffId::from(7), b"secret bytes"),
            "fresh nonce"
        );
    }

    #[test]
    fn short_keys_are_refused_and_hashes_depend_on_key_and_row() {
        assert_eq!(SecretKey::parse("short").err(), Some(KeyTooShort(5)));
        let one = key("0123456789abcdef0123456789abcdef");
        let other = key("fedcba9876543210fedcba9876543210");
        let hash = one.recovery_hash(StaffId::from(1), "abcde23456");
        assert_eq!(hash, one.recovery_hash(StaffId::from(1), "abcde23456"));
        assert_ne!(hash, one.recovery_hash(StaffId::from(2), "abcde23456"));
        assert_ne!(hash, other.recovery_hash(StaffId::from(1), "abcde23456"));
        assert!(!format!("{one:?}").contains("0123"));
    }
}
