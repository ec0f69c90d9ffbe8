//! The second factor (DESIGN §9, issue #17): TOTP codes from an authenticator app, with
//! single-use recovery codes for when it is lost. Who must have one is [`MfaPolicy`]; secrets
//! are sealed with `PORTAL_SECRET_KEY` ([`SecretKey`]) and never leave the server again after
//! enrolment.

mod qr;
pub mod recovery;
mod sealing;
mod store;
mod totp;

use time::OffsetDateTime;

pub use sealing::{KeyTooShort, SecretKey, MIN_SECRET_KEY_CHARS};
pub use store::recovery_codes_left;
pub use totp::Totp;

use super::role::Role;
use super::staff::Staff;
use crate::db::Database;

/// Who must enrol a second factor before doing anything else (`PORTAL_MFA`). Anyone may enrol
/// whatever the policy; once enrolled, their codes are asked for at sign-in and step-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MfaPolicy {
    Admins,
    Everyone,
    Off,
}

impl MfaPolicy {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim() {
            "admins" => Some(Self::Admins),
            "everyone" => Some(Self::Everyone),
            "off" => Some(Self::Off),
            _ => None,
        }
    }

    pub fn required_for(self, role: Role) -> bool {
        match self {
            Self::Admins => role == Role::Admin,
            Self::Everyone => true,
            Self::Off => false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MfaError {
    /// The stored secret does not open with this key: `PORTAL_SECRET_KEY` changed, or the row
    /// was altered. Nobody can pass with it; an admin resets it.
    #[error("the stored second factor cannot be read with this PORTAL_SECRET_KEY")]
    Unreadable,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// What a typed code turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    Totp,
    Recovery,
    Wrong,
    /// A right code that was used before (its time step, or an earlier one).
    Reused,
}

impl CodeCheck {
    pub fn passed(self) -> bool {
        matches!(self, Self::Totp | Self::Recovery)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Totp => "totp",
            Self::Recovery => "recovery_code",
            Self::Wrong => "wrong_code",
            Self::Reused => "reused_code",
        }
    }
}

fn generator(key: &SecretKey, staff: &Staff, sealed: &str) -> Result<Totp, MfaError> {
    let secret = key.open(staff.id, sealed).ok_or(MfaError::Unreadable)?;
    Totp::new(secret, &staff.email).ok_or(MfaError::Unreadable)
}

/// Checks a code typed by an enrolled `staff` member: a TOTP code is used up with its time
/// step, a recovery code with itself.
pub async fn check_code(
    db: &Database,
    key: &SecretKey,
    staff: &Staff,
    typed: &str,
    now: OffsetDateTime,
) -> Result<CodeCheck, MfaError> {
    let (_, Some(sealed)) = store::sealed_secrets(db, staff.id).await? else {
        return Ok(CodeCheck::Wrong);
    };
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if typed.bytes().all(|b| b.is_ascii_digit()) {
        let Some(step) = generator(key, staff, &sealed)?.step_of(&typed, now.unix_timestamp())
        else {
            return Ok(CodeCheck::Wrong);
        };
        return Ok(if store::use_step(db, staff.id, step).await? {
            CodeCheck::Totp
        } else {
            CodeCheck::Reused
        });
    }
    let Some(code) = recovery::normalize(&typed) else {
        return Ok(CodeCheck::Wrong);
    };
    let hash = key.recovery_hash(staff.id, &code);
    Ok(
        if store::use_recovery_code(db, staff.id, &hash, now).await? {
            CodeCheck::Recovery
        } else {
            CodeCheck::Wrong
        },
    )
}

/// The secret an enrolment shows: as text to type and as a QR code to scan.
pub struct Enrolment {
    pub secret_base32: String,
    pub qr_svg: Option<String>,
}

/// Starts (or starts again) `staff`'s enrolment with a new secret.
pub async fn begin_enrolment(
    db: &Database,
    key: &SecretKey,
    staff: &Staff,
) -> Result<(), MfaError> {
    let sealed = key.seal(staff.id, &Totp::new_secret());
    store::set_pending(db, staff.id, &sealed).await?;
    Ok(())
}

/// The enrolment in progress, if there is one.
pub async fn pending_enrolment(
    db: &Database,
    key: &SecretKey,
    staff: &Staff,
) -> Result<Option<Enrolment>, MfaError> {
    let (Some(sealed), _) = store::sealed_secrets(db, staff.id).await? else {
        return Ok(None);
    };
    let totp = generator(key, staff, &sealed)?;
    Ok(Some(Enrolment {
        secret_base32: totp.base32(),
        qr_svg: qr::svg_of(&totp.url()),
    }))
}

/// Why a first code did not finish enrolment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotEnrolled {
    NotStarted,
    WrongCode,
    /// Enrolment started again (in another tab) after this code's secret was shown.
    StartedAgain,
}

/// Finishes `staff`'s enrolment with the first code from the app; returns the recovery codes,
/// which are shown this once and kept only hashed.
pub async fn finish_enrolment(
    db: &Database,
    key: &SecretKey,
    staff: &Staff,
    typed: &str,
    now: OffsetDateTime,
) -> Result<Result<Vec<String>, NotEnrolled>, MfaError> {
    let (Some(sealed), _) = store::sealed_secrets(db, staff.id).await? else {
        return Ok(Err(NotEnrolled::NotStarted));
    };
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(step) = generator(key, staff, &sealed)?.step_of(&typed, now.unix_timestamp()) else {
        return Ok(Err(NotEnrolled::WrongCode));
    };
    let codes = recovery::new_codes();
    let hashes: Vec<String> = codes
        .iter()
        .filter_map(|code| recovery::normalize(code))
        .map(|code| key.recovery_hash(staff.id, &code))
        .collect();
    if !store::confirm(db, staff.id, &sealed, step, &hashes, now).await? {
        return Ok(Err(NotEnrolled::StartedAgain));
    }
    Ok(Ok(codes))
}

/// Forgets `staff`'s recovery codes; the secret itself goes with [`super::staff::Change::ResetMfa`].
pub async fn forget_recovery_codes(db: &Database, staff: &Staff) -> Result<(), MfaError> {
    Ok(store::forget_recovery_codes(db, staff.id).await?)
}
