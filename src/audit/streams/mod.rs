//! Streaming the audit log to a SIEM (DESIGN §6): syslog and a signed webhook, each delivered
//! at least once, in `seq` order, from a durable cursor. Delivery reads the log itself, not a
//! queue in memory, so a receiver that was away for hours gets everything when it returns and
//! a restarted portal resumes where the cursor stands. With several portal processes on one
//! database, a lease in the database lets exactly one deliver to each sink at a time.

mod deliver;
pub mod settings;
pub mod sinks;
pub mod syslog;
pub mod webhook;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use settings::StreamSettings;

use crate::audit::{AuditLog, StoredEvent};
use crate::clock::Clock;
use crate::db::Database;

/// Why a delivery failed, in words safe to show and store (no secrets, no URL queries).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SinkError(String);

impl SinkError {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// Where events go.
#[async_trait::async_trait]
pub trait Sink: Send + Sync {
    /// Sends `events` (consecutive, oldest first); returns the last `seq` now known to be
    /// delivered, which may trail what was just sent.
    async fn send(&mut self, events: &[StoredEvent]) -> Result<Option<i64>, SinkError>;
    /// With nothing more to send: confirms what was sent last, where that needs a pause.
    async fn settle(&mut self) -> Result<Option<i64>, SinkError>;
    /// Forgets the connection and anything unconfirmed: sending starts again at the cursor.
    fn reset(&mut self);
}

/// The sinks' names, as their rows and pages name them.
pub const SYSLOG: &str = "syslog";
pub const WEBHOOK: &str = "webhook";

/// The delivery tasks of this process.
pub struct Streams {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Streams {
    /// Starts one delivery task per configured sink.
    pub fn start(
        settings: &StreamSettings,
        db: &Database,
        log: &AuditLog,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, SinkError> {
        let (stop, stopped) = watch::channel(false);
        let mut sinks: Vec<(&'static str, String, Box<dyn Sink>)> = Vec::new();
        if let Some(target) = &settings.syslog {
            let sink = syslog::SyslogSink::new(target.clone());
            sinks.push((SYSLOG, target.to_string(), Box::new(sink)));
        }
        if let Some(target) = &settings.webhook {
            let sink = webhook::WebhookSink::new(target.clone())?;
            sinks.push((WEBHOOK, target.shown(), Box::new(sink)));
        }
        // One holder name per process, for the leases.
        let holder = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple());
        let tasks = sinks
            .into_iter()
            .map(|(name, target, sink)| {
                let delivery = deliver::Delivery {
                    name,
                    target,
                    sink,
                    db: db.clone(),
                    log: log.clone(),
                    clock: clock.clone(),
                    holder: holder.clone(),
                    stopped: stopped.clone(),
                };
                tokio::spawn(delivery.run())
            })
            .collect();
        Ok(Self { stop, tasks })
    }

    /// Stops delivering and gives the leases up, so another process takes over at once.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
    }
}
