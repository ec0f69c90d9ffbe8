//! The `audit_sinks` table: each sink's durable cursor, its delivery lease, and how its last
//! attempts went.

use crate::db::{on_engine, Database};

/// A time as the lease columns hold it: Unix milliseconds.
pub fn unix_ms(at: time::OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// One sink's row, for the streams page.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SinkRow {
    pub name: String,
    pub target: String,
    pub cursor_seq: i64,
    pub lease_holder: Option<String>,
    /// Unix milliseconds.
    pub lease_until: i64,
    pub delivered_at: Option<String>,
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
}

/// Makes sure `name` has a row, and records where it points now. A sink keeps its cursor when
/// its receiver moves: the new address is taken to be the same SIEM.
pub async fn register(db: &Database, name: &str, target: &str) -> Result<(), sqlx::Error> {
    const SQL: &str = "insert into audit_sinks (name, target) values ($1, $2) \
        on conflict (name) do update set target = excluded.target";
    on_engine!(db, |pool| sqlx::query(SQL)
        .bind(name)
        .bind(target)
        .execute(pool)
        .await
        .map(|_| ())?);
    Ok(())
}

/// Takes or renews the lease on `name` for `holder` until `until_ms`, unless another holder's
/// lease runs past `now_ms`. Returns whether `holder` holds it now.
pub async fn take_lease(
    db: &Database,
    name: &str,
    holder: &str,
    now_ms: i64,
    until_ms: i64,
) -> Result<bool, sqlx::Error> {
    const SQL: &str = "update audit_sinks set lease_holder = $1, lease_until = $2 \
        where name = $3 and (lease_holder = $1 or lease_holder is null or lease_until < $4)";
    let taken = on_engine!(db, |pool| sqlx::query(SQL)
        .bind(holder)
        .bind(until_ms)
        .bind(name)
        .bind(now_ms)
        .execute(pool)
        .await?
        .rows_affected());
    Ok(taken == 1)
}

/// Gives the lease up, so another process takes over at once.
pub async fn release(db: &Database, name: &str, holder: &str) -> Result<(), sqlx::Error> {
    const SQL: &str = "update audit_sinks set lease_holder = null, lease_until = 0 \
        where name = $1 and lease_holder = $2";
    on_engine!(db, |pool| sqlx::query(SQL)
        .bind(name)
        .bind(holder)
        .execute(pool)
        .await
        .map(|_| ())?);
    Ok(())
}

pub async fn cursor(db: &Database, name: &str) -> Result<i64, sqlx::Error> {
    const SQL: &str = "select cursor_seq from audit_sinks where name = $1";
    Ok(on_engine!(db, |pool| sqlx::query_scalar(SQL)
        .bind(name)
        .fetch_optional(pool)
        .await?)
    .unwrap_or(0))
}

/// Moves the cursor to `seq`, delivered at `at`, if `holder` still holds the lease; returns
/// whether it does. The cursor never moves back.
pub async fn advance(
    db: &Database,
    name: &str,
    holder: &str,
    seq: i64,
    at: &str,
) -> Result<bool, sqlx::Error> {
    const SQL: &str = "update audit_sinks set cursor_seq = $1, delivered_at = $2 \
        where name = $3 and lease_holder = $4 and cursor_seq <= $1";
    let moved = on_engine!(db, |pool| sqlx::query(SQL)
        .bind(seq)
        .bind(at)
        .bind(name)
        .bind(holder)
        .execute(pool)
        .await?
        .rows_affected());
    Ok(moved == 1)
}

pub async fn record_error(
    db: &Database,
    name: &str,
    message: &str,
    at: &str,
) -> Result<(), sqlx::Error> {
    const SQL: &str = "update audit_sinks set last_error = $1, last_error_at = $2 where name = $3";
    on_engine!(db, |pool| sqlx::query(SQL)
        .bind(message)
        .bind(at)
        .bind(name)
        .execute(pool)
        .await
        .map(|_| ())?);
    Ok(())
}

pub async fn all(db: &Database) -> Result<Vec<SinkRow>, sqlx::Error> {
    const SQL: &str = "select * from audit_sinks order by name";
    Ok(on_engine!(db, |pool| sqlx::query_as(SQL)
        .fetch_all(pool)
        .await?))
}
