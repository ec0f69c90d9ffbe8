//! Every signed-in session as a row of `staff_sessions`: its owner sees and ends it on
//! `/account`, and an admin is told how many sessions a change ends. The session store holds
//! only the row's random handle; a session whose row has ended signs nobody in.

use time::OffsetDateTime;

use super::session::SessionPolicy;
use crate::audit::format_time;
use crate::db::{execute_on_engine, on_engine, Database};
use crate::domain::StaffId;

/// A session's last activity is written at most this often, so every page view does not write.
pub const TOUCH_EVERY_SECONDS: i64 = 60;

/// Where a session was started from, as shown to its owner.
#[derive(Debug, Clone, Default)]
pub struct SeenFrom {
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OpenSession {
    pub handle: String,
    pub started_at: String,
    pub last_seen_at: String,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Opens a row for a new session of `staff`; returns its handle.
pub async fn open(
    db: &Database,
    staff: StaffId,
    seen: &SeenFrom,
    now: OffsetDateTime,
) -> Result<String, sqlx::Error> {
    const SQL: &str = "insert into staff_sessions (handle, staff_id, started_at, last_seen_at, \
        client_ip, user_agent) values ($1, $2, $3, $3, $4, $5)";
    let handle = hex::encode(rand::random::<[u8; 16]>());
    let user_agent: Option<String> = seen
        .user_agent
        .as_deref()
        .map(|ua| ua.chars().take(200).collect());
    execute_on_engine!(db, |pool| sqlx::query(SQL)
        .bind(&handle)
        .bind(staff)
        .bind(format_time(now))
        .bind(&seen.client_ip)
        .bind(&user_agent)
        .execute(pool)
        .await)?;
    Ok(handle)
}

/// Whether `handle` is an open session of `staff`.
pub async fn is_open(db: &Database, staff: StaffId, handle: &str) -> Result<bool, sqlx::Error> {
    const SQL: &str = "select count(*) from staff_sessions \
        where handle = $1 and staff_id = $2 and ended_at is null";
    let n: i64 = on_engine!(db, |pool| sqlx::query_scalar(SQL)
        .bind(handle)
        .bind(staff)
        .fetch_one(pool)
        .await)?;
    Ok(n == 1)
}

pub async fn touch(db: &Database, handle: &str, now: OffsetDateTime) -> Result<(), sqlx::Error> {
    const SQL: &str = "update staff_sessions set last_seen_at = $1 where handle = $2";
    execute_on_engine!(db, |pool| sqlx::query(SQL)
        .bind(format_time(now))
        .bind(handle)
        .execute(pool)
        .await)?;
    Ok(())
}

/// Ends one session of `staff`; `false` when it was not theirs or had already ended.
pub async fn end(
    db: &Database,
    staff: StaffId,
    handle: &str,
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    const SQL: &str = "update staff_sessions set ended_at = $1 \
        where handle = $2 and staff_id = $3 and ended_at is null";
    let ended = execute_on_engine!(db, |pool| sqlx::query(SQL)
        .bind(format_time(now))
        .bind(handle)
        .bind(staff)
        .execute(pool)
        .await)?;
    Ok(ended == 1)
}

/// Ends every session of `staff` (their account changed).
pub async fn end_all(
    db: &Database,
    staff: StaffId,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    const SQL: &str =
        "update staff_sessions set ended_at = $1 where staff_id = $2 and ended_at is null";
    execute_on_engine!(db, |pool| sqlx::query(SQL)
        .bind(format_time(now))
        .bind(staff)
        .execute(pool)
        .await)?;
    Ok(())
}

/// The sessions of `staff` that still sign them in (not ended, idle or past their limit),
/// most recently seen first.
pub async fn open_for(
    db: &Database,
    staff: StaffId,
    policy: SessionPolicy,
    now: OffsetDateTime,
) -> Result<Vec<OpenSession>, sqlx::Error> {
    const SQL: &str = "select handle, started_at, last_seen_at, client_ip, user_agent \
        from staff_sessions where staff_id = $1 and ended_at is null \
        and last_seen_at > $2 and started_at > $3 order by last_seen_at desc";
    on_engine!(db, |pool| sqlx::query_as(SQL)
        .bind(staff)
        .bind(format_time(
            now - policy.idle - time::Duration::seconds(TOUCH_EVERY_SECONDS)
        ))
        .bind(format_time(now - policy.absolute))
        .fetch_all(pool)
        .await)
}

/// Forgets rows that can sign nobody in any more.
pub async fn prune(
    db: &Database,
    policy: SessionPolicy,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    const SQL: &str = "delete from staff_sessions where ended_at < $1 or started_at < $2";
    execute_on_engine!(db, |pool| sqlx::query(SQL)
        .bind(format_time(now - time::Duration::days(1)))
        .bind(format_time(now - policy.absolute - time::Duration::days(1)))
        .execute(pool)
        .await)?;
    Ok(())
}
