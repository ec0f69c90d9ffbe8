//! Who acted for a sub-organization (or SendGrid account), newest first: for its page.

use crate::db::{on_engine, Database};

/// One impersonation as the sub-organization's page lists it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Past {
    pub id: String,
    pub staff_name: String,
    pub staff_email: String,
    pub reason: String,
    pub ticket: Option<String>,
    pub mode: String,
    pub started_at: String,
    pub expires_at: String,
    pub ended_at: Option<String>,
    pub end_reason: Option<String>,
}

impl Past {
    /// Still going at `now` (stored time format): not ended and not past its time.
    pub fn is_open(&self, now: &str) -> bool {
        self.ended_at.is_none() && self.expires_at.as_str() > now
    }
}

/// The last `limit` impersonations of `target` through `provider`.
pub async fn of_target(
    db: &Database,
    provider: &str,
    target: &str,
    limit: i64,
) -> Result<Vec<Past>, sqlx::Error> {
    const SQL: &str = "select i.id, s.name as staff_name, s.email as staff_email, i.reason, \
        i.ticket, i.mode, i.started_at, i.expires_at, i.ended_at, i.end_reason \
        from impersonations i join staff s on s.id = i.staff_id \
        where i.sub_org_id = $1 and i.provider = $2 order by i.started_at desc limit $3";
    Ok(on_engine!(db, |pool| sqlx::query_as(SQL)
        .bind(target)
        .bind(provider)
        .bind(limit)
        .fetch_all(pool)
        .await?))
}
