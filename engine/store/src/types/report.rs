//! Reports of maintenance operations (prune, forget-candidate) and the node registry.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// What `prune` removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PruneReport {
    /// Finished runs deleted.
    pub runs_deleted: u64,
    /// Their step records.
    pub steps_deleted: u64,
    /// Webhook delivery ids forgotten.
    pub deliveries_deleted: u64,
    /// Database size before (SQLite: the file's pages; Postgres: the tables with indexes and TOAST).
    pub bytes_before: u64,
    /// Database size after.
    pub bytes_after: u64,
}

/// What `forget_candidate` removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ForgetReport {
    /// Runs whose payload, error and business key were redacted.
    pub runs: u64,
    /// Steps whose input, output and error were redacted.
    pub steps: u64,
    /// String values replaced in payloads, inputs and outputs.
    pub values_redacted: u64,
}

/// A daemon sharing the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeRecord {
    /// Its id.
    pub id: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// Its last heartbeat.
    pub last_seen: DateTime<Utc>,
}
