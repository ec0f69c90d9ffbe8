//! The append path: one writer task per process takes events from a queue and commits them in
//! batches (group commit), so concurrent writers share one transaction and one fsync. Each
//! batch reads the chain's head only once it holds the database's lock on the chain (SQLite's
//! write lock, `BEGIN IMMEDIATE`; a transaction-scoped advisory lock on PostgreSQL), so several
//! portal processes on one database still extend a single, gapless chain.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use sqlx::{Connection, PgConnection, Postgres, Sqlite, SqliteConnection, Transaction};
use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot, watch};

use super::chain::{self, GENESIS};
use super::event::{format_time, NewEvent, StoredEvent};
use super::AuditError;
use crate::config::AuditKey;
use crate::db::{on_engine, Database};

/// The most events one transaction commits.
const MAX_BATCH: usize = 256;
const QUEUE_DEPTH: usize = 4096;

enum Job {
    /// Append `event`; tell `done`, if anyone waits, once it is durable or has failed.
    Append {
        event: Box<NewEvent>,
        done: Option<oneshot::Sender<Result<StoredEvent, AuditError>>>,
    },
    /// Answer once every job queued before this one is settled.
    Barrier(oneshot::Sender<()>),
}

/// The only writer of audit events. Cheap to clone.
#[derive(Clone)]
pub struct AuditLog {
    queue: mpsc::Sender<Job>,
    db: Database,
    key: Arc<AuditKey>,
    /// The `seq` of the newest event this process wrote: what wakes the SIEM streams.
    head: watch::Receiver<i64>,
}

impl AuditLog {
    /// Starts the writer task; it ends when the last handle is dropped.
    pub fn start(db: Database, key: Arc<AuditKey>) -> Self {
        let (queue, jobs) = mpsc::channel(QUEUE_DEPTH);
        let (written, head) = watch::channel(0);
        tokio::spawn(write_batches(db.clone(), key.clone(), jobs, written));
        Self {
            queue,
            db,
            key,
            head,
        }
    }

    /// Changes whenever this process has made events durable; events other processes write
    /// are not announced, so a reader also looks now and then.
    pub fn written(&self) -> watch::Receiver<i64> {
        self.head.clone()
    }

    /// Appends `event` and returns it as stored, once it is durable. An error means it was
    /// not recorded: whatever it describes must not go ahead.
    pub async fn append(&self, event: NewEvent) -> Result<StoredEvent, AuditError> {
        let (done, stored) = oneshot::channel();
        self.enqueue(Job::Append {
            event: Box::new(event),
            done: Some(done),
        })
        .await?;
        stored.await.map_err(|_| stopped())?
    }

    /// Queues `event` without waiting for it to be durable: for what follows an action that
    /// already happened (a PostGrid answer), where waiting would only delay the page. Should a
    /// write fail, the writer logs it and tries again; reads through this log see the event
    /// once it is written.
    pub async fn append_in_background(&self, event: NewEvent) -> Result<(), AuditError> {
        self.enqueue(Job::Append {
            event: Box::new(event),
            done: None,
        })
        .await
    }

    /// Waits until every event queued so far is written (or has failed), so a read that
    /// follows sees them.
    pub async fn flush(&self) -> Result<(), AuditError> {
        let (done, settled) = oneshot::channel();
        self.enqueue(Job::Barrier(done)).await?;
        settled.await.map_err(|_| stopped())
    }

    async fn enqueue(&self, job: Job) -> Result<(), AuditError> {
        self.queue.send(job).await.map_err(|_| stopped())
    }

    pub(super) fn db(&self) -> &Database {
        &self.db
    }

    pub(super) fn key(&self) -> &[u8] {
        self.key.expose()
    }
}

fn stopped() -> AuditError {
    AuditError::Unavailable("the audit writer has stopped".to_owned())
}

/// How long the writer waits before it tries again to write background events that a failed
/// batch could not (the database was unreachable, say).
const RETRY_AFTER: Duration = Duration::from_secs(1);
/// The most unwritten background events kept for retrying; beyond it the oldest are dropped.
const MAX_UNWRITTEN: usize = 100_000;

async fn write_batches(
    db: Database,
    key: Arc<AuditKey>,
    mut jobs: mpsc::Receiver<Job>,
    written: watch::Sender<i64>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    // Background events that nobody waits for are kept and retried, oldest first, rather than
    // lost: a PostGrid answer that came back while the database was away is still recorded.
    let mut unwritten: VecDeque<NewEvent> = VecDeque::new();
    loop {
        let retrying = unwritten.len().min(MAX_BATCH / 2);
        let room = MAX_BATCH - retrying;
        let closed = if unwritten.is_empty() {
            jobs.recv_many(&mut batch, room).await == 0
        } else {
            // recv_many is cancel-safe: a timeout loses nothing.
            matches!(
                tokio::time::timeout(RETRY_AFTER, jobs.recv_many(&mut batch, room)).await,
                Ok(0)
            )
        };
        if closed && unwritten.is_empty() {
            break;
        }
        let mut events: Vec<NewEvent> = unwritten.drain(..retrying).collect();
        let mut waiting: Vec<_> = events.iter().map(|_| None).collect();
        let mut barriers = Vec::new();
        for job in batch.drain(..) {
            match job {
                Job::Append { event, done } => {
                    events.push(*event);
                    waiting.push(done);
                }
                Job::Barrier(done) => barriers.push(done),
            }
        }
        if !events.is_empty() {
            let refs: Vec<&NewEvent> = events.iter().collect();
            match write_batch(&db, key.expose(), &refs).await {
                Ok(stored) => {
                    if let Some(last) = stored.last() {
                        written.send_replace(last.seq);
                    }
                    for (done, event) in waiting.into_iter().zip(stored) {
                        if let Some(done) = done {
                            let _ = done.send(Ok(event));
                        }
                    }
                }
                Err(err) => {
                    tracing::error!(error = %err, events = events.len(), "audit events could not be written");
                    let message = err.to_string();
                    for (event, done) in events.into_iter().zip(waiting) {
                        match done {
                            Some(done) => {
                                let _ = done.send(Err(AuditError::Unavailable(message.clone())));
                            }
                            None => unwritten.push_back(event),
                        }
                    }
                    let excess = unwritten.len().saturating_sub(MAX_UNWRITTEN);
                    if excess > 0 {
                        unwritten.drain(..excess);
                        tracing::error!(dropped = excess, "unwritten audit events dropped");
                    }
                }
            }
        }
        for done in barriers {
            let _ = done.send(());
        }
        if closed {
            if !unwritten.is_empty() {
                tracing::error!(
                    events = unwritten.len(),
                    "audit events unwritten at shutdown"
                );
            }
            break;
        }
    }
}

/// Inserts chained rows (from [`chain_rows`]) in one statement, far cheaper than a round trip
/// per event; `$conn` must hold the chain's lock (see [`ChainLock`]).
macro_rules! insert_chained {
    ($conn:expr, $rows:expr) => {{
        let mut insert = sqlx::QueryBuilder::new($crate::audit::log::INSERT);
        insert.push_values($rows, |mut values, row| {
            values
                .push_bind(row.seq)
                .push_bind(&row.id)
                .push_bind(&row.at)
                .push_bind(&row.action)
                .push_bind(&row.outcome)
                .push_bind(row.actor_id)
                .push_bind(&row.actor_email)
                .push_bind(&row.actor_role)
                .push_bind(&row.sub_org_id)
                .push_bind(&row.impersonation_id)
                .push_bind(&row.reason)
                .push_bind(&row.call_id)
                .push_bind(&row.operation)
                .push_bind(&row.method)
                .push_bind(&row.upstream_path)
                .push_bind(row.upstream_status)
                .push_bind(&row.upstream_request_id)
                .push_bind(row.duration_ms)
                .push_bind(&row.client_ip)
                .push_bind(&row.user_agent)
                .push_bind(&row.request_id)
                .push_bind(&row.detail)
                .push_bind(&row.prev_hash)
                .push_bind(&row.hash)
                .push_bind(&row.provider);
        });
        insert.build().execute($conn).await
    }};
}
pub(super) use insert_chained;

/// The chain's head: the newest event's `seq` and hash.
pub(super) const HEAD: &str = "select seq, hash from audit_events order by seq desc limit 1";

pub(super) const INSERT: &str =
    "insert into audit_events (seq, id, at, action, outcome, actor_id, \
    actor_email, actor_role, sub_org_id, impersonation_id, reason, call_id, operation, method, \
    upstream_path, upstream_status, upstream_request_id, duration_ms, client_ip, user_agent, \
    request_id, detail, prev_hash, hash, provider) ";

/// Opening the transaction that extends the chain: once open, it holds the engine's lock on
/// the chain until it ends, so the head it reads stays the head.
pub(super) trait ChainLock: Connection {
    async fn begin_extending(&mut self) -> Result<Transaction<'_, Self::Database>, sqlx::Error>;
}

impl ChainLock for SqliteConnection {
    async fn begin_extending(&mut self) -> Result<Transaction<'_, Sqlite>, sqlx::Error> {
        // IMMEDIATE takes the write lock before the head is read.
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

/// The key of PostgreSQL's advisory lock on the chain ("auditlog" in ASCII).
const CHAIN_LOCK_KEY: i64 = 0x6175_6469_746c_6f67;

impl ChainLock for PgConnection {
    async fn begin_extending(&mut self) -> Result<Transaction<'_, Postgres>, sqlx::Error> {
        let mut tx = self.begin().await?;
        // Released by the commit or rollback that ends the transaction.
        sqlx::query("select pg_advisory_xact_lock($1)")
            .bind(CHAIN_LOCK_KEY)
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }
}

async fn write_batch(
    db: &Database,
    key: &[u8],
    events: &[&NewEvent],
) -> Result<Vec<StoredEvent>, sqlx::Error> {
    on_engine!(db, |pool| {
        let mut retried = false;
        loop {
            let mut conn = pool.acquire().await?;
            // `Err((true, _))`: the transaction could not even begin, so nothing was written.
            let written = async {
                let mut tx = conn.begin_extending().await.map_err(|e| (true, e))?;
                let head: Option<(i64, String)> = sqlx::query_as(HEAD)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(|e| (false, e))?;
                let stored = chain_rows(key, events, head);
                insert_chained!(&mut *tx, &stored).map_err(|e| (false, e))?;
                tx.commit().await.map_err(|e| (false, e))?;
                Ok(stored)
            }
            .await;
            match written {
                Ok(stored) => break Ok(stored),
                Err((not_begun, err)) => {
                    // A failed commit can leave the connection inside a transaction that its
                    // rollback cannot end (SQLite rolls back by itself on a full disk, and sqlx
                    // still counts one open), and such a connection refuses every later batch:
                    // it is closed instead of going back to the pool. One that could not begin
                    // (another writer, the session store say, left it so) is closed too, and
                    // the batch, having written nothing, tries once more on a fresh one.
                    conn.close_on_drop();
                    if !not_begun || retried {
                        break Err(err);
                    }
                    retried = true;
                }
            }
        }
    })
}

/// The stored form of `events`, chained onto `head` in order.
pub(super) fn chain_rows(
    key: &[u8],
    events: &[&NewEvent],
    head: Option<(i64, String)>,
) -> Vec<StoredEvent> {
    let (mut seq, mut prev_hash) = head.unwrap_or((0, GENESIS.to_owned()));
    let at = format_time(OffsetDateTime::now_utc());
    let mut stored = Vec::with_capacity(events.len());
    for event in events {
        seq += 1;
        let mut row = to_row(event, seq, &at, prev_hash);
        row.hash = chain::hash(key, &row, &row.prev_hash);
        prev_hash = row.hash.clone();
        stored.push(row);
    }
    stored
}

/// The event's detail, with the actor's name as it is now (`actor_name`), unless the detail
/// names someone already.
fn detail_with_names(event: &NewEvent) -> String {
    let name = event.origin.actor.as_ref().and_then(|a| a.name.as_ref());
    match (name, &event.detail) {
        (Some(name), serde_json::Value::Object(fields)) if !fields.contains_key("actor_name") => {
            let mut fields = fields.clone();
            fields.insert("actor_name".to_owned(), serde_json::json!(name));
            serde_json::Value::Object(fields).to_string()
        }
        _ => event.detail.to_string(),
    }
}

fn to_row(event: &NewEvent, seq: i64, at: &str, prev_hash: String) -> StoredEvent {
    let actor = event.origin.actor.as_ref();
    StoredEvent {
        seq,
        // Time-ordered ids keep the unique index's inserts at its end.
        id: uuid::Uuid::now_v7().to_string(),
        at: at.to_owned(),
        action: event.action.as_str().to_owned(),
        outcome: event.outcome.as_str().to_owned(),
        actor_id: actor.map(|a| a.id),
        actor_email: actor.map(|a| a.email.clone()),
        actor_role: actor.map(|a| a.role.clone()),
        sub_org_id: event.sub_org_id.clone(),
        impersonation_id: event.impersonation_id.clone(),
        reason: event.reason.clone(),
        call_id: event.call_id.clone(),
        operation: event.operation.clone(),
        method: event.method.clone(),
        upstream_path: event.upstream_path.clone(),
        upstream_status: event.upstream_status,
        upstream_request_id: event.upstream_request_id.clone(),
        duration_ms: event.duration_ms,
        client_ip: event.origin.client_ip.clone(),
        user_agent: event.origin.user_agent.clone(),
        request_id: event.origin.request_id.clone(),
        detail: detail_with_names(event),
        prev_hash,
        hash: String::new(),
        provider: event.provider.map(|p| p.as_str().to_owned()),
    }
}
