//! The tamper-evident audit log (DESIGN §6): the only writer of audit events, their keyed hash
//! chain, verification, checkpoints, queries and exports.

mod chain;
mod event;
mod export;
mod log;
mod query;
pub mod redact;
pub mod refusals;
mod retention;
pub mod streams;
mod upstream_calls;
mod verifications;
mod verify;

pub use chain::{canonical, Checkpoint, CANONICAL_VERSION, GENESIS};
pub use event::{
    format_time, parse_time, Action, Actor, NewEvent, Origin, Outcome, Provider, StoredEvent,
};
pub use export::{csv_cell, Format, COLUMNS};
pub use log::AuditLog;
pub use query::{Cursor, Filter};
pub use retention::{verify_archive, Pruned, RetentionError, Seal};
pub use upstream_calls::AuditedCalls;
pub use verifications::Verification;
pub use verify::{Problem, Verdict};

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// Nothing was recorded; the action it describes must not go ahead.
    #[error("the audit log is unavailable: {0}")]
    Unavailable(String),
    #[error("audit log query failed: {0}")]
    Query(#[from] sqlx::Error),
    #[error("could not write the export: {0}")]
    Output(#[from] std::io::Error),
}
