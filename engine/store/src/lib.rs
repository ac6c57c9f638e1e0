//! hirewire-store: the run history, which is also the work queue, on SQLite or Postgres.
//!
//! One [`Store`] serves both backends with the same behaviour. The engine records trigger events as runs
//! ([`Store::enqueue_runs`], [`Store::record_poll`], [`Store::record_webhook`], [`Store::try_fire_cron`]),
//! claims due runs under a lease ([`Store::claim_runs`]), records each step ([`Store::start_step`],
//! [`Store::finish_step`]) and ends the run ([`Store::finish_run`], [`Store::reschedule_run`]). Operators read
//! the history ([`Store::list_runs`], [`Store::get_run`]), retry runs ([`Store::requeue_run`]), prune
//! ([`Store::prune`]) and forget candidates ([`Store::forget_candidate`]).
//!
//! Guarantees: one original run per (recipe, event id) and per (recipe, business key), enforced by unique
//! indexes; a poll's cursor advances in the transaction that records its runs; every write about a claimed run
//! is fenced by its lease ([`RunLease`]), so a node whose lease expired cannot finish a run twice.

pub mod bench;
pub mod commit_counter;
pub mod dashboard;
mod error;
mod gauges;
mod group_commit;
mod history;
mod maintenance;
mod pg_tuning;
mod queue;
mod redact;
mod rows;
pub mod run_json;
mod sql;
mod sqlite_tuning;
mod steps;
mod store;
pub mod testing;
mod timestamp;
mod triggers;
mod types;
mod url;
mod wakeup;

pub use error::StoreError;
pub use redact::{REDACTED, redact_strings};
pub use store::{Backend, Store, redact_url};
pub use timestamp::Timestamp;
pub use types::*;
pub use url::resolve_sqlite_url;
pub use wakeup::{RUNS_CHANNEL, RunsListener};
