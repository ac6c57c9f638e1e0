//! The run history: listing and showing runs, retrying a finished run, and recipe versions and limits.

use crate::error::{StoreError, db, is_unique_violation};
use crate::rows::{RunDetailRow, RunRow, StepRow};
use crate::run_writes::new_run_id;
use crate::sql;
use crate::store::{Store, on_pool};
use crate::timestamp::Timestamp;
use crate::types::{RequeueVersion, RunDetail, RunFilter, RunStatus};

/// Appends `filter`'s conditions, order and limit to `query` (fragments are constants; every value is bound).
pub(crate) fn push_run_filter<DB: sqlx::Database>(query: &mut sqlx::QueryBuilder<DB>, filter: &RunFilter)
where
    for<'t> String: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> &'static str: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> Timestamp: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> i64: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    if let Some(recipe) = &filter.recipe {
        query.push(sql::LIST_RUNS_RECIPE).push_bind(recipe.clone());
    }
    if let Some(status) = filter.status {
        query.push(sql::LIST_RUNS_STATUS).push_bind(status.as_str());
    }
    if let Some(since) = filter.since {
        query.push(sql::LIST_RUNS_SINCE).push_bind(Timestamp::new(since));
    }
    if let Some(until) = filter.until {
        query.push(sql::LIST_RUNS_UNTIL).push_bind(Timestamp::new(until));
    }
    if let Some(candidate_id) = &filter.candidate_id {
        query.push(sql::LIST_RUNS_CANDIDATE).push_bind(candidate_id.clone());
    }
    if let Some(application_id) = &filter.application_id {
        query.push(sql::LIST_RUNS_APPLICATION).push_bind(application_id.clone());
    }
    if let Some(job_id) = &filter.job_id {
        query.push(sql::LIST_RUNS_JOB).push_bind(job_id.clone());
    }
    if let Some(before) = &filter.before {
        query.push(sql::LIST_RUNS_BEFORE).push_bind(before.clone()).push(sql::LIST_RUNS_BEFORE_END);
    }
    query.push(sql::LIST_RUNS_ORDER).push_bind(i64::from(filter.limit));
}

impl Store {
    /// Runs matching `filter`, newest first (by creation time, then id), at most `filter.limit`. For the next
    /// page, pass the last id as `filter.before`. Each filter is served by an index.
    ///
    /// # Errors
    /// `Database`.
    pub async fn list_runs(&self, filter: &RunFilter) -> Result<Vec<crate::RunSummary>, StoreError> {
        let rows: Vec<RunRow> = on_pool!(read: self, pool, sql => {
            let mut qb = sqlx::QueryBuilder::<sql::Db>::new(sql::LIST_RUNS_SELECT);
            push_run_filter(&mut qb, filter);
            qb.build_query_as().fetch_all(pool).await.map_err(db("list_runs"))?
        });
        Ok(rows.into_iter().map(RunRow::into_summary).collect())
    }

    /// The run `run_id` with its payload and steps.
    ///
    /// # Errors
    /// `Database`.
    pub async fn get_run(&self, run_id: &str) -> Result<Option<RunDetail>, StoreError> {
        let found: Option<(RunDetailRow, Vec<StepRow>)> = on_pool!(read: self, pool, sql => {
            let row: Option<RunDetailRow> =
                sqlx::query_as(sql::GET_RUN).bind(run_id).fetch_optional(pool).await.map_err(db("get_run"))?;
            match row {
                Some(row) => {
                    let steps: Vec<StepRow> = sqlx::query_as(sql::STEPS_OF_RUN)
                        .bind(run_id)
                        .fetch_all(pool)
                        .await
                        .map_err(db("get_run"))?;
                    Some((row, steps))
                }
                None => None,
            }
        });
        Ok(found.map(|(row, steps)| RunDetail {
            run: row.run.into_summary(),
            payload: row.payload.0,
            run_at: row.run_at.instant(),
            event_at: row.event_at.instant(),
            lease_owner: row.lease_owner,
            lease_expires_at: row.lease_expires_at.map(Timestamp::instant),
            redacted_at: row.redacted_at.map(Timestamp::instant),
            steps: steps.into_iter().map(StepRow::into_record).collect(),
        }))
    }

    /// Retries the finished run `run_id` as a NEW queued run linked by `retry_of` (the original and its steps
    /// stay in the history unchanged); returns the new run's id.
    ///
    /// Without `from_step` the retry runs from the start: every step is sent again (connector actions are
    /// idempotent where it matters, e.g. `upsert_employee` finds the employee it created). With `from_step`,
    /// the new run starts with copies of the original's finished steps (succeeded or skipped, with their
    /// outputs) that started before that step, which it does not send again; `from_step` and everything after
    /// it run again. `version` picks the original recipe version or the most recently loaded one.
    ///
    /// # Errors
    /// `RunNotFound`, `NotRetryable` (queued or running), `StepNotFound` (`from_step` not in the run),
    /// `NoRecipeVersion` (`Current` with no recorded version), `RetryPending` (a retry of this run is already
    /// queued or running); `Database`.
    pub async fn requeue_run(
        &self,
        run_id: &str,
        from_step: Option<&str>,
        version: RequeueVersion,
        requested_by: Option<&str>,
    ) -> Result<String, StoreError> {
        let new_id = new_run_id();
        on_pool!(self, pool, sql => {
            let mut tx = pool.begin_with(sql::BEGIN_WRITE).await.map_err(db("requeue_run"))?;
            let found: Option<(String, String)> = sqlx::query_as(sql::RUN_STATUS_AND_RECIPE)
                .bind(run_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db("requeue_run"))?;
            let (status, recipe) = found.ok_or_else(|| StoreError::RunNotFound(run_id.to_owned()))?;
            let status: RunStatus = status
                .parse()
                .map_err(|e: crate::UnknownStatus| StoreError::Corrupt { what: "run status", reason: e.to_string() })?;
            if !status.is_finished() {
                return Err(StoreError::NotRetryable { run_id: run_id.to_owned(), status });
            }
            let recipe_version: Option<String> = match version {
                RequeueVersion::Original => None,
                RequeueVersion::Current => {
                    let current: Option<String> = sqlx::query_scalar(sql::CURRENT_RECIPE_VERSION)
                        .bind(&recipe)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(db("requeue_run"))?;
                    Some(current.ok_or(StoreError::NoRecipeVersion(recipe))?)
                }
            };
            let copy_before: i32 = match from_step {
                None => 0,
                Some(step_id) => sqlx::query_scalar(sql::STEP_ORDINAL)
                    .bind(run_id)
                    .bind(step_id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db("requeue_run"))?
                    .ok_or_else(|| StoreError::StepNotFound { run_id: run_id.to_owned(), step_id: step_id.to_owned() })?,
            };
            let inserted = sqlx::query(sql::INSERT_RETRY_RUN)
                .bind(run_id)
                .bind(&new_id)
                .bind(recipe_version)
                .bind(Timestamp::now())
                .bind(requested_by)
                .execute(&mut *tx)
                .await;
            match inserted {
                Ok(_) => {}
                Err(e) if is_unique_violation(&e) => return Err(StoreError::RetryPending(run_id.to_owned())),
                Err(e) => return Err(db("requeue_run")(e)),
            }
            sqlx::query(sql::COPY_FINISHED_STEPS)
                .bind(run_id)
                .bind(&new_id)
                .bind(copy_before)
                .execute(&mut *tx)
                .await
                .map_err(db("requeue_run"))?;
            tx.commit().await.map_err(db("requeue_run"))?;
        });
        Ok(new_id)
    }

    /// Records that `recipe` was loaded with this content (`hash` of `source`); the most recently loaded
    /// version is the recipe's current one.
    ///
    /// # Errors
    /// `Database`.
    pub async fn record_recipe_version(&self, recipe: &str, hash: &str, source: &str) -> Result<(), StoreError> {
        on_pool!(self, pool, sql => {
            sqlx::query(sql::RECORD_RECIPE_VERSION)
                .bind(recipe)
                .bind(hash)
                .bind(source)
                .bind(Timestamp::now())
                .execute(pool)
                .await
                .map_err(db("record_recipe_version"))?;
        });
        Ok(())
    }

    /// The most recently loaded version (content hash) of `recipe`.
    ///
    /// # Errors
    /// `Database`.
    pub async fn current_recipe_version(&self, recipe: &str) -> Result<Option<String>, StoreError> {
        on_pool!(read: self, pool, sql => {
            sqlx::query_scalar(sql::CURRENT_RECIPE_VERSION)
                .bind(recipe)
                .fetch_optional(pool)
                .await
                .map_err(db("current_recipe_version"))
        })
    }

    /// Sets how many runs of `recipe` may run at once (its `concurrency:`; at least 1, the default).
    ///
    /// # Errors
    /// `Database`.
    pub async fn set_recipe_concurrency(&self, recipe: &str, max_concurrency: u32) -> Result<(), StoreError> {
        let max_concurrency = i32::try_from(max_concurrency.max(1)).unwrap_or(i32::MAX);
        on_pool!(self, pool, sql => {
            sqlx::query(sql::SET_RECIPE_CONCURRENCY)
                .bind(recipe)
                .bind(max_concurrency)
                .execute(pool)
                .await
                .map_err(db("set_recipe_concurrency"))?;
        });
        Ok(())
    }
}
