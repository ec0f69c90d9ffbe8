//! Who is signed in: the session record, its timeouts, and the person it resolves to on every
//! request (re-read from the database, so disabling or demoting someone takes effect at once).

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use tower_sessions::Session;

use super::role::{Permission, Role};
use super::session_registry::{self, SeenFrom};
use super::staff::{self, Staff};
use crate::audit::Actor;
use crate::db::Database;
use crate::domain::StaffId;

pub const SESSION_KEY: &str = "staff";
/// Where a sign-in waits between the right password and the second factor's code.
pub const PENDING_KEY: &str = "pending_sign_in";
/// How long the code may follow the password.
pub const PENDING_FOR: Duration = Duration::minutes(5);

/// What the session store keeps about a signed-in person. Never the password or the role:
/// those are read from the database on every request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionAuth {
    pub staff_id: StaffId,
    pub session_version: i64,
    /// Unix seconds.
    pub signed_in_at: i64,
    pub last_seen_at: i64,
    /// When this session last passed a second factor (Unix seconds): step-up asks again when
    /// this is older than `PORTAL_STEP_UP_MINUTES`.
    #[serde(default)]
    pub factor_at: Option<i64>,
    /// Signed in through the identity provider, which used a second factor and is trusted for
    /// it (`PORTAL_OIDC_TRUST_MFA`): that stands in for the portal's own.
    #[serde(default)]
    pub idp_mfa: bool,
    /// This session's row in `staff_sessions` (see `session_registry`).
    #[serde(default)]
    pub handle: Option<String>,
}

impl SessionAuth {
    /// Whether a second factor was passed within `window` of `now`.
    pub fn factor_fresh(&self, now: OffsetDateTime, window: Duration) -> bool {
        self.factor_at
            .is_some_and(|at| now.unix_timestamp() - at <= window.whole_seconds())
    }
}

/// A sign-in whose password was right, waiting for the code of the second factor. Nobody is
/// signed in by it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingSignIn {
    pub staff_id: StaffId,
    pub session_version: i64,
    /// When the password was checked (Unix seconds).
    pub at: i64,
    /// Where to go once signed in (already made safe).
    pub next: String,
}

impl PendingSignIn {
    pub fn expired(&self, now: OffsetDateTime) -> bool {
        now.unix_timestamp() - self.at > PENDING_FOR.whole_seconds()
    }
}

#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    pub idle: Duration,
    pub absolute: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle: Duration::minutes(30),
            absolute: Duration::hours(12),
        }
    }
}

/// The signed-in staff member of this request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentStaff {
    pub id: StaffId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub mfa_enrolled: bool,
    pub must_change_password: bool,
    /// This session's second factor was the identity provider's (see [`SessionAuth::idp_mfa`]).
    pub idp_mfa: bool,
    /// The IANA time zone they read times in; `None` is UTC.
    pub time_zone: Option<String>,
}

impl CurrentStaff {
    pub fn can(&self, permission: Permission) -> bool {
        self.role.can(permission)
    }

    pub fn actor(&self) -> Actor {
        Actor {
            id: self.id.get(),
            email: self.email.clone(),
            role: self.role.as_str().to_owned(),
            name: Some(self.name.clone()),
        }
    }
}

impl From<&Staff> for CurrentStaff {
    fn from(staff: &Staff) -> Self {
        Self {
            id: staff.id,
            email: staff.email.clone(),
            name: staff.name.clone(),
            role: staff.role,
            mfa_enrolled: staff.mfa_enrolled,
            must_change_password: staff.must_change_password,
            idp_mfa: false,
            time_zone: staff.time_zone.clone(),
        }
    }
}

/// Why a session no longer signs anyone in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    Idle,
    Expired,
    /// Disabled, role or password changed, or the account is gone.
    Revoked,
}

/// Resolves the session to a person, or says why it no longer does.
pub async fn resolve(
    db: &Database,
    auth: &SessionAuth,
    policy: SessionPolicy,
    now: OffsetDateTime,
) -> Result<Result<Staff, Ended>, sqlx::Error> {
    let now_s = now.unix_timestamp();
    if now_s - auth.signed_in_at > policy.absolute.whole_seconds() {
        return Ok(Err(Ended::Expired));
    }
    if now_s - auth.last_seen_at > policy.idle.whole_seconds() {
        return Ok(Err(Ended::Idle));
    }
    let staff = match staff::find_by_id(db, auth.staff_id).await? {
        Some(staff) if !staff.disabled && staff.session_version == auth.session_version => staff,
        _ => return Ok(Err(Ended::Revoked)),
    };
    // Ended by its owner on /account (or from before sessions had rows).
    let open = match &auth.handle {
        Some(handle) => session_registry::is_open(db, staff.id, handle).await?,
        None => false,
    };
    Ok(if open { Ok(staff) } else { Err(Ended::Revoked) })
}

/// A second factor a session passed: when, and whether it was the identity provider's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Passed {
    /// Unix seconds.
    pub at: i64,
    pub by_provider: bool,
}

impl Passed {
    /// The second factor `auth` passed, kept when the session is renewed.
    pub fn of(auth: &SessionAuth) -> Option<Self> {
        auth.factor_at.map(|at| Self {
            at,
            by_provider: auth.idp_mfa,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error(transparent)]
    Session(#[from] tower_sessions::session::Error),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Starts a signed-in session under a new id (no fixation), with its row in `staff_sessions`.
pub async fn sign_in(
    db: &Database,
    session: &Session,
    staff: &Staff,
    now: OffsetDateTime,
    factor: Option<Passed>,
    seen: &SeenFrom,
) -> Result<(), SignInError> {
    let handle = session_registry::open(db, staff.id, seen, now).await?;
    session.cycle_id().await?;
    session.remove_value(PENDING_KEY).await?;
    let now = now.unix_timestamp();
    session
        .insert(
            SESSION_KEY,
            SessionAuth {
                staff_id: staff.id,
                session_version: staff.session_version,
                signed_in_at: now,
                last_seen_at: now,
                factor_at: factor.map(|f| f.at),
                idp_mfa: factor.is_some_and(|f| f.by_provider),
                handle: Some(handle),
            },
        )
        .await?;
    Ok(())
}

/// Marks the session as having passed a second factor at `now`, under a new id (a privilege
/// change: no fixation).
pub async fn factor_passed(
    session: &Session,
    mut auth: SessionAuth,
    now: OffsetDateTime,
) -> Result<(), tower_sessions::session::Error> {
    auth.factor_at = Some(now.unix_timestamp());
    session.cycle_id().await?;
    session.insert(SESSION_KEY, auth).await
}

/// Holds a sign-in whose first step passed (a password, the identity provider) until the
/// second factor's code, under a new session id; nobody is signed in by it.
pub async fn await_code(
    session: &Session,
    staff: &Staff,
    now: OffsetDateTime,
    next: String,
) -> Result<(), tower_sessions::session::Error> {
    let pending = PendingSignIn {
        staff_id: staff.id,
        session_version: staff.session_version,
        at: now.unix_timestamp(),
        next,
    };
    session.cycle_id().await?;
    session.insert(PENDING_KEY, pending).await
}
