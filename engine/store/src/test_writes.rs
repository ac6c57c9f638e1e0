//! Single-purpose run and step writes that production code does not use (it writes a run's steps and its end
//! together: `record_steps`, `finish_run_after`, `reschedule_run_after`); tests use them to drive a run step
//! by step. Behind the `test-util` feature.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::error::StoreError;
use crate::queue::lease_held;
use crate::run_writes::RunWrites;
use crate::store::{Pool, Store};
use crate::types::{RunLease, RunStatus, StepOutcome, StepWrite};

impl Store {
    /// Records that step `step_id` (e.g. `interviewers[1].dm`) of the leased run starts sending `action` with
    /// the rendered `input`. Starting a step again (a retry) keeps its attempt count and ordinal.
    ///
    /// # Errors
    /// `LeaseLost` when the lease is not current (nothing is written); `Database`.
    pub async fn start_step(
        &self,
        lease: &RunLease,
        step_id: &str,
        action: &str,
        input: &Value,
    ) -> Result<(), StoreError> {
        let start = StepWrite::Start { step_id: step_id.to_owned(), action: action.to_owned(), input: input.clone() };
        self.record_steps(lease, vec![start]).await
    }

    /// Records how step `step_id` ended after `attempts` sends: its output (succeeded), its error (failed or
    /// retrying), or skipped (a step never started may be recorded as skipped directly).
    ///
    /// # Errors
    /// `LeaseLost` when the lease is not current (nothing is written); `Database`.
    pub async fn finish_step(
        &self,
        lease: &RunLease,
        step_id: &str,
        action: &str,
        outcome: &StepOutcome,
        attempts: u32,
    ) -> Result<(), StoreError> {
        let finish = StepWrite::Finish {
            step_id: step_id.to_owned(),
            action: action.to_owned(),
            outcome: outcome.clone(),
            attempts,
        };
        self.record_steps(lease, vec![finish]).await
    }

    /// Ends a claimed run with `status` (succeeded, failed, skipped or cancelled) and `error`.
    ///
    /// # Errors
    /// `NotFinalStatus` for queued or running; `LeaseLost` if the lease is no longer this node's at this
    /// attempt (nothing is written); `Database`.
    pub async fn finish_run(&self, lease: &RunLease, status: RunStatus, error: Option<&str>) -> Result<(), StoreError> {
        self.finish_run_after(lease, Vec::new(), status, error).await
    }

    /// Gives a claimed run back to the queue until `run_at` (a durable retry after a failed step), keeping
    /// `error` as the last error.
    ///
    /// # Errors
    /// `LeaseLost`; `Database`.
    pub async fn reschedule_run(
        &self,
        lease: &RunLease,
        run_at: DateTime<Utc>,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        self.reschedule_run_after(lease, Vec::new(), run_at, error).await
    }

    /// Gives a claimed run back to the queue right away (e.g. on shutdown); its attempt count is kept.
    ///
    /// # Errors
    /// `LeaseLost`; `Database`.
    pub async fn release_run(&self, lease: &RunLease) -> Result<(), StoreError> {
        let held = lease.clone();
        let changed = match &self.pool {
            Pool::Sqlite(pools) => RunWrites::release_run(pools, held).await?,
            Pool::Postgres(pool) => RunWrites::release_run(pool, held).await?,
        };
        lease_held(lease, changed)
    }
}
