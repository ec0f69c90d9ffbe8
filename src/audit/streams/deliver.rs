//! One sink's delivery loop: hold the lease, read the events after the cursor, send them,
//! move the cursor on what the sink confirms; on failure record why, wait longer each time,
//! and start again from the cursor.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::sinks::{self, unix_ms};
use super::Sink;
use crate::audit::{format_time, AuditLog, StoredEvent};
use crate::clock::Clock;
use crate::db::{on_engine, Database};

/// The most events one send carries.
const BATCH: i64 = 1000;
/// How long a lease lasts; its holder renews it when half is gone. One turn of the loop (a
/// send, with its timeouts, or a pause after a failure) stays well inside the other half, so
/// the lease cannot run out while its holder is still sending.
const LEASE: time::Duration = time::Duration::seconds(60);
/// How often a process without the lease asks for it again.
const FOLLOW_EVERY: Duration = Duration::from_secs(1);
/// How often a quiet log is looked at again, for events other processes wrote.
const POLL_EVERY: Duration = Duration::from_secs(1);
const FIRST_RETRY: Duration = Duration::from_millis(250);
const LAST_RETRY: Duration = Duration::from_secs(20);

pub(super) struct Delivery {
    pub name: &'static str,
    pub target: String,
    pub sink: Box<dyn Sink>,
    pub db: Database,
    pub log: AuditLog,
    pub clock: Arc<dyn Clock>,
    pub holder: String,
    pub stopped: watch::Receiver<bool>,
}

impl Delivery {
    pub async fn run(mut self) {
        while let Err(err) = sinks::register(&self.db, self.name, &self.target).await {
            tracing::warn!(sink = self.name, error = %err, "audit stream cannot register its sink");
            if self.pause(LAST_RETRY).await {
                return;
            }
        }
        let mut written = self.log.written();
        // The lease runs until this (Unix ms) when held.
        let mut lease_until: Option<i64> = None;
        // The last seq sent (confirmed or not); reads continue after it.
        let mut sent = 0;
        let mut retry = FIRST_RETRY;
        loop {
            if *self.stopped.borrow() {
                break;
            }
            let now = self.clock.now();
            let renew_at = lease_until.map(|until| until - unix_ms(now + LEASE / 2));
            if renew_at.is_none_or(|left| left <= 0) {
                match sinks::take_lease(
                    &self.db,
                    self.name,
                    &self.holder,
                    unix_ms(now),
                    unix_ms(now + LEASE),
                )
                .await
                {
                    Ok(true) => {
                        if lease_until.is_none() {
                            // Newly the deliverer: start from the durable cursor.
                            self.sink.reset();
                            match sinks::cursor(&self.db, self.name).await {
                                Ok(cursor) => sent = cursor,
                                Err(err) => {
                                    if self.failed(&err.to_string(), &mut retry).await {
                                        break;
                                    }
                                    continue;
                                }
                            }
                            tracing::info!(
                                sink = self.name,
                                from_seq = sent,
                                "audit stream delivering"
                            );
                        }
                        lease_until = Some(unix_ms(now + LEASE));
                    }
                    Ok(false) => {
                        lease_until = None;
                        if self.pause(FOLLOW_EVERY).await {
                            break;
                        }
                        continue;
                    }
                    Err(err) => {
                        lease_until = None;
                        if self.failed(&err.to_string(), &mut retry).await {
                            break;
                        }
                        continue;
                    }
                }
            }
            let events = match self.read_after(sent).await {
                Ok(events) => events,
                Err(err) => {
                    if self.failed(&err.to_string(), &mut retry).await {
                        break;
                    }
                    continue;
                }
            };
            let delivered = if events.is_empty() {
                self.sink.settle().await
            } else {
                self.sink.send(&events).await
            };
            match delivered {
                Ok(confirmed) => {
                    if let Some(last) = events.last() {
                        sent = last.seq;
                    }
                    if let Some(seq) = confirmed {
                        // Only a delivery confirmed ends a run of failures: a receiver that
                        // takes connections and drops them is still tried less and less often.
                        retry = FIRST_RETRY;
                        let at = format_time(self.clock.now());
                        match sinks::advance(&self.db, self.name, &self.holder, seq, &at).await {
                            Ok(true) => {}
                            Ok(false) => {
                                // Another process took the lease over: it delivers now.
                                lease_until = None;
                                continue;
                            }
                            Err(err) => {
                                tracing::warn!(sink = self.name, error = %err, "audit stream cannot move its cursor");
                            }
                        }
                    }
                    if events.is_empty() && self.wait_for_events(&mut written).await {
                        break;
                    }
                }
                Err(err) => {
                    self.sink.reset();
                    // Everything not confirmed goes again, from the durable cursor.
                    lease_until = None;
                    if self.failed(&err.to_string(), &mut retry).await {
                        break;
                    }
                }
            }
        }
        if let Err(err) = sinks::release(&self.db, self.name, &self.holder).await {
            tracing::warn!(sink = self.name, error = %err, "audit stream could not give its lease up");
        }
    }

    async fn read_after(&self, seq: i64) -> Result<Vec<StoredEvent>, sqlx::Error> {
        const SQL: &str = "select * from audit_events where seq > $1 order by seq limit $2";
        Ok(on_engine!(self.log.db(), |pool| sqlx::query_as(SQL)
            .bind(seq)
            .bind(BATCH)
            .fetch_all(pool)
            .await?))
    }

    /// Records a failure and waits before the next try, longer each time; true when stopped.
    async fn failed(&mut self, message: &str, retry: &mut Duration) -> bool {
        tracing::warn!(
            sink = self.name,
            error = message,
            "audit stream delivery failed"
        );
        let at = format_time(self.clock.now());
        if let Err(err) = sinks::record_error(&self.db, self.name, message, &at).await {
            tracing::warn!(sink = self.name, error = %err, "audit stream cannot record its error");
        }
        let wait = *retry;
        *retry = (*retry * 2).min(LAST_RETRY);
        self.pause(wait).await
    }

    /// Waits until this process writes events, a while passes, or delivery stops; true when
    /// stopped.
    async fn wait_for_events(&mut self, written: &mut watch::Receiver<i64>) -> bool {
        tokio::select! {
            changed = written.changed() => match changed {
                Ok(()) => false,
                // This process's writer has stopped: only other processes write now.
                Err(_) => self.pause(POLL_EVERY).await,
            },
            _ = tokio::time::sleep(POLL_EVERY) => false,
            _ = self.stopped.changed() => true,
        }
    }

    /// Waits `how_long` unless delivery stops first; true when stopped.
    async fn pause(&mut self, how_long: Duration) -> bool {
        tokio::select! {
            _ = tokio::time::sleep(how_long) => false,
            _ = self.stopped.changed() => true,
        }
    }
}
