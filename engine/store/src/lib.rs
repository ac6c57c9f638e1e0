//! hirewire-store: the run history, which is also the work queue, on SQLite or Postgres.
//!
//! One [`Store`] serves both backends with the same behaviour. The engine records trigger events as runs
//! ([`Store::enqueue_runs`], [`Store::record_poll`], [`Store::record_webhook`], [`Store::try_fire_cron`]),
//! claims due runs under a lease ([`Store::claim_runs`]), records its steps ([`Store::record_steps`]) and ends
//! the run with its last steps ([`Store::finish_run_after`], [`Store::reschedule_run_after`]). Operators read
//! the history ([`Store::list_runs`], [`Store::get_run`]), retry runs ([`Store::requeue_run`]), prune
//! ([`Store::prune`]) and forget candidates ([`Store::forget_candidate`]).
//!
//! Guarantees: one original run per (recipe, event id) and per (recipe, business key), enforced by unique
//! indexes; a poll's cursor advances in the transaction that records its runs; every write about a claimed run
//! is fenced by its lease ([`RunLease`]), so a node whose lease expired cannot finish a run twice.
//!
//! Layout: `sqlite/` and `postgres/` hold each backend's statements, connection tuning and (SQLite) group
//! commit; the files named by noun (`queue`, `steps`, `history`, `triggers`, `maintenance`, ...) hold the
//! operations, written once for both backends. The `test-util` feature adds [`testing`] and the single-purpose
//! run and step writes the tests use.

mod backend;
pub mod dashboard;
pub mod diagnostics;
mod error;
mod gauges;
mod history;
mod maintenance;
mod postgres;
mod queue;
mod redact;
mod rows;
pub mod run_json;
mod run_writes;
pub mod scratch;
mod sql;
mod sqlite;
mod steps;
mod store;
#[cfg(feature = "test-util")]
mod test_writes;
#[cfg(feature = "test-util")]
pub mod testing;
mod timestamp;
mod triggers;
mod types;
mod url;
mod wakeup;
mod web_sessions;

pub use error::StoreError;
pub use redact::{REDACTED, redact_strings};
pub use store::{Backend, Store, redact_url};
pub use timestamp::Timestamp;
pub use types::*;
pub use url::resolve_sqlite_url;
pub use wakeup::{RUNS_CHANNEL, RunsListener};
