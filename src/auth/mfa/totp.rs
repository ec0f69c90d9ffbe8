//! Time-based one-time codes (RFC 6238): 6 digits, 30-second steps, one step of drift either
//! way. Which step a code belongs to is returned, so the store can refuse a code used before.

use totp_rs::{Algorithm, TOTP};

pub const DIGITS: usize = 6;
pub const STEP_SECONDS: u64 = 30;
/// 160 bits, the size RFC 4226 recommends for an HMAC-SHA1 key.
const SECRET_BYTES: usize = 20;
const ISSUER: &str = "suborg-portal";

/// A staff member's TOTP generator.
pub struct Totp(TOTP);

impl Totp {
    /// A new random secret, as stored (sealed) and shown once at enrolment.
    pub fn new_secret() -> Vec<u8> {
        rand::random::<[u8; SECRET_BYTES]>().to_vec()
    }

    /// The generator for `secret`, labelled with `account` in authenticator apps.
    pub fn new(secret: Vec<u8>, account: &str) -> Option<Self> {
        // The otpauth label separates issuer and account with `:`, so neither may hold one.
        let account = account.replace(':', "");
        TOTP::new(
            Algorithm::SHA1,
            DIGITS,
            1,
            STEP_SECONDS,
            secret,
            Some(ISSUER.to_owned()),
            account,
        )
        .ok()
        .map(Self)
    }

    /// The secret as people type it into an authenticator (base32, no padding).
    pub fn base32(&self) -> String {
        self.0.get_secret_base32()
    }

    /// The `otpauth://` URL an authenticator reads from the QR code.
    pub fn url(&self) -> String {
        self.0.get_url()
    }

    /// The time step (Unix seconds / 30) whose code `code` is, within one step of `now`.
    pub fn step_of(&self, code: &str, now: i64) -> Option<i64> {
        let code = code.trim();
        if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let now = u64::try_from(now).ok()?;
        let current = now / STEP_SECONDS;
        // Every candidate is compared, so the time taken says nothing about which matched.
        let mut found = None;
        for step in [current.saturating_sub(1), current, current + 1] {
            let expected = self.0.generate(step * STEP_SECONDS);
            if constant_time_eq::constant_time_eq(expected.as_bytes(), code.as_bytes()) {
                found = found.or(i64::try_from(step).ok());
            }
        }
        found
    }

    #[cfg(test)]
    fn code_at(&self, unix: u64) -> String {
        self.0.generate(unix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_test_vector_for_sha1() {
        // RFC 6238 appendix B: the ASCII secret "12345678901234567890", T = 59 s, 8 digits
        // 94287082; the last six are the 6-digit code.
        let totp = Totp::new(b"12345678901234567890".to_vec(), "a@example.com").expect("valid");
        assert_eq!(totp.code_at(59), "287082");
        assert_eq!(totp.code_at(1_111_111_109), "081804");
    }

    #[test]
    fn codes_within_one_step_match_their_own_step() {
        let totp = Totp::new(Totp::new_secret(), "a@example.com").expect("valid");
        let now = 1_700_000_015;
        let step = now / 30;
        assert_eq!(totp.step_of(&totp.code_at(now as u64), now), Some(step));
        assert_eq!(
            totp.step_of(&totp.code_at(now as u64 - 30), now),
            Some(step - 1)
        );
        assert_eq!(
            totp.step_of(&totp.code_at(now as u64 + 30), now),
            Some(step + 1)
        );
        assert_eq!(totp.step_of(&totp.code_at(now as u64 - 90), now), None);
        assert_eq!(totp.step_of("12345", now), None);
        assert_eq!(totp.step_of("abcdef", now), None);
    }

    #[test]
    fn the_url_names_the_issuer_and_account() {
        let totp = Totp::new(Totp::new_secret(), "lee:x@example.com").expect("valid");
        let url = totp.url();
        assert!(
            url.starts_with("otpauth://totp/suborg-portal:leex%40example.com?secret="),
            "{url}"
        );
        assert!(url.contains(&totp.base32()));
    }
}
