//! Step records of a claimed run: started, finished, read back for resumption and `runs show`; a run's step
//! writes and its end are applied together in one transaction.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;

use crate::error::{StoreError, db};
use crate::queue::lease_held;
use crate::rows::StepRow;
use crate::store::{Store, grouped_write, on_pool};
use crate::timestamp::Timestamp;
use crate::types::{RunLease, RunStatus, StepOutcome, StepRecord, StepWrite};

/// How a run's writes end it, if they do.
#[derive(Debug, Clone)]
enum RunEnding {
    /// The run goes on.
    Continues,
    /// The run ends with this status and error.
    Finished(RunStatus, Option<String>),
    /// The run goes back to the queue until this time, with this last error.
    Rescheduled(DateTime<Utc>, Option<String>),
}

/// The bound columns of a step's end: status, output, error, finished_at (none while it will be retried).
fn ending_columns(outcome: &StepOutcome) -> (&'static str, Option<&Value>, Option<&str>, Option<Timestamp>) {
    let (output, error) = match outcome {
        StepOutcome::Succeeded(output) => (Some(output), None),
        StepOutcome::Failed(error) | StepOutcome::Retrying(error) => (None, Some(error.as_str())),
        StepOutcome::Skipped => (None, None),
    };
    let finished_at = match outcome {
        StepOutcome::Retrying(_) => None,
        _ => Some(Timestamp::now()),
    };
    (outcome.status().as_str(), output, error, finished_at)
}

/// Applies one `StepWrite` of the leased run `$held` on `$conn` with the backend's statements `$sql`; evaluates
/// to the rows it changed (0: the lease is not current).
macro_rules! apply_step_write {
    ($conn:expr, $sql:ident, $held:expr, $write:expr, $operation:literal) => {{
        let held: &RunLease = $held;
        match $write {
            StepWrite::Start { step_id, action, input } => sqlx::query($sql::START_STEP)
                .bind(&held.run_id)
                .bind(&held.node)
                .bind(held.attempt)
                .bind(step_id)
                .bind(action)
                .bind(Json(input))
                .bind(Timestamp::now())
                .execute(&mut *$conn)
                .await
                .map_err(db($operation))?
                .rows_affected(),
            StepWrite::Finish { step_id, action, outcome, attempts } => {
                let (status, output, error, finished_at) = ending_columns(outcome);
                sqlx::query($sql::FINISH_STEP)
                    .bind(&held.run_id)
                    .bind(&held.node)
                    .bind(held.attempt)
                    .bind(step_id)
                    .bind(action)
                    .bind(status)
                    .bind(i32::try_from(*attempts).unwrap_or(i32::MAX))
                    .bind(output.map(Json))
                    .bind(error)
                    .bind(finished_at)
                    .execute(&mut *$conn)
                    .await
                    .map_err(db($operation))?
                    .rows_affected()
            }
            StepWrite::Whole { step_id, action, input, started_at, outcome, attempts } => {
                let (status, output, error, finished_at) = ending_columns(outcome);
                sqlx::query($sql::RECORD_WHOLE_STEP)
                    .bind(&held.run_id)
                    .bind(&held.node)
                    .bind(held.attempt)
                    .bind(step_id)
                    .bind(action)
                    .bind(status)
                    .bind(i32::try_from(*attempts).unwrap_or(i32::MAX))
                    .bind(Json(input))
                    .bind(output.map(Json))
                    .bind(error)
                    .bind(Timestamp::new(*started_at))
                    .bind(finished_at)
                    .execute(&mut *$conn)
                    .await
                    .map_err(db($operation))?
                    .rows_affected()
            }
        }
    }};
}

/// Applies `$writes` and then `$ending` for the leased run `$held`; evaluates to whether every statement changed
/// its row (false: the lease is not current, and the caller must roll back).
macro_rules! apply_run_progress {
    ($conn:expr, $sql:ident, $held:expr, $writes:expr, $ending:expr, $operation:literal) => {{
        let held: &RunLease = $held;
        let mut held_throughout = true;
        for write in $writes {
            if apply_step_write!($conn, $sql, held, write, $operation) == 0 {
                held_throughout = false;
                break;
            }
        }
        if held_throughout {
            let changed = match $ending {
                RunEnding::Continues => 1,
                RunEnding::Finished(status, error) => sqlx::query($sql::FINISH_RUN)
                    .bind(&held.run_id)
                    .bind(&held.node)
                    .bind(held.attempt)
                    .bind(status.as_str())
                    .bind(error.as_deref())
                    .bind(Timestamp::now())
                    .execute(&mut *$conn)
                    .await
                    .map_err(db($operation))?
                    .rows_affected(),
                RunEnding::Rescheduled(run_at, error) => sqlx::query($sql::RESCHEDULE_RUN)
                    .bind(&held.run_id)
                    .bind(&held.node)
                    .bind(held.attempt)
                    .bind(Timestamp::new(*run_at))
                    .bind(error.as_deref())
                    .execute(&mut *$conn)
                    .await
                    .map_err(db($operation))?
                    .rows_affected(),
            };
            held_throughout = changed > 0;
        }
        held_throughout
    }};
}

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

    /// One write job: the step writes then the ending; one statement runs as it is, several in a transaction
    /// (a savepoint inside a SQLite group commit) that is rolled back unless the lease held for all of them.
    async fn record_run_progress(
        &self,
        lease: &RunLease,
        writes: Vec<StepWrite>,
        ending: RunEnding,
    ) -> Result<(), StoreError> {
        let statements = writes.len() + usize::from(!matches!(ending, RunEnding::Continues));
        let held = lease.clone();
        let held_throughout = grouped_write!(self, "record_run_progress", conn, sql => {
            if statements <= 1 {
                Ok(apply_run_progress!(conn, sql, &held, &writes, &ending, "record_run_progress"))
            } else {
                let mut tx = conn.begin().await.map_err(db("record_run_progress"))?;
                let held_throughout = apply_run_progress!(&mut *tx, sql, &held, &writes, &ending, "record_run_progress");
                if held_throughout {
                    tx.commit().await.map_err(db("record_run_progress"))?;
                } else {
                    tx.rollback().await.map_err(db("record_run_progress"))?;
                }
                Ok(held_throughout)
            }
        })?;
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
