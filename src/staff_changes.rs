//! The rules for changing a staff member's account, in one place for the web and the CLI
//! (above both `auth` and `impersonation`, which it needs, so neither imports the other):
//! nobody demotes or disables themselves, the last active admin stays one (enforced by
//! [`staff::update_staff`] in the same statement), a new password lifts the lockout, whatever
//! the person was acting for ends with their sessions, and the change is recorded.

use serde_json::Value;
use time::OffsetDateTime;

use crate::audit::{Action, AuditLog, NewEvent, Origin, Outcome};
use crate::auth::staff::{self, Change, ChangeError, Staff};
use crate::auth::throttle;
use crate::auth::Permission;
use crate::db::Database;
use crate::domain::{Email, StaffId};
use crate::impersonation::{self, EndReason};

/// Why a change was not made; each has a sentence for the person who asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("There is no such staff member.")]
    NoSuchStaff,
    #[error("You cannot disable or demote yourself; ask another admin.")]
    Yourself,
    #[error("This is the last active admin; make someone else an admin first.")]
    LastAdmin,
    #[error("You cannot reset your own second factor; ask another admin.")]
    OwnSecondFactor,
}

#[derive(Debug, thiserror::Error)]
pub enum ChangeFailure {
    #[error(transparent)]
    Refused(Refusal),
    #[error("the staff change could not be completed: {0}")]
    Failed(Box<dyn std::error::Error + Send + Sync>),
}

impl ChangeFailure {
    fn failed(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Failed(err.into())
    }
}

/// Who asks for a change, and where from, for the rules and the audit event.
pub struct ChangedBy<'a> {
    /// The staff member asking, or `None` for the command line.
    pub staff_id: Option<StaffId>,
    pub origin: &'a Origin,
}

/// Applies `change` to `target` with every rule that goes with it, and records `action` with
/// `detail` once it is done.
pub async fn apply(
    db: &Database,
    log: &AuditLog,
    now: OffsetDateTime,
    by: ChangedBy<'_>,
    target: &Staff,
    change: Change<'_>,
    (action, detail): (Action, Value),
) -> Result<(), ChangeFailure> {
    if by.staff_id == Some(target.id) && change.removes_an_admin() {
        return Err(ChangeFailure::Refused(Refusal::Yourself));
    }
    if by.staff_id == Some(target.id) && matches!(change, Change::ResetMfa) {
        return Err(ChangeFailure::Refused(Refusal::OwnSecondFactor));
    }
    // A new password ends every session of the person, and with them what they were doing.
    let ends = match &change {
        Change::Disable => Some(EndReason::Disabled),
        Change::Role(role) if !role.can(Permission::Impersonate) => Some(EndReason::Revoked),
        Change::Password { .. } | Change::ResetMfa => Some(EndReason::Revoked),
        Change::Role(_) | Change::Enable => None,
    };
    let new_password = matches!(change, Change::Password { .. });
    let reset_mfa = matches!(change, Change::ResetMfa);
    match staff::update_staff(db, target.id, change, now).await {
        Ok(()) => {}
        Err(ChangeError::LastAdmin) => return Err(ChangeFailure::Refused(Refusal::LastAdmin)),
        Err(ChangeError::NotFound) => return Err(ChangeFailure::Refused(Refusal::NoSuchStaff)),
        Err(ChangeError::Database(err)) => return Err(ChangeFailure::failed(err)),
    }
    // A new password lifts the lockout: the person can sign in with it at once.
    if new_password {
        if let Ok(email) = Email::parse(&target.email) {
            throttle::clear_lockout(db, &email)
                .await
                .map_err(ChangeFailure::failed)?;
        }
    }
    // The recovery codes go with the secret they stood in for.
    if reset_mfa {
        crate::auth::mfa::forget_recovery_codes(db, target)
            .await
            .map_err(ChangeFailure::failed)?;
    }
    if let Some(reason) = ends {
        impersonation::end_all_for(db, log, now, target.id, reason, by.origin)
            .await
            .map_err(ChangeFailure::failed)?;
    }
    let event = NewEvent::new(action, Outcome::Ok, by.origin.clone()).detail(detail);
    log.append(event).await.map_err(ChangeFailure::failed)?;
    Ok(())
}
