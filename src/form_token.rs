//! One-time form tokens: every rendered create form carries one, so a double click, a back and
//! resubmit, or a refresh of the POST creates nothing twice.
//!
//! A token is `nonce.staff_id.issued_at.mac`, signed with a key derived from the audit key, so
//! it needs no storage until it is submitted. Submitted tokens are kept in `form_submissions`.

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::audit::format_time;
use crate::db::{execute_on_engine, on_engine, Database};
use crate::domain::StaffId;

/// How long a rendered form may wait before it is submitted.
const VALID_FOR_SECONDS: i64 = 24 * 60 * 60;

fn mac(key: &[u8], message: &str) -> String {
    let mut outer = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key"));
    outer.update(b"suborg-portal/form-token/v1\n");
    outer.update(message.as_bytes());
    hex::encode(outer.finalize().into_bytes())
}

pub fn issue(key: &[u8], staff_id: StaffId, now: OffsetDateTime) -> String {
    let message = format!(
        "{}.{staff_id}.{}",
        hex::encode(rand::random::<[u8; 16]>()),
        now.unix_timestamp()
    );
    let mac = mac(key, &message);
    format!("{message}.{mac}")
}

/// Whether `token` was issued by this portal to this person, and recently.
pub fn is_valid(key: &[u8], token: &str, staff_id: StaffId, now: OffsetDateTime) -> bool {
    let mut parts = token.rsplitn(2, '.');
    let (Some(sent_mac), Some(message)) = (parts.next(), parts.next()) else {
        return false;
    };
    let fields: Vec<&str> = message.split('.').collect();
    let [_, owner, issued] = fields.as_slice() else {
        return false;
    };
    let fresh = issued
        .parse::<i64>()
        .is_ok_and(|at| (0..=VALID_FOR_SECONDS).contains(&(now.unix_timestamp() - at)));
    let expected = mac(key, message);
    owner.parse::<i64>() == Ok(staff_id.get())
        && fresh
        && expected.len() == sent_mac.len()
        && expected
            .bytes()
            .zip(sent_mac.bytes())
            .fold(0, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// The `Idempotency-Key` PostGrid gets for a token: the same for every submission of it.
pub fn idempotency_key(token: &str) -> String {
    format!(
        "suborg-portal-{}",
        &hex::encode(Sha256::digest(token.as_bytes()))[..40]
    )
}

pub enum Claim {
    /// This submission goes ahead.
    Mine,
    /// An earlier submission of the same form already succeeded with this result.
    Done(String),
    /// An earlier submission is still under way.
    Pending,
}

/// Claims the token for this submission. A failed earlier submission may be tried again.
pub async fn claim(
    db: &Database,
    token: &str,
    staff_id: StaffId,
    now: OffsetDateTime,
) -> Result<Claim, sqlx::Error> {
    let claimed = execute_on_engine!(db, |pool| {
        sqlx::query(
        "insert into form_submissions (token, staff_id, state, updated_at) values ($1, $2, 'pending', $3) \
         on conflict (token) do update set state = 'pending', updated_at = excluded.updated_at \
         where form_submissions.state = 'failed'",
    )
    .bind(token)
    .bind(staff_id)
    .bind(format_time(now))
    .execute(pool)
    .await
    })?;
    if claimed == 1 {
        return Ok(Claim::Mine);
    }
    let (state, result): (String, Option<String>) = on_engine!(db, |pool| sqlx::query_as(
        "select state, result from form_submissions where token = $1"
    )
    .bind(token)
    .fetch_one(pool)
    .await)?;
    Ok(match (state.as_str(), result) {
        ("done", Some(result)) => Claim::Done(result),
        _ => Claim::Pending,
    })
}

/// Waits a little for an earlier submission of the same form to finish.
pub async fn wait_for_result(db: &Database, token: &str) -> Result<Option<String>, sqlx::Error> {
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let row: Option<(String, Option<String>)> = on_engine!(db, |pool| sqlx::query_as(
            "select state, result from form_submissions where token = $1"
        )
        .bind(token)
        .fetch_optional(pool)
        .await)?;
        match row {
            Some((state, result)) if state == "done" => return Ok(result),
            Some((state, _)) if state == "failed" => return Ok(None),
            _ => {}
        }
    }
    Ok(None)
}

pub async fn finish(
    db: &Database,
    token: &str,
    result: Option<&str>,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    execute_on_engine!(db, |pool| sqlx::query(
        "update form_submissions set state = $1, result = $2, updated_at = $3 where token = $4",
    )
    .bind(if result.is_some() { "done" } else { "failed" })
    .bind(result)
    .bind(format_time(now))
    .bind(token)
    .execute(pool)
    .await)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_bound_to_their_person_and_expire() {
        let key = b"k".repeat(32);
        let now = OffsetDateTime::now_utc();
        let token = issue(&key, StaffId::from(7), now);
        assert!(is_valid(&key, &token, StaffId::from(7), now));
        assert!(
            !is_valid(&key, &token, StaffId::from(8), now),
            "another person's token"
        );
        assert!(
            !is_valid(&b"x".repeat(32), &token, StaffId::from(7), now),
            "another key"
        );
        assert!(
            !is_valid(
                &key,
                &token,
                StaffId::from(7),
                now + time::Duration::days(2)
            ),
            "expired"
        );
        assert!(!is_valid(&key, &format!("{token}0"), StaffId::from(7), now));
        assert!(!is_valid(&key, "nonsense", StaffId::from(7), now));
        assert_ne!(
            issue(&key, StaffId::from(7), now),
            token,
            "every form gets its own"
        );
        assert_eq!(idempotency_key(&token), idempotency_key(&token));
    }
}
