//! Second factors in the database: the sealed secret on the staff row, the step last used, and
//! the hashed recovery codes. Every "use once" is one conditional statement, so two portal
//! processes given the same code at the same moment accept it once.

use time::OffsetDateTime;

use crate::audit::format_time;
use crate::db::{execute_on_engine, on_engine, Database};
use crate::domain::StaffId;

/// Keeps `sealed` as the secret awaiting its first code (replacing any earlier one).
pub async fn set_pending(db: &Database, id: StaffId, sealed: &str) -> Result<(), sqlx::Error> {
    const SQL: &str =
        "update staff set totp_pending = $1 where id = $2 and totp_enrolled_at is null";
    execute_on_engine!(db, |pool| sqlx::query(SQL)
        .bind(sealed)
        .bind(id)
        .execute(pool)
        .await)?;
    Ok(())
}

/// The sealed secrets of a staff member: (pending, enrolled).
pub async fn sealed_secrets(
    db: &Database,
    id: StaffId,
) -> Result<(Option<String>, Option<String>), sqlx::Error> {
    const SQL: &str = "select totp_pending, totp_secret from staff where id = $1";
    let row: Option<(Option<String>, Option<String>)> = on_engine!(db, |pool| sqlx::query_as(SQL)
        .bind(id)
        .fetch_optional(pool)
        .await)?;
    Ok(row.unwrap_or((None, None)))
}

/// Makes the pending secret `pending` the person's second factor, its first code at `step`
/// used, with `recovery_hashes` as the only recovery codes; their sessions end. `false` when the pending secret
/// changed meanwhile (enrolment started again in another tab): nothing is changed then.
pub async fn confirm(
    db: &Database,
    id: StaffId,
    pending: &str,
    step: i64,
    recovery_hashes: &[String],
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    // Every other session of the person ends: one held before the second factor existed does
    // not keep going without it.
    const ENROL: &str = "update staff set totp_secret = totp_pending, totp_pending = null, \
        totp_enrolled_at = $1, totp_last_step = $2, updated_at = $1, \
        session_version = session_version + 1 \
        where id = $3 and totp_pending = $4 and totp_enrolled_at is null";
    const FORGET: &str = "delete from recovery_codes where staff_id = $1";
    const CODE: &str = "insert into recovery_codes (staff_id, code_hash) values ($1, $2)";
    let at = format_time(now);
    on_engine!(db, |pool| {
        let mut tx = pool.begin().await?;
        let enrolled = sqlx::query(ENROL)
            .bind(&at)
            .bind(step)
            .bind(id)
            .bind(pending)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if enrolled != 1 {
            return Ok(false);
        }
        sqlx::query(FORGET).bind(id).execute(&mut *tx).await?;
        for hash in recovery_hashes {
            sqlx::query(CODE)
                .bind(id)
                .bind(hash)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    })
}

/// Marks time step `step` used; `false` when it or a later one already was (a replay).
pub async fn use_step(db: &Database, id: StaffId, step: i64) -> Result<bool, sqlx::Error> {
    const SQL: &str = "update staff set totp_last_step = $1 where id = $2 \
        and totp_secret is not null and (totp_last_step is null or totp_last_step < $1)";
    let changed = execute_on_engine!(db, |pool| sqlx::query(SQL)
        .bind(step)
        .bind(id)
        .execute(pool)
        .await)?;
    Ok(changed == 1)
}

/// Uses the recovery code stored as `hash`; `false` when there is no such unused code.
pub async fn use_recovery_code(
    db: &Database,
    id: StaffId,
    hash: &str,
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    const SQL: &str = "update recovery_codes set used_at = $1 \
        where staff_id = $2 and code_hash = $3 and used_at is null";
    let changed = execute_on_engine!(db, |pool| sqlx::query(SQL)
        .bind(format_time(now))
        .bind(id)
        .bind(hash)
        .execute(pool)
        .await)?;
    Ok(changed == 1)
}

/// How many of the person's recovery codes are still unused.
pub async fn recovery_codes_left(db: &Database, id: StaffId) -> Result<i64, sqlx::Error> {
    const SQL: &str = "select count(*) from recovery_codes where staff_id = $1 and used_at is null";
    on_engine!(db, |pool| sqlx::query_scalar(SQL)
        .bind(id)
        .fetch_one(pool)
        .await)
}

/// Forgets the recovery codes (with the second factor, by a reset).
pub async fn forget_recovery_codes(db: &Database, id: StaffId) -> Result<(), sqlx::Error> {
    const SQL: &str = "delete from recovery_codes where staff_id = $1";
    execute_on_engine!(db, |pool| sqlx::query(SQL).bind(id).execute(pool).await)?;
    Ok(())
}
