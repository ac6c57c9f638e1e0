//! Step records of a claimed run: started, finished, read back for resumption and `runs show`.

use serde_json::Value;
use sqlx::types::Json;

use crate::error::{StoreError, db};
use crate::queue::lease_held;
use crate::rows::StepRow;
use crate::store::{Store, on_pool};
use crate::timestamp::Timestamp;
use crate::types::{RunLease, StepOutcome, StepRecord};

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
        let changed = on_pool!(self, pool, sql => {
            sqlx::query(sql::START_STEP)
                .bind(&lease.run_id)
                .bind(&lease.node)
                .bind(lease.attempt)
                .bind(step_id)
                .bind(action)
                .bind(Json(input))
                .bind(Timestamp::now())
                .execute(pool)
                .await
                .map_err(db("start_step"))?
                .rows_affected()
        });
        lease_held(lease, changed)
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
        let (output, error) = match outcome {
            StepOutcome::Succeeded(output) => (Some(Json(output)), None),
            StepOutcome::Failed(error) | StepOutcome::Retrying(error) => (None, Some(error.as_str())),
            StepOutcome::Skipped => (None, None),
        };
        let finished_at = match outcome {
            StepOutcome::Retrying(_) => None,
            _ => Some(Timestamp::now()),
        };
        let attempts = i32::try_from(attempts).unwrap_or(i32::MAX);
        let changed = on_pool!(self, pool, sql => {
            sqlx::query(sql::FINISH_STEP)
                .bind(&lease.run_id)
                .bind(&lease.node)
                .bind(lease.attempt)
                .bind(step_id)
                .bind(action)
                .bind(outcome.status().as_str())
                .bind(attempts)
                .bind(output)
                .bind(error)
                .bind(finished_at)
                .execute(pool)
                .await
                .map_err(db("finish_step"))?
                .rows_affected()
        });
        lease_held(lease, changed)
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
