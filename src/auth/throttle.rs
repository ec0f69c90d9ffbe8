//! Failed sign-ins, counted in the database so every portal process shares them: per client
//! address (an address with too many failures within the window waits, whatever accounts it
//! tried) and per account (the lockout). Wrong current passwords on the password page count
//! the same way.

use std::net::IpAddr;

use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use super::staff::{LockoutPolicy, Staff};
use crate::audit::format_time;
use crate::db::{on_engine, Database};
use crate::domain::Email;

/// Failures from one address allowed within the window before it must wait.
pub const MAX_FAILURES: i64 = 10;
pub const WINDOW: Duration = Duration::minutes(15);

/// The key a failure is filed under for its account: no email is kept in this table.
fn account_key(email: &Email) -> String {
    hex::encode(Sha256::digest(email.as_str().as_bytes()))
}

/// Whether `address` must wait before it may try again.
pub async fn is_throttled(
    db: &Database,
    address: IpAddr,
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    const SQL: &str = "select count(*) from signin_failures where address = $1 and at > $2";
    let since = format_time(now - WINDOW);
    let failures: i64 = on_engine!(db, |pool| sqlx::query_scalar(SQL)
        .bind(address.to_string())
        .bind(&since)
        .fetch_one(pool)
        .await)?;
    Ok(failures >= MAX_FAILURES)
}

/// Records one failure from `address` against `email`, and counts it toward the lockout of
/// `account` (the account with that email, unless it is missing or disabled). Returns whether
/// this failure locked the account.
///
/// The work is the same whatever `account` is: one insert and one update (which matches no
/// row without an account), so a failure's timing does not tell whether the email has an
/// account.
pub async fn record_failure(
    db: &Database,
    address: IpAddr,
    email: &Email,
    account: Option<&Staff>,
    policy: LockoutPolicy,
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    const INSERT: &str = "insert into signin_failures (address, account, at) values ($1, $2, $3)";
    const LOCKOUT: &str = "update staff set failed_attempts = $1, first_failed_at = $2, \
        locked_until = $3 where id = $4";
    let counted = account.filter(|a| !a.disabled);
    let next = match counted {
        Some(staff) => lockout_after_failure(staff, policy, now),
        None => Lockout::default(),
    };
    // No staff id is 0 or less: the update then changes nothing, at the same cost.
    let id = counted.map_or(0, |a| a.id);
    let at = format_time(now);
    let key = account_key(email);
    // Two statements of their own rather than one transaction: a failure that is half
    // counted errs on the safe side, and no connection is left inside a failed transaction.
    crate::db::execute_on_engine!(db, |pool| sqlx::query(INSERT)
        .bind(address.to_string())
        .bind(&key)
        .bind(&at)
        .execute(pool)
        .await)?;
    crate::db::execute_on_engine!(db, |pool| sqlx::query(LOCKOUT)
        .bind(next.attempts)
        .bind(&next.first_failed_at)
        .bind(&next.locked_until)
        .bind(id)
        .execute(pool)
        .await)?;
    Ok(next.locks)
}

/// A success forgives the failures from `address` against this account only: the address's
/// budget for every other account stays as it was.
pub async fn forgive(db: &Database, address: IpAddr, email: &Email) -> Result<(), sqlx::Error> {
    const SQL: &str = "delete from signin_failures where address = $1 and account = $2";
    crate::db::execute_on_engine!(db, |pool| sqlx::query(SQL)
        .bind(address.to_string())
        .bind(account_key(email))
        .execute(pool)
        .await)?;
    Ok(())
}

/// Forgets failures older than the window, so the table holds only what still counts.
pub async fn prune(db: &Database, now: OffsetDateTime) -> Result<u64, sqlx::Error> {
    const SQL: &str = "delete from signin_failures where at <= $1";
    crate::db::execute_on_engine!(db, |pool| sqlx::query(SQL)
        .bind(format_time(now - WINDOW))
        .execute(pool)
        .await)
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Lockout {
    attempts: i64,
    first_failed_at: Option<String>,
    locked_until: Option<String>,
    locks: bool,
}

/// The account's lockout fields after one more failure.
fn lockout_after_failure(staff: &Staff, policy: LockoutPolicy, now: OffsetDateTime) -> Lockout {
    let window_start = format_time(now - policy.window);
    let window_open = staff
        .first_failed_at
        .as_deref()
        .is_some_and(|first| first > window_start.as_str());
    let (attempts, first) = if window_open {
        (staff.failed_attempts + 1, staff.first_failed_at.clone())
    } else {
        (1, Some(format_time(now)))
    };
    if attempts >= policy.max_failures {
        Lockout {
            attempts: 0,
            first_failed_at: None,
            locked_until: Some(format_time(now + policy.lock_for)),
            locks: true,
        }
    } else {
        Lockout {
            attempts,
            first_failed_at: first,
            locked_until: staff.locked_until.clone(),
            locks: false,
        }
    }
}
