//! Step records of a claimed run: started, finished, read back for resumption and `runs show`.

use serde_json::Value;
use sqlx::types::Json;

use crate::error::{StoreError, db};
use crate::queue::lease_held;
use crate::rows::StepRow;
use crate::store::{Store, grouped_write, on_pool};
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
        let (held, step_id, action, input) = (lease.clone(), step_id.to_owned(), action.to_owned(), input.clone());
        let changed = grouped_write!(self, "start_step", conn, sql => {
            Ok(sqlx::query(sql::START_STEP)
                .bind(&held.run_id)
                .bind(&held.node)
                .bind(held.attempt)
                .bind(&step_id)
                .bind(&action)
                .bind(Json(&input))
                .bind(Timestamp::now())
                .execute(&mut *conn)
                .await
                .map_err(db("start_step"))?
                .rows_affected())
        })?;
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
            StepOutcome::Succeeded(output) => (Some(output.clone()), None),
            StepOutcome::Failed(error) | StepOutcome::Retrying(error) => (None, Some(error.clone())),
            StepOutcome::Skipped => (None, None),
        };
        let finished_at = match outcome {
            StepOutcome::Retrying(_) => None,
            _ => Some(Timestamp::now()),
        };
        let attempts = i32::try_from(attempts).unwrap_or(i32::MAX);
        let status = outcome.status().as_str();
        let (held, step_id, action) = (lease.clone(), step_id.to_owned(), action.to_owned());
        let changed = grouped_write!(self, "finish_step", conn, sql => {
            Ok(sqlx::query(sql::FINISH_STEP)
                .bind(&held.run_id)
                .bind(&held.node)
                .bind(held.attempt)
                .bind(&step_id)
                .bind(&action)
                .bind(status)
                .bind(attempts)
                .bind(output.as_ref().map(Json))
                .bind(error.as_deref())
                .bind(finished_at)
                .execute(&mut *conn)
                .await
                .map_err(db("finish_step"))?
                .rows_affected())
        })?;
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
