//! Retention (DESIGN §6): the oldest events written out as a sealed archive, and the prune that
//! removes exactly the archived events once the archive checks out against the chain.
//!
//! An archive is JSON Lines: the events in `seq` order, each as exported, then one line
//! `{"seal": …}` signed with the audit key. The seal names the range, the hash the first event
//! chains onto and the hash of the last, so an archive verifies on its own, and a run of
//! archives, each starting where the one before ended, verifies back to the genesis.

use std::path::{Path, PathBuf};

use futures_util::TryStreamExt;
use hmac::Mac;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, BufWriter};

use super::chain::{self, GENESIS};
use super::event::{Action, NewEvent, Origin, Outcome, StoredEvent};
use super::log::{chain_rows, insert_chained, ChainLock, HEAD};
use super::verify::{Problem, Verdict};
use super::{AuditError, AuditLog};
use crate::db::on_engine;

/// The signed last line of an archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seal {
    pub version: u32,
    /// The first archived event's `seq`.
    pub first_seq: i64,
    /// The hash the first archived event chains onto (the genesis for the first archive).
    pub prev_hash: String,
    /// The last archived event's `seq`.
    pub through_seq: i64,
    /// The last archived event's hash: what the first event after the archive chains onto.
    pub head_hash: String,
    pub events: u64,
    pub at: String,
    pub mac: String,
}

#[derive(Serialize, Deserialize)]
struct SealLine {
    seal: Seal,
}

impl Seal {
    fn message(&self) -> String {
        format!(
            "suborg-portal/archive/v1\n{}\n{}\n{}\n{}\n{}\n{}",
            self.first_seq, self.prev_hash, self.through_seq, self.head_hash, self.events, self.at
        )
    }

    fn tag(&self, key: &[u8]) -> chain::HmacSha256 {
        let mut mac = chain::mac(key);
        mac.update(self.message().as_bytes());
        mac
    }

    fn sign(mut self, key: &[u8]) -> Self {
        self.mac = hex::encode(self.tag(key).finalize().into_bytes());
        self
    }

    pub fn is_authentic(&self, key: &[u8]) -> bool {
        self.version == 1
            && chain::is_lower_hex_sha256(&self.mac)
            && hex::decode(&self.mac).is_ok_and(|tag| self.tag(key).verify_slice(&tag).is_ok())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RetentionError {
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error("{0}")]
    Refused(String),
}

impl From<sqlx::Error> for RetentionError {
    fn from(err: sqlx::Error) -> Self {
        Self::Audit(err.into())
    }
}

impl From<std::io::Error> for RetentionError {
    fn from(err: std::io::Error) -> Self {
        Self::Audit(err.into())
    }
}

fn refused(why: impl Into<String>) -> RetentionError {
    RetentionError::Refused(why.into())
}

/// What a prune removed, as its `audit.pruned` event records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pruned {
    pub first_seq: i64,
    pub through_seq: i64,
    pub events: u64,
    /// The `seq` of the `audit.pruned` event.
    pub recorded_at_seq: i64,
}

/// Where the chain starts now: the first event's `seq`, and the hash it chains onto.
pub(super) async fn start_of_chain(log: &AuditLog) -> Result<Option<(i64, String)>, AuditError> {
    const SQL: &str = "select seq, prev_hash from audit_events order by seq limit 1";
    Ok(on_engine!(log.db(), |pool| sqlx::query_as(SQL)
        .fetch_optional(pool)
        .await?))
}

/// Checks one event against the chain so far: `expected` is its `seq`, `prev_hash` what it
/// must chain onto.
fn check_link(
    key: &[u8],
    event: &StoredEvent,
    expected: i64,
    prev_hash: &str,
) -> Result<(), Verdict> {
    let broken = |seq, problem| Err(Verdict::Broken { seq, problem });
    if event.seq != expected {
        return broken(expected, Problem::Missing);
    }
    if !chain::is_authentic(key, event) {
        return broken(event.seq, Problem::Edited);
    }
    if event.prev_hash != prev_hash {
        return broken(event.seq, Problem::Missing);
    }
    Ok(())
}

impl AuditLog {
    /// Writes the events from the start of the chain through `through_seq` to `out` as a
    /// sealed archive, checking each against the chain as it goes: a broken chain is not
    /// sealed. The file appears only once complete and on disk; an existing one is kept.
    pub async fn archive(
        &self,
        through_seq: i64,
        out: &Path,
        at: &str,
    ) -> Result<Seal, RetentionError> {
        self.flush().await?;
        let Some((first_seq, first_prev)) = start_of_chain(self).await? else {
            return Err(refused(
                "the audit log is empty: there is nothing to archive",
            ));
        };
        let head = self.head_seq().await?;
        if through_seq < first_seq || through_seq > head {
            return Err(refused(format!(
                "--through-seq must be from {first_seq} (the oldest event kept) to {head} (the newest)"
            )));
        }
        if out.exists() {
            return Err(refused(format!(
                "{} already exists: an archive is never overwritten",
                out.display()
            )));
        }
        let partial = PathBuf::from(format!("{}.partial", out.display()));
        let file = tokio::fs::File::create(&partial).await?;
        let mut writer = BufWriter::with_capacity(64 * 1024, file);
        let key = self.key();
        let mut expected = first_seq;
        let mut prev_hash = first_prev.clone();
        let mut line = Vec::with_capacity(1024);
        let written: Result<(), RetentionError> = async {
            on_engine!(self.db(), |pool| {
                let mut rows = sqlx::query_as::<_, StoredEvent>(
                    "select * from audit_events where seq <= $1 order by seq",
                )
                .bind(through_seq)
                .fetch(pool);
                while let Some(event) = rows.try_next().await? {
                    if let Err(verdict) = check_link(key, &event, expected, &prev_hash) {
                        return Err(refused(format!(
                            "the chain is not intact, so it is not archived: {verdict}"
                        )));
                    }
                    line.clear();
                    serde_json::to_writer(&mut line, &event)
                        .map_err(|e| AuditError::Unavailable(e.to_string()))?;
                    line.push(b'\n');
                    writer.write_all(&line).await?;
                    prev_hash = event.hash;
                    expected += 1;
                }
            });
            Ok(())
        }
        .await;
        if let Err(err) = written {
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(err);
        }
        let seal = Seal {
            version: 1,
            first_seq,
            prev_hash: first_prev,
            through_seq,
            head_hash: prev_hash,
            events: u64::try_from(through_seq - first_seq + 1).unwrap_or_default(),
            at: at.to_owned(),
            mac: String::new(),
        }
        .sign(key);
        let sealed = serde_json::to_vec(&SealLine { seal: seal.clone() })
            .map_err(|e| AuditError::Unavailable(e.to_string()))?;
        writer.write_all(&sealed).await?;
        writer.write_all(b"\n").await?;
        writer.flush().await?;
        writer.get_ref().sync_all().await?;
        tokio::fs::rename(&partial, out).await?;
        Ok(seal)
    }

    /// Removes exactly the events `archive` holds, once the archive verifies and matches the
    /// chain event for event, and records `audit.pruned` in the same transaction. Refused while
    /// a SIEM sink has not yet delivered them.
    pub async fn prune(&self, archive: &Path) -> Result<Pruned, RetentionError> {
        let seal = match verify_archive(self.key(), archive).await? {
            (Verdict::Intact { .. }, Some(seal)) => seal,
            (verdict, _) => {
                return Err(refused(format!(
                    "{} does not verify, so nothing is pruned: {verdict}",
                    archive.display()
                )))
            }
        };
        self.flush().await?;
        match start_of_chain(self).await? {
            Some((first, _)) if first == seal.first_seq => {}
            Some((first, _)) => {
                return Err(refused(format!(
                    "the archive starts at seq {} but the log now starts at seq {first}",
                    seal.first_seq
                )))
            }
            None => return Err(refused("the audit log is empty")),
        }
        self.matches_chain(archive, &seal).await?;
        let key = self.key().to_vec();
        let pruned_at = super::format_time(time::OffsetDateTime::now_utc());
        let event = NewEvent::new(
            Action::AuditPruned,
            Outcome::Ok,
            Origin {
                user_agent: Some("suborg-portal cli".to_owned()),
                ..Origin::default()
            },
        )
        .detail(serde_json::json!({
            "first_seq": seal.first_seq,
            "through_seq": seal.through_seq,
            "events": seal.events,
            "boundary_hash": seal.head_hash,
            "archive": { "at": seal.at, "mac": seal.mac },
        }));
        let recorded = on_engine!(self.db(), |pool| {
            let mut conn = pool.acquire().await?;
            let mut tx = conn.begin_extending().await?;
            // Still the start the archive was checked against: no other prune came between.
            let start: Option<i64> = sqlx::query_scalar("select min(seq) from audit_events")
                .fetch_one(&mut *tx)
                .await?;
            if start != Some(seal.first_seq) {
                return Err(refused("another prune ran meanwhile; nothing was pruned"));
            }
            let behind: Option<(String, i64)> = sqlx::query_as(
                "select name, cursor_seq from audit_sinks where cursor_seq < $1 \
                 order by name limit 1",
            )
            .bind(seal.through_seq)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some((name, cursor)) = behind {
                return Err(refused(format!(
                    "the {name} stream has delivered only through seq {cursor}: \
                     events it has not delivered are not pruned"
                )));
            }
            sqlx::query(
                "insert into audit_prunes (through_seq, first_seq, boundary_hash, archive_mac, \
                 pruned_at) values ($1, $2, $3, $4, $5)",
            )
            .bind(seal.through_seq)
            .bind(seal.first_seq)
            .bind(&seal.head_hash)
            .bind(&seal.mac)
            .bind(&pruned_at)
            .execute(&mut *tx)
            .await?;
            // Read before the delete: pruned through the newest event, the table is empty
            // for a moment, and the record must still follow the head, not start over.
            let head: Option<(i64, String)> = sqlx::query_as(HEAD).fetch_optional(&mut *tx).await?;
            sqlx::query("delete from audit_events where seq <= $1")
                .bind(seal.through_seq)
                .execute(&mut *tx)
                .await?;
            let stored = chain_rows(&key, &[&event], head);
            insert_chained!(&mut *tx, &stored)?;
            tx.commit().await?;
            stored.first().map_or(0, |e| e.seq)
        });
        Ok(Pruned {
            first_seq: seal.first_seq,
            through_seq: seal.through_seq,
            events: seal.events,
            recorded_at_seq: recorded,
        })
    }

    /// Compares the archive with the events in the database, hash for hash, checking each
    /// archived event against the chain again in the same pass: the file read here is the one
    /// that verified, even if it was swapped since.
    async fn matches_chain(&self, archive: &Path, seal: &Seal) -> Result<(), RetentionError> {
        let key = self.key();
        let mut lines = BufReader::new(tokio::fs::File::open(archive).await?).lines();
        let mut prev_hash = seal.prev_hash.clone();
        on_engine!(self.db(), |pool| {
            let mut rows = sqlx::query_as::<_, (i64, String)>(
                "select seq, hash from audit_events where seq <= $1 order by seq",
            )
            .bind(seal.through_seq)
            .fetch(pool);
            let mut compared = 0u64;
            while let Some((seq, hash)) = rows.try_next().await? {
                let archived = match lines.next_line().await? {
                    Some(line) => serde_json::from_str::<StoredEvent>(&line).ok(),
                    None => None,
                };
                let Some(archived) = archived
                    .filter(|e| e.hash == hash && check_link(key, e, seq, &prev_hash).is_ok())
                else {
                    return Err(refused(format!(
                        "event {seq} in the database is not the one archived: nothing is pruned"
                    )));
                };
                prev_hash = archived.hash;
                compared += 1;
            }
            if compared != seal.events || prev_hash != seal.head_hash {
                return Err(refused(format!(
                    "the database holds {compared} of the {} archived events: nothing is pruned",
                    seal.events
                )));
            }
        });
        Ok(())
    }
}

/// An archive that does not verify: where and why, and no seal to go on.
fn broken(seq: i64, problem: Problem) -> (Verdict, Option<Seal>) {
    (Verdict::Broken { seq, problem }, None)
}

/// Verifies an archive on its own, with the audit key only: every event authentic and chained
/// from the seal's start, and the seal signed and naming the last. Also returns the seal, when
/// there is an authentic one.
pub async fn verify_archive(
    key: &[u8],
    path: &Path,
) -> Result<(Verdict, Option<Seal>), AuditError> {
    let mut lines = BufReader::new(tokio::fs::File::open(path).await?).lines();
    let mut first: Option<(i64, String)> = None;
    let mut last: Option<(i64, String)> = None;
    let mut count = 0u64;
    let mut seal = None;
    while let Some(line) = lines.next_line().await? {
        let next_seq = last.as_ref().map_or(1, |(seq, _)| seq + 1);
        if seal.is_some() {
            // Nothing may follow the seal.
            return Ok(broken(next_seq, Problem::Inserted));
        }
        if let Ok(event) = serde_json::from_str::<StoredEvent>(&line) {
            if let Some((seq, hash)) = &last {
                if let Err(verdict) = check_link(key, &event, seq + 1, hash) {
                    return Ok((verdict, None));
                }
            } else if !chain::is_authentic(key, &event) {
                return Ok(broken(event.seq, Problem::Edited));
            } else {
                first = Some((event.seq, event.prev_hash.clone()));
            }
            last = Some((event.seq, event.hash.clone()));
            count += 1;
            continue;
        }
        match serde_json::from_str::<SealLine>(&line) {
            Ok(line) => seal = Some(line.seal),
            Err(_) => return Ok(broken(next_seq, Problem::Unreadable)),
        }
    }
    let Some(seal) = seal else {
        // Cut short: the seal is the last line, and it is not there.
        let last_seq = last.map_or(0, |(seq, _)| seq);
        return Ok(broken(last_seq + 1, Problem::Truncated { last_seq }));
    };
    if !seal.is_authentic(key) {
        return Ok(broken(seal.through_seq, Problem::CheckpointForged));
    }
    let starts_right = first
        .as_ref()
        .is_some_and(|(seq, prev)| *seq == seal.first_seq && *prev == seal.prev_hash)
        && (seal.first_seq > 1 || seal.prev_hash == GENESIS);
    if !starts_right {
        return Ok(broken(seal.first_seq, Problem::Missing));
    }
    let ends_right = last
        .as_ref()
        .is_some_and(|(seq, hash)| *seq == seal.through_seq && *hash == seal.head_hash)
        && count == seal.events;
    if !ends_right {
        let last_seq = last.map_or(0, |(seq, _)| seq);
        return Ok(broken(seal.through_seq, Problem::Truncated { last_seq }));
    }
    Ok((
        Verdict::Intact {
            events: count,
            head_seq: seal.through_seq,
        },
        Some(seal),
    ))
}
