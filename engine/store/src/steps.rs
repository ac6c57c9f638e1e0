//! Step records of a claimed run: started, finished, read back for resumption and `runs show`; a run's step
//! writes and its end are applied together in one transaction.

use chrono::{DateTime, Utc};

use crate::error::{StoreError, db};
use crate::queue::lease_held;
use crate::rows::StepRow;
use crate::run_writes::{RunEnding, RunWrites};
use crate::store::{Pool, Store, on_pool};
use crate::types::{RunLease, RunStatus, StepRecord, StepWrite};

impl Store {
    /// Applies `writes` to the leased run's steps, in order, in one transaction: all of them or, when the lease
    /// is not current, none (`LeaseLost`).
    ///
    /// # Errors
    /// `LeaseLost`; `Database`.
    pub async fn record_steps(&self, lease: &RunLease, writes: Vec<StepWrite>) -> Result<(), StoreError> {
        if writes.is_empty() {
            return Ok(());
        }
        self.record_run_progress(lease, writes, RunEnding::Continues).await
    }

    /// Applies `writes` to the leased run's steps and ends the run with `status` (succeeded, failed, skipped or
    /// cancelled) and `error`, in one transaction.
    ///
    /// # Errors
    /// `NotFinalStatus` for queued or running; `LeaseLost` if the lease is no longer this node's at this attempt
    /// (nothing is written); `Database`.
    pub async fn finish_run_after(
        &self,
        lease: &RunLease,
        writes: Vec<StepWrite>,
        status: RunStatus,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        if !status.is_finished() {
            return Err(StoreError::NotFinalStatus(status));
        }
        self.record_run_progress(lease, writes, RunEnding::Finished(status, error.map(str::to_owned))).await
    }

    /// Applies `writes` to the leased run's steps and gives the run back to the queue until `run_at` (a durable
    /// retry after a failed step), keeping `error` as the last error, in one transaction.
    ///
    /// # Errors
    /// `LeaseLost`; `Database`.
    pub async fn reschedule_run_after(
        &self,
        lease: &RunLease,
        writes: Vec<StepWrite>,
        run_at: DateTime<Utc>,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        self.record_run_progress(lease, writes, RunEnding::Rescheduled(run_at, error.map(str::to_owned))).await
    }

    /// One write job: the step writes then the ending, all of them or, when the lease is not current, none.
    async fn record_run_progress(
        &self,
        lease: &RunLease,
        writes: Vec<StepWrite>,
        ending: RunEnding,
    ) -> Result<(), StoreError> {
        let held = lease.clone();
        let held_throughout = match &self.pool {
            Pool::Sqlite(pools) => RunWrites::record_run_progress(pools, held, writes, ending).await?,
            Pool::Postgres(pool) => RunWrites::record_run_progress(pool, held, writes, ending).await?,
        };
        lease_held(lease, u64::from(held_throughout))
    }

    /// The steps of run `run_id` in the order they started, with inputs and outputs. The engine resumes a run
    /// after its steps that are `succeeded` or `skipped` (their outputs feed `steps.<id>`), never sending them
    /// again.
    ///
    /// # Errors
    /// `Database`.
    pub async fn steps_of(&self, run_id: &str) -> Result<Vec<StepRecord>, StoreError> {
        let rows: Vec<StepRow> = on_pool!(read: self, pool, sql => {
            sqlx::query_as(sql::STEPS_OF_RUN).bind(run_id).fetch_all(pool).await.map_err(db("steps_of"))?
        });
        Ok(rows.into_iter().map(StepRow::into_record).collect())
    }
}
