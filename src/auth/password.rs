//! Passwords: the policy, and argon2id hashing off the async threads with a bound on how many
//! hash at once, so a burst of sign-ins cannot starve page rendering.

use std::sync::{Arc, OnceLock};

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;

pub const MIN_LENGTH: usize = 12;
/// Long enough for any passphrase; bounded so no one hands the hasher a megabyte.
pub const MAX_LENGTH: usize = 1_024;

/// OWASP's argon2id parameters: 19 MiB of memory, 2 iterations, 1 lane.
pub const MEMORY_KIB: u32 = 19 * 1024;
pub const ITERATIONS: u32 = 2;
pub const LANES: u32 = 1;

/// A small list of passwords that meet the length rule and are still guessed first.
const COMMON: &[&str] = &[
    "password1234",
    "password12345",
    "password123456",
    "123456789012",
    "1234567890123",
    "qwertyuiop12",
    "qwertyuiopas",
    "letmein12345",
    "welcome12345",
    "iloveyou1234",
    "administrator",
    "adminadmin12",
    "changeme1234",
    "passw0rd1234",
    "abcdefghijkl",
    "abc123456789",
    "111111111111",
    "000000000000",
    "trustno11234",
    "superman1234",
    "monkey123456",
    "football1234",
    "baseball1234",
    "sunshine1234",
    "princess1234",
    "dragon123456",
    "starwars1234",
    "correcthorse",
    "qwerty123456",
    "1q2w3e4r5t6y",
    "postgrid1234",
    "suborgportal",
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WeakPassword {
    #[error("use at least {MIN_LENGTH} characters")]
    TooShort,
    #[error("that password is too common; choose another")]
    Common,
    #[error("use at most {MAX_LENGTH} characters")]
    TooLong,
}

/// Checks the policy; the reason is shown beside the field.
pub fn check_policy(password: &str) -> Result<(), WeakPassword> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(WeakPassword::TooShort);
    }
    if length > MAX_LENGTH {
        return Err(WeakPassword::TooLong);
    }
    let lowered = password.to_lowercase();
    if COMMON.contains(&lowered.as_str())
        || lowered
            .chars()
            .all(|c| c == lowered.chars().next().unwrap_or(' '))
    {
        return Err(WeakPassword::Common);
    }
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("password hashing failed: {0}")]
    Argon2(String),
    #[error("password hashing was interrupted")]
    Interrupted,
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, LANES, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes and verifies on blocking threads, at most `limit` at a time.
#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
}

impl Hasher {
    pub fn new(limit: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(limit.max(1))),
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| HashError::Interrupted)?;
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || span.in_scope(work))
            .await
            .map_err(|_| HashError::Interrupted)
    }

    pub async fn hash(&self, password: SecretString) -> Result<String, HashError> {
        self.run(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2()
                .hash_password(password.expose_secret().as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| HashError::Argon2(e.to_string()))
        })
        .await?
    }

    /// Verifies `password` against `hash`, or against a dummy hash when there is no account, so
    /// an unknown email costs the same time as a known one.
    pub async fn verify(
        &self,
        password: SecretString,
        hash: Option<String>,
    ) -> Result<bool, HashError> {
        self.run(move || {
            let known = hash.is_some();
            let hash = hash.unwrap_or_else(|| dummy_hash().to_owned());
            let Ok(parsed) = PasswordHash::new(&hash) else {
                return false;
            };
            let matches = argon2()
                .verify_password(password.expose_secret().as_bytes(), &parsed)
                .is_ok();
            known && matches
        })
        .await
    }
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(b"no account has this password", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_names_its_reason() {
        assert_eq!(check_policy("short"), Err(WeakPassword::TooShort));
        assert_eq!(check_policy("Password1234"), Err(WeakPassword::Common));
        assert_eq!(check_policy("aaaaaaaaaaaaaa"), Err(WeakPassword::Common));
        assert_eq!(check_policy("a long, uncommon passphrase"), Ok(()));
    }

    #[tokio::test]
    async fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        let hasher = Hasher::new(1);
        let hash = hasher
            .hash(SecretString::from("a long, uncommon passphrase"))
            .await
            .expect("hash");
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(hasher
            .verify(
                SecretString::from("a long, uncommon passphrase"),
                Some(hash.clone())
            )
            .await
            .expect("verify"));
        assert!(!hasher
            .verify(SecretString::from("wrong passphrase!"), Some(hash))
            .await
            .expect("verify"));
        assert!(!hasher
            .verify(SecretString::from("anything at all"), None)
            .await
            .expect("verify"));
    }
}
