//! Who is signed in: the session record, its timeouts, and the person it resolves to on every
//! request (re-read from the database, so disabling or demoting someone takes effect at once).

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use tower_sessions::Session;

use super::role::{Permission, Role};
use super::staff::{self, Staff};
use crate::audit::Actor;
use crate::db::Database;
use crate::domain::StaffId;

pub const SESSION_KEY: &str = "staff";

/// What the session store keeps about a signed-in person. Never the password or the role:
/// those are read from the database on every request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionAuth {
    pub staff_id: StaffId,
    pub session_version: i64,
    /// Unix seconds.
    pub signed_in_at: i64,
    pub last_seen_at: i64,
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
    Ok(match staff::find_by_id(db, auth.staff_id).await? {
        Some(staff) if !staff.disabled && staff.session_version == auth.session_version => {
            Ok(staff)
        }
        _ => Err(Ended::Revoked),
    })
}

/// Starts a signed-in session under a new id (no fixation).
pub async fn sign_in(
    session: &Session,
    staff: &Staff,
    now: OffsetDateTime,
) -> Result<(), tower_sessions::session::Error> {
    session.cycle_id().await?;
    let now = now.unix_timestamp();
    session
        .insert(
            SESSION_KEY,
            SessionAuth {
                staff_id: staff.id,
                session_version: staff.session_version,
                signed_in_at: now,
                last_seen_at: now,
            },
        )
        .await
}
