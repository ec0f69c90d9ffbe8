//! Chain verifications started from the review page: one at a time, in the background, with
//! their progress and result kept for the page to show.

use super::{format_time, AuditError, AuditLog, Problem, Verdict};
use crate::db::{execute_on_engine, on_engine};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Verification {
    pub id: i64,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub checked_up_to: i64,
    pub total: i64,
    pub intact: Option<bool>,
    pub broken_seq: Option<i64>,
    pub problem: Option<String>,
    pub requested_by: Option<String>,
}

impl Verification {
    pub fn is_running(&self) -> bool {
        self.finished_at.is_none()
    }

    /// Percent done, for the progress bar.
    pub fn percent(&self) -> i64 {
        if self.total > 0 {
            (self.checked_up_to * 100 / self.total).min(100)
        } else {
            100
        }
    }
}

impl AuditLog {
    pub async fn latest_verification(&self) -> Result<Option<Verification>, AuditError> {
        const SQL: &str = "select * from audit_verifications order by id desc limit 1";
        Ok(on_engine!(self.db(), |pool| sqlx::query_as(SQL)
            .fetch_optional(pool)
            .await?))
    }

    /// Starts a verification in the background unless one is running; returns its id.
    pub async fn start_verification(&self, requested_by: &str) -> Result<i64, AuditError> {
        if let Some(running) = self
            .latest_verification()
            .await?
            .filter(Verification::is_running)
        {
            return Ok(running.id);
        }
        let total = self.head_seq().await?;
        let now = format_time(time::OffsetDateTime::now_utc());
        const SQL: &str = "insert into audit_verifications (started_at, total, requested_by) \
            values ($1, $2, $3) returning id";
        let id: i64 = on_engine!(self.db(), |pool| sqlx::query_scalar(SQL)
            .bind(&now)
            .bind(total)
            .bind(requested_by)
            .fetch_one(pool)
            .await?);
        let log = self.clone();
        tokio::spawn(async move {
            let db = log.db().clone();
            let verdict = log
                .verify_with_progress(None, |seq| {
                    let db = db.clone();
                    async move {
                        const SQL: &str =
                            "update audit_verifications set checked_up_to = $1 where id = $2";
                        let _ = execute_on_engine!(db, |pool| sqlx::query(SQL)
                            .bind(seq)
                            .bind(id)
                            .execute(pool)
                            .await);
                    }
                })
                .await;
            let (intact, broken_seq, problem, checked) = match &verdict {
                Ok(Verdict::Intact { head_seq, .. }) => (Some(true), None, None, *head_seq),
                Ok(verdict @ Verdict::Broken { seq, problem }) => {
                    let checked = if matches!(problem, Problem::Truncated { .. }) {
                        *seq
                    } else {
                        seq - 1
                    };
                    (Some(false), Some(*seq), Some(verdict.to_string()), checked)
                }
                Err(err) => (
                    None,
                    None,
                    Some(format!("the verification could not run: {err}")),
                    0,
                ),
            };
            let finished = format_time(time::OffsetDateTime::now_utc());
            let saved = execute_on_engine!(db, |pool| {
                sqlx::query(
                "update audit_verifications set finished_at = $1, intact = $2, broken_seq = $3, problem = $4, \
                 checked_up_to = $5 where id = $6",
            )
            .bind(&finished)
            .bind(intact)
            .bind(broken_seq)
            .bind(&problem)
            .bind(checked)
            .bind(id)
            .execute(pool)
            .await
            });
            if let Err(err) = saved {
                tracing::error!(error = %err, "the verification result could not be saved");
            }
        });
        Ok(id)
    }
}
