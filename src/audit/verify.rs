//! Walks the chain and names the first event that is not as the portal wrote it.

use std::fmt;

use futures_util::TryStreamExt;

use super::chain::{self, Checkpoint, GENESIS};
use super::event::{Action, StoredEvent};
use super::{AuditError, AuditLog};
use crate::db::on_engine;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The event's content no longer matches its hash (changed, or forged without the key).
    Edited,
    /// An event is gone from before this point.
    Missing,
    /// An event that the chain passes over: added after the fact.
    Inserted,
    /// An authentic event that stands in the wrong place.
    Reordered,
    /// The chain ends before the checkpoint's `seq`: its tail was cut off.
    Truncated { last_seq: i64 },
    /// The event at the checkpoint's `seq` is not the one the checkpoint signed.
    CheckpointMismatch,
    /// The checkpoint (or an archive's seal) was not signed with this audit key.
    CheckpointForged,
    /// A line of an archive is neither an event nor its seal.
    Unreadable,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Intact { events: u64, head_seq: i64 },
    Broken { seq: i64, problem: Problem },
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Intact { events, head_seq } => {
                write!(f, "intact: {events} events, head at seq {head_seq}")
            }
            Self::Broken { seq, problem } => {
                let why = match problem {
                    Problem::Edited => "edited: its content does not match its hash".to_owned(),
                    Problem::Missing => "missing: an event before it was deleted".to_owned(),
                    Problem::Inserted => "inserted: the chain passes over it".to_owned(),
                    Problem::Reordered => "reordered: it belongs elsewhere in the chain".to_owned(),
                    Problem::Truncated { last_seq } => {
                        format!("tail truncated: the chain ends at seq {last_seq}")
                    }
                    Problem::CheckpointMismatch => {
                        "checkpoint mismatch: the event there is not the one signed".to_owned()
                    }
                    Problem::CheckpointForged => {
                        "the checkpoint is not signed with this audit key".to_owned()
                    }
                    Problem::Unreadable => "unreadable: not an event of this log".to_owned(),
                };
                write!(f, "broken at seq {seq}: {why}")
            }
        }
    }
}

impl AuditLog {
    /// Verifies the whole chain, and with a checkpoint that nothing was cut from its tail.
    /// Without a checkpoint a truncated tail cannot be told from a shorter history.
    pub async fn verify(&self, checkpoint: Option<&Checkpoint>) -> Result<Verdict, AuditError> {
        self.verify_with_progress(checkpoint, |_| async {}).await
    }

    /// As [`AuditLog::verify`], telling `progress` the last `seq` checked every 10,000 events.
    pub async fn verify_with_progress<F, Fut>(
        &self,
        checkpoint: Option<&Checkpoint>,
        progress: F,
    ) -> Result<Verdict, AuditError>
    where
        F: Fn(i64) -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        self.flush().await?;
        let key = self.key();
        if let Some(cp) = checkpoint {
            if !cp.is_authentic(key) {
                return Ok(Verdict::Broken {
                    seq: cp.seq,
                    problem: Problem::CheckpointForged,
                });
            }
        }
        // A pruned log starts after its last prune's boundary; the `audit.pruned` event in
        // the chain (which the key protects, unlike the prunes table) must name it.
        let start = super::retention::start_of_chain(self).await?;
        let (first_seq, start_hash) = match &start {
            Some((seq, prev)) if *seq > 1 => (*seq, prev.clone()),
            _ => (1, GENESIS.to_owned()),
        };
        let mut boundary_named = first_seq == 1;
        let last_seq = on_engine!(self.db(), |pool| {
            let mut rows =
                sqlx::query_as::<_, StoredEvent>("select * from audit_events order by seq")
                    .fetch(pool);
            let mut expected = first_seq;
            let mut prev_hash = start_hash.clone();
            let mut current = rows.try_next().await?;
            while let Some(row) = current {
                let next = rows.try_next().await?;
                let broken = |problem| Verdict::Broken {
                    seq: row.seq,
                    problem,
                };
                if row.seq != expected {
                    return Ok(Verdict::Broken {
                        seq: expected,
                        problem: Problem::Missing,
                    });
                }
                if !chain::is_authentic(key, &row) {
                    let belongs_elsewhere = row.prev_hash != prev_hash
                        && sqlx::query_scalar::<_, i64>(
                            "select seq from audit_events where hash = $1",
                        )
                        .bind(&row.prev_hash)
                        .fetch_optional(pool)
                        .await?
                        .is_some();
                    let passed_over = next.as_ref().is_some_and(|n| n.prev_hash == prev_hash);
                    return Ok(broken(if belongs_elsewhere {
                        Problem::Reordered
                    } else if passed_over {
                        Problem::Inserted
                    } else {
                        Problem::Edited
                    }));
                }
                if row.prev_hash != prev_hash {
                    return Ok(broken(Problem::Missing));
                }
                if checkpoint.is_some_and(|cp| cp.seq == row.seq && cp.head_hash != row.hash) {
                    return Ok(broken(Problem::CheckpointMismatch));
                }
                if first_seq > 1 && row.action == Action::AuditPruned.as_str() {
                    boundary_named = names_boundary(&row.detail, first_seq - 1, &start_hash);
                }
                if row.seq % 10_000 == 0 {
                    progress(row.seq).await;
                }
                prev_hash = row.hash;
                expected += 1;
                current = next;
            }
            expected - 1
        });
        if !boundary_named {
            // Events are gone from the start of the log that no recorded prune removed.
            return Ok(Verdict::Broken {
                seq: first_seq,
                problem: Problem::Missing,
            });
        }
        if let Some(cp) = checkpoint {
            if last_seq < cp.seq {
                return Ok(Verdict::Broken {
                    seq: cp.seq,
                    problem: Problem::Truncated { last_seq },
                });
            }
        }
        Ok(Verdict::Intact {
            events: u64::try_from(last_seq - first_seq + 1).unwrap_or_default(),
            head_seq: last_seq,
        })
    }

    /// The `seq` of the newest event (0 for an empty log).
    pub async fn head_seq(&self) -> Result<i64, AuditError> {
        self.flush().await?;
        const SQL: &str = "select coalesce(max(seq), 0) from audit_events";
        Ok(on_engine!(self.db(), |pool| sqlx::query_scalar(SQL)
            .fetch_one(pool)
            .await?))
    }

    /// Signs the current head, for keeping outside the database.
    pub async fn checkpoint(&self, at: &str) -> Result<Checkpoint, AuditError> {
        self.flush().await?;
        const SQL: &str = "select seq, hash from audit_events order by seq desc limit 1";
        let head: Option<(i64, String)> = on_engine!(self.db(), |pool| sqlx::query_as(SQL)
            .fetch_optional(pool)
            .await?);
        let (seq, hash) = head.unwrap_or((0, GENESIS.to_owned()));
        Ok(Checkpoint::sign(self.key(), seq, &hash, at))
    }
}

/// Whether an `audit.pruned` event's detail says the log was pruned through `through_seq`,
/// leaving `boundary_hash` for the next event to chain onto.
fn names_boundary(detail: &str, through_seq: i64, boundary_hash: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(detail).is_ok_and(|d| {
        d["through_seq"].as_i64() == Some(through_seq)
            && d["boundary_hash"].as_str() == Some(boundary_hash)
    })
}
