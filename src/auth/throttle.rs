//! Sign-in attempts, counted in the database so every portal process shares them, before any
//! password is checked (so a burst of parallel guesses counts in full):
//!
//! - per client address (an IPv6 client by its /64): an address with too many attempts within
//!   the window waits, whatever accounts it tried; a success forgives that address's attempts at the same account only;
//! - per email (the lockout): too many failures lock that email for a while. Kept for every
//!   email, whether or not an account has it, so a failure does the same work for all and a
//!   lock says nothing about which emails exist. Wrong current passwords on the password page
//!   count the same way.

use std::net::IpAddr;

use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use super::staff::LockoutPolicy;
use crate::audit::format_time;
use crate::db::{execute_on_engine, on_engine, Database};
use crate::domain::{Email, Timestamp};
use crate::net::throttle_key;

/// Attempts from one address allowed within the window before it must wait.
pub const MAX_ATTEMPTS: i64 = 10;
pub const WINDOW: Duration = Duration::minutes(15);

/// The key attempts and lockouts are filed under: no email is kept in these tables.
fn account_key(email: &Email) -> String {
    hex::encode(Sha256::digest(email.as_str().as_bytes()))
}

/// Records the start of an attempt from `address` at `email`; `false` when the address has
/// made too many within the window (the attempt is then not kept: waiting shortens nothing).
pub async fn admit(
    db: &Database,
    address: IpAddr,
    email: &Email,
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    const INSERT: &str =
        "insert into signin_attempts (address, account, at) values ($1, $2, $3) returning id";
    const COUNT: &str = "select count(*) from signin_attempts where address = $1 and at > $2";
    const FORGET: &str = "delete from signin_attempts where id = $1";
    let address = throttle_key(address);
    let id: i64 = on_engine!(db, |pool| sqlx::query_scalar(INSERT)
        .bind(&address)
        .bind(account_key(email))
        .bind(format_time(now))
        .fetch_one(pool)
        .await)?;
    let attempts: i64 = on_engine!(db, |pool| sqlx::query_scalar(COUNT)
        .bind(&address)
        .bind(format_time(now - WINDOW))
        .fetch_one(pool)
        .await)?;
    if attempts <= MAX_ATTEMPTS {
        return Ok(true);
    }
    execute_on_engine!(db, |pool| sqlx::query(FORGET).bind(id).execute(pool).await)?;
    Ok(false)
}

/// One more attempt at `email` that may fail, counted before the password is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    /// Failures (and attempts in flight) within the lockout window, this one included.
    failures: i64,
    /// The email is locked: the attempt fails whatever the password.
    pub locked: bool,
}

/// Counts an attempt at `email` toward its lockout: one upsert, the same for every email.
pub async fn count_attempt(
    db: &Database,
    email: &Email,
    policy: LockoutPolicy,
    now: OffsetDateTime,
) -> Result<Counted, sqlx::Error> {
    const UPSERT: &str = "insert into signin_lockouts (account, failures, first_failed_at) \
        values ($1, 1, $2) on conflict (account) do update set \
        failures = case when signin_lockouts.first_failed_at > $3 \
            then signin_lockouts.failures + 1 else 1 end, \
        first_failed_at = case when signin_lockouts.first_failed_at > $3 \
            then signin_lockouts.first_failed_at else $2 end \
        returning failures, locked_until";
    let (failures, locked_until): (i64, Option<String>) =
        on_engine!(db, |pool| sqlx::query_as(UPSERT)
            .bind(account_key(email))
            .bind(format_time(now))
            .bind(format_time(now - policy.window))
            .fetch_one(pool)
            .await)?;
    let locked_until = locked_until
        .map(Timestamp::try_from)
        .transpose()
        .map_err(|problem| sqlx::Error::Decode(problem.into()))?;
    let locked = locked_until.is_some_and(|until| until > Timestamp::at(now))
        || failures > policy.max_failures;
    Ok(Counted { failures, locked })
}

/// The counted attempt failed; returns whether this failure locked the email.
pub async fn fail_attempt(
    db: &Database,
    email: &Email,
    counted: Counted,
    policy: LockoutPolicy,
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    const LOCK: &str = "update signin_lockouts set failures = 0, first_failed_at = $1, \
        locked_until = $2 where account = $3";
    if counted.locked || counted.failures < policy.max_failures {
        return Ok(false);
    }
    execute_on_engine!(db, |pool| sqlx::query(LOCK)
        .bind(format_time(now))
        .bind(format_time(now + policy.lock_for))
        .bind(account_key(email))
        .execute(pool)
        .await)?;
    Ok(true)
}

/// The counted attempt's password was right, but signing in waits for a second factor: it is
/// not a failure, and it forgives nothing counted before it (that waits for the code).
pub async fn uncount_attempt(db: &Database, email: &Email) -> Result<(), sqlx::Error> {
    const SQL: &str = "update signin_lockouts set failures = \
        case when failures > 0 then failures - 1 else 0 end where account = $1";
    execute_on_engine!(db, |pool| sqlx::query(SQL)
        .bind(account_key(email))
        .execute(pool)
        .await)?;
    Ok(())
}

/// A success forgives what was counted against this email: its lockout, and the attempts
/// from `address` at it (the address's budget for every other account stays as it was).
pub async fn forgive(db: &Database, address: IpAddr, email: &Email) -> Result<(), sqlx::Error> {
    const ATTEMPTS: &str = "delete from signin_attempts where account = $1 and address = $2";
    let key = account_key(email);
    execute_on_engine!(db, |pool| sqlx::query(ATTEMPTS)
        .bind(&key)
        .bind(throttle_key(address))
        .execute(pool)
        .await)?;
    clear_lockout(db, email).await
}

/// Until when `email` is locked, if it is.
pub async fn locked_until(
    db: &Database,
    email: &Email,
    now: OffsetDateTime,
) -> Result<Option<Timestamp>, sqlx::Error> {
    const SQL: &str =
        "select locked_until from signin_lockouts where account = $1 and locked_until > $2";
    let until: Option<String> = on_engine!(db, |pool| sqlx::query_scalar(SQL)
        .bind(account_key(email))
        .bind(format_time(now))
        .fetch_optional(pool)
        .await)?;
    until
        .map(Timestamp::try_from)
        .transpose()
        .map_err(|problem| sqlx::Error::Decode(problem.into()))
}

/// Lifts the lockout of `email` (a successful sign-in, a password reset by an admin).
pub async fn clear_lockout(db: &Database, email: &Email) -> Result<(), sqlx::Error> {
    const SQL: &str = "delete from signin_lockouts where account = $1";
    execute_on_engine!(db, |pool| sqlx::query(SQL)
        .bind(account_key(email))
        .execute(pool)
        .await)?;
    Ok(())
}

/// Forgets attempts older than the throttle's window and lockouts that no longer count.
pub async fn prune(
    db: &Database,
    policy: LockoutPolicy,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    const ATTEMPTS: &str = "delete from signin_attempts where at <= $1";
    const LOCKOUTS: &str = "delete from signin_lockouts where first_failed_at <= $1 \
        and (locked_until is null or locked_until <= $2)";
    execute_on_engine!(db, |pool| sqlx::query(ATTEMPTS)
        .bind(format_time(now - WINDOW))
        .execute(pool)
        .await)?;
    execute_on_engine!(db, |pool| sqlx::query(LOCKOUTS)
        .bind(format_time(now - policy.window))
        .bind(format_time(now))
        .execute(pool)
        .await)?;
    Ok(())
}
