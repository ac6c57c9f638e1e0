//! The writes about runs that the queue and the step records share, written once for both backends as generic
//! functions over `sqlx::Database`: inserting new runs (multi-row INSERTs), finding the run a duplicate names,
//! announcing recorded runs, and applying a claimed run's step writes and its ending under its lease.

use std::collections::HashSet;
use std::marker::PhantomData;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::query::{Query, QueryAs};
use sqlx::query_builder::Separated;
use sqlx::types::Json;
use sqlx::{Connection as _, Database, Decode, Encode, Executor, FromRow, IntoArguments, Type};

use crate::backend::{Backend, Dialect};
use crate::error::{StoreError, db};
use crate::rows::ClaimedRow;
use crate::sql;
use crate::sqlite::group_commit::Lane;
use crate::timestamp::Timestamp;
use crate::types::{EnqueueOutcome, NewRun, PollOutcome, RunLease, RunStatus, StepOutcome, StepWrite, WebhookOutcome};

/// A fresh run id: a UUIDv7, so ids sort by creation time.
pub(crate) fn new_run_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// How a run's writes end it, if they do.
#[derive(Debug, Clone)]
pub(crate) enum RunEnding {
    /// The run goes on.
    Continues,
    /// The run ends with this status and error.
    Finished(RunStatus, Option<String>),
    /// The run goes back to the queue until this time, with this last error.
    Rescheduled(DateTime<Utc>, Option<String>),
}

/// The rows changed by one statement, on either backend.
pub(crate) trait RowsAffected {
    /// How many rows the statement changed.
    fn changed(&self) -> u64;
}

impl RowsAffected for sqlx::sqlite::SqliteQueryResult {
    fn changed(&self) -> u64 {
        self.rows_affected()
    }
}

impl RowsAffected for sqlx::postgres::PgQueryResult {
    fn changed(&self) -> u64 {
        self.rows_affected()
    }
}

/// Where values are bound in order: a query's parameters, or one row of a multi-row `VALUES`.
pub(crate) trait BindsInOrder<'q, DB: Database>: Sized {
    /// Binds the next value.
    fn bind_next<T: 'q + Encode<'q, DB> + Type<DB>>(self, value: T) -> Self;
}

impl<'q, DB: Database, O> BindsInOrder<'q, DB> for QueryAs<'q, DB, O, DB::Arguments> {
    fn bind_next<T: 'q + Encode<'q, DB> + Type<DB>>(self, value: T) -> Self {
        self.bind(value)
    }
}

impl<'q, DB: Database> BindsInOrder<'q, DB> for &mut Separated<'_, DB, &'static str> {
    fn bind_next<T: 'q + Encode<'q, DB> + Type<DB>>(self, value: T) -> Self {
        self.push_bind(value)
    }
}

/// Rows in the next multi-row `INSERT_RUNS` when `left` runs are still to insert: 64 (1,024 binds, far below
/// the bundled SQLite's 32,766 and Postgres's 65,535), else the largest power of two that fits, so a connection
/// caches at most seven statement shapes.
pub(crate) fn rows_per_insert(left: usize) -> usize {
    const MAX_ROWS: usize = 64;
    if left >= MAX_ROWS { MAX_ROWS } else { 1 << left.max(1).ilog2() }
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

/// The shared run writes on database `DB` (`RunWrites::<sql::Db>` in a backend's code).
pub(crate) struct RunWrites<DB>(PhantomData<DB>);

impl<DB> RunWrites<DB>
where
    DB: Dialect,
    DB::Arguments: IntoArguments<DB>,
    DB::QueryResult: RowsAffected,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> String: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB>,
    for<'a> &'a str: Encode<'a, DB> + Type<DB>,
    for<'a> Option<&'a str>: Encode<'a, DB>,
    for<'q> i32: Encode<'q, DB> + Type<DB>,
    for<'q> Timestamp: Encode<'q, DB> + Type<DB>,
    for<'q> Option<Timestamp>: Encode<'q, DB>,
    for<'a> Json<&'a Value>: Encode<'a, DB> + Type<DB>,
    for<'a> Option<Json<&'a Value>>: Encode<'a, DB>,
    for<'r> (String,): FromRow<'r, DB::Row>,
    for<'r> (bool, Option<String>, i64): FromRow<'r, DB::Row>,
    for<'r> ClaimedRow: FromRow<'r, DB::Row>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'a> Json<&'a Vec<String>>: Encode<'a, DB> + Type<DB>,
{
    /// Binds `run`'s columns from `recipe` to `event_at`, in the order of `INSERT_RUN`'s columns.
    pub(crate) fn bind_run_columns<'q, B: BindsInOrder<'q, DB>>(binder: B, run: &'q NewRun) -> B {
        binder
            .bind_next(&run.recipe)
            .bind_next(&run.recipe_version)
            .bind_next(&run.trigger)
            .bind_next(&run.event_id)
            .bind_next(&run.business_key)
            .bind_next(&run.candidate_id)
            .bind_next(&run.application_id)
            .bind_next(&run.job_id)
            .bind_next(run.status.as_str())
            .bind_next(Timestamp::new(run.run_at))
            .bind_next(Timestamp::new(run.event_at))
    }

    /// The id of the run that `run` duplicates (same recipe and event id or business key); `None` when it is
    /// gone.
    pub(crate) async fn find_existing_run(
        conn: &mut DB::Connection,
        run: &NewRun,
        operation: &'static str,
    ) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar(sql::FIND_DUPLICATE_RUN)
            .bind(&run.recipe)
            .bind(&run.event_id)
            .bind(&run.business_key)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db(operation))
    }

    /// Inserts `runs` inside the open transaction on `conn`, one outcome per run in order. A run that collides
    /// with an existing (recipe, event id) or (recipe, business key) inserts nothing and reports the existing
    /// run.
    pub(crate) async fn insert_new_runs(
        conn: &mut DB::Connection,
        runs: &[NewRun],
        operation: &'static str,
    ) -> Result<Vec<EnqueueOutcome>, StoreError> {
        let now = Timestamp::now();
        let ids: Vec<String> = runs.iter().map(|_| new_run_id()).collect();
        // A 10,000-hire backfill is 157 statements, not 10,000 round trips to the database.
        let mut inserted: HashSet<String> = HashSet::with_capacity(runs.len());
        let mut first = 0;
        while first < runs.len() {
            let rows = first..first + rows_per_insert(runs.len() - first);
            let mut insert = sqlx::QueryBuilder::<DB>::new(sql::INSERT_RUNS);
            insert.push_values(runs[rows.clone()].iter().zip(&ids[rows.clone()]), |mut row, (run, id)| {
                Self::bind_run_columns(row.push_bind(id), run)
                    .push_bind(0_i32)
                    .push_bind(now)
                    .push_bind((run.status == RunStatus::Skipped).then_some(now))
                    .push_bind(Json(&run.payload));
            });
            insert.push(sql::INSERT_RUNS_END);
            let returned: Vec<String> =
                insert.build_query_scalar().fetch_all(&mut *conn).await.map_err(db(operation))?;
            inserted.extend(returned);
            first = rows.end;
        }
        let mut outcomes = Vec::with_capacity(runs.len());
        for (run, run_id) in runs.iter().zip(ids) {
            let outcome = if inserted.contains(&run_id) {
                EnqueueOutcome::Enqueued { run_id }
            } else {
                EnqueueOutcome::Duplicate { existing_run_id: Self::find_existing_run(conn, run, operation).await? }
            };
            outcomes.push(outcome);
        }
        Ok(outcomes)
    }

    /// Announces to other nodes, inside the open transaction on `conn`, that `outcomes` recorded runs with the
    /// backend's `announce` statement (Postgres `NOTIFY`, delivered at COMMIT; none on SQLite).
    pub(crate) async fn announce_recorded_runs(
        conn: &mut DB::Connection,
        announce: Option<&'static str>,
        outcomes: &[EnqueueOutcome],
        operation: &'static str,
    ) -> Result<(), StoreError> {
        if let Some(announce) = announce
            && outcomes.iter().any(|o| o.run_id().is_some())
        {
            sqlx::query(announce).bind(crate::wakeup::RUNS_CHANNEL).execute(&mut *conn).await.map_err(db(operation))?;
        }
        Ok(())
    }

    /// `statement` with the lease fence bound first: `$1` run id, `$2` node, `$3` attempt.
    fn fenced<'q>(statement: &'static str, held: &'q RunLease) -> Query<'q, DB, DB::Arguments> {
        sqlx::query(statement).bind(&held.run_id).bind(&held.node).bind(held.attempt)
    }

    /// Applies one step write of the leased run `held`; returns the rows it changed (0: the lease is not
    /// current).
    pub(crate) async fn apply_step_write(
        conn: &mut DB::Connection,
        held: &RunLease,
        write: &StepWrite,
        operation: &'static str,
    ) -> Result<u64, StoreError> {
        let result = match write {
            StepWrite::Start { step_id, action, input } => {
                Self::fenced(sql::START_STEP, held)
                    .bind(step_id)
                    .bind(action)
                    .bind(Json(input))
                    .bind(Timestamp::now())
                    .execute(&mut *conn)
                    .await
            }
            StepWrite::Finish { step_id, action, outcome, attempts } => {
                let (status, output, error, finished_at) = ending_columns(outcome);
                Self::fenced(sql::FINISH_STEP, held)
                    .bind(step_id)
                    .bind(action)
                    .bind(status)
                    .bind(i32::try_from(*attempts).unwrap_or(i32::MAX))
                    .bind(output.map(Json))
                    .bind(error)
                    .bind(finished_at)
                    .execute(&mut *conn)
                    .await
            }
            StepWrite::Whole { step_id, action, input, started_at, outcome, attempts } => {
                let (status, output, error, finished_at) = ending_columns(outcome);
                Self::fenced(sql::RECORD_WHOLE_STEP, held)
                    .bind(step_id)
                    .bind(action)
                    .bind(status)
                    .bind(i32::try_from(*attempts).unwrap_or(i32::MAX))
                    .bind(Json(input))
                    .bind(output.map(Json))
                    .bind(error)
                    .bind(Timestamp::new(*started_at))
                    .bind(finished_at)
                    .execute(&mut *conn)
                    .await
            }
        };
        Ok(result.map_err(db(operation))?.changed())
    }

    /// Applies `writes` and then `ending` for the leased run `held`; returns whether every statement changed
    /// its row (false: the lease is not current, and the caller must roll back).
    pub(crate) async fn apply_run_progress(
        conn: &mut DB::Connection,
        held: &RunLease,
        writes: &[StepWrite],
        ending: &RunEnding,
        operation: &'static str,
    ) -> Result<bool, StoreError> {
        for write in writes {
            if Self::apply_step_write(conn, held, write, operation).await? == 0 {
                return Ok(false);
            }
        }
        let ended = match ending {
            RunEnding::Continues => return Ok(true),
            RunEnding::Finished(status, error) => {
                Self::fenced(sql::FINISH_RUN, held)
                    .bind(status.as_str())
                    .bind(error.as_deref())
                    .bind(Timestamp::now())
                    .execute(&mut *conn)
                    .await
            }
            RunEnding::Rescheduled(run_at, error) => {
                Self::fenced(sql::RESCHEDULE_RUN, held)
                    .bind(Timestamp::new(*run_at))
                    .bind(error.as_deref())
                    .execute(&mut *conn)
                    .await
            }
        };
        Ok(ended.map_err(db(operation))?.changed() > 0)
    }

    /// Records `runs` in one transaction (`Store::enqueue_runs`).
    pub(crate) async fn enqueue_runs<B: Backend<DB = DB>>(
        backend: &B,
        runs: Vec<NewRun>,
    ) -> Result<Vec<EnqueueOutcome>, StoreError> {
        backend
            .write(
                Lane::Normal,
                "enqueue_runs",
                Box::new(move |conn| {
                    Box::pin(async move {
                        let mut tx = conn.begin().await.map_err(db("enqueue_runs"))?;
                        let outcomes = Self::insert_new_runs(&mut tx, &runs, "enqueue_runs").await?;
                        tx.commit().await.map_err(db("enqueue_runs"))?;
                        Ok(outcomes)
                    })
                }),
            )
            .await
    }

    /// Moves a poll cursor and records `runs` in one transaction (`Store::record_poll`).
    pub(crate) async fn record_poll<B: Backend<DB = DB>>(
        backend: &B,
        (recipe, trigger_identity): (String, String),
        (expected_cursor, new_cursor): (Option<Value>, Value),
        runs: Vec<NewRun>,
    ) -> Result<PollOutcome, StoreError> {
        backend
            .write(
                Lane::Normal,
                "record_poll",
                Box::new(move |conn| {
                    Box::pin(async move {
                        let mut tx = conn.begin().await.map_err(db("record_poll"))?;
                        let moved = sqlx::query(DB::ADVANCE_CURSOR)
                            .bind(&recipe)
                            .bind(&trigger_identity)
                            .bind(expected_cursor.as_ref().map(Json))
                            .bind(Json(&new_cursor))
                            .bind(Timestamp::now())
                            .execute(&mut *tx)
                            .await
                            .map_err(db("record_poll"))?
                            .changed();
                        if moved == 0 {
                            tx.rollback().await.map_err(db("record_poll"))?;
                            return Ok(PollOutcome::CursorMoved);
                        }
                        let outcomes = Self::commit_new_runs(tx, &runs, "record_poll").await?;
                        Ok(PollOutcome::Recorded(outcomes))
                    })
                }),
            )
            .await
    }

    /// Records a webhook delivery and its `runs` in one transaction, in the urgent lane
    /// (`Store::record_webhook`).
    pub(crate) async fn record_webhook<B: Backend<DB = DB>>(
        backend: &B,
        connection: String,
        delivery_id: String,
        runs: Vec<NewRun>,
    ) -> Result<WebhookOutcome, StoreError> {
        backend
            .write(
                Lane::Urgent,
                "record_webhook",
                Box::new(move |conn| {
                    Box::pin(async move {
                        if let (Some(statement), [run]) = (DB::RECORD_WEBHOOK_WITH_RUN, runs.as_slice()) {
                            return Self::record_webhook_with_run(conn, statement, &connection, &delivery_id, run)
                                .await;
                        }
                        let mut tx = conn.begin().await.map_err(db("record_webhook"))?;
                        let fresh = sqlx::query(sql::INSERT_WEBHOOK_DELIVERY)
                            .bind(&connection)
                            .bind(&delivery_id)
                            .bind(Timestamp::now())
                            .execute(&mut *tx)
                            .await
                            .map_err(db("record_webhook"))?
                            .changed();
                        if fresh == 0 {
                            tx.rollback().await.map_err(db("record_webhook"))?;
                            return Ok(WebhookOutcome::Redelivery);
                        }
                        let outcomes = Self::commit_new_runs(tx, &runs, "record_webhook").await?;
                        Ok(WebhookOutcome::Recorded(outcomes))
                    })
                }),
            )
            .await
    }

    /// Inserts `runs` in `tx`, announces them to other nodes and commits.
    async fn commit_new_runs(
        mut tx: sqlx::Transaction<'_, DB>,
        runs: &[NewRun],
        operation: &'static str,
    ) -> Result<Vec<EnqueueOutcome>, StoreError> {
        let outcomes = Self::insert_new_runs(&mut tx, runs, operation).await?;
        Self::announce_recorded_runs(&mut tx, DB::ANNOUNCE_RECORDED_RUNS, &outcomes, operation).await?;
        tx.commit().await.map_err(db(operation))?;
        Ok(outcomes)
    }

    /// A webhook delivery with one run in the backend's one `statement` (a data-modifying `WITH`).
    async fn record_webhook_with_run(
        conn: &mut DB::Connection,
        statement: &'static str,
        connection: &str,
        delivery_id: &str,
        run: &NewRun,
    ) -> Result<WebhookOutcome, StoreError> {
        let now = Timestamp::now();
        let with_delivery = sqlx::query_as(statement).bind(connection).bind(delivery_id).bind(now).bind(new_run_id());
        let (fresh, run_id, _announced): (bool, Option<String>, i64) = Self::bind_run_columns(with_delivery, run)
            .bind((run.status == RunStatus::Skipped).then_some(now))
            .bind(Json(&run.payload))
            .bind(crate::wakeup::RUNS_CHANNEL)
            .fetch_one(&mut *conn)
            .await
            .map_err(db("record_webhook"))?;
        if !fresh {
            return Ok(WebhookOutcome::Redelivery);
        }
        let outcome = match run_id {
            Some(run_id) => EnqueueOutcome::Enqueued { run_id },
            // The delivery is recorded and the event already has a run, looked up after the commit
            // (`None` if retention pruned it in between, as when it is pruned before).
            None => EnqueueOutcome::Duplicate {
                existing_run_id: Self::find_existing_run(conn, run, "record_webhook").await?,
            },
        };
        Ok(WebhookOutcome::Recorded(vec![outcome]))
    }

    /// Claims up to `limit` due runs for `node` at `now`, leased until `until` (`Store::claim_runs`).
    pub(crate) async fn claim_runs<B: Backend<DB = DB>>(
        backend: &B,
        node: String,
        (now, until): (Timestamp, Timestamp),
        limit: u32,
    ) -> Result<Vec<ClaimedRow>, StoreError> {
        backend
            .write(
                Lane::Normal,
                "claim_runs",
                Box::new(move |conn| {
                    Box::pin(async move {
                        sqlx::query_as(DB::CLAIM_RUNS)
                            .bind(&node)
                            .bind(now)
                            .bind(until)
                            .bind(i64::from(limit))
                            .fetch_all(&mut *conn)
                            .await
                            .map_err(db("claim_runs"))
                    })
                }),
            )
            .await
    }

    /// Renews `node`'s leases on `run_ids` until `until` (`Store::heartbeat`).
    pub(crate) async fn heartbeat<B: Backend<DB = DB>>(
        backend: &B,
        node: String,
        run_ids: Vec<String>,
        until: Timestamp,
    ) -> Result<Vec<String>, StoreError> {
        backend
            .write(
                Lane::Normal,
                "heartbeat",
                Box::new(move |conn| {
                    Box::pin(async move {
                        sqlx::query_scalar(DB::HEARTBEAT)
                            .bind(&node)
                            .bind(Json(&run_ids))
                            .bind(until)
                            .fetch_all(&mut *conn)
                            .await
                            .map_err(db("heartbeat"))
                    })
                }),
            )
            .await
    }

    /// One write job: the step writes then the ending; one statement runs as it is, several in a transaction
    /// (a savepoint inside a SQLite group commit) that is rolled back unless the lease held for all of them.
    /// Returns whether it held.
    pub(crate) async fn record_run_progress<B: Backend<DB = DB>>(
        backend: &B,
        held: RunLease,
        writes: Vec<StepWrite>,
        ending: RunEnding,
    ) -> Result<bool, StoreError> {
        let statements = writes.len() + usize::from(!matches!(ending, RunEnding::Continues));
        backend
            .write(
                Lane::Normal,
                "record_run_progress",
                Box::new(move |conn| {
                    Box::pin(async move {
                        if statements <= 1 {
                            return Self::apply_run_progress(conn, &held, &writes, &ending, "record_run_progress")
                                .await;
                        }
                        let mut tx = conn.begin().await.map_err(db("record_run_progress"))?;
                        let held_throughout =
                            Self::apply_run_progress(&mut tx, &held, &writes, &ending, "record_run_progress").await?;
                        if held_throughout {
                            tx.commit().await.map_err(db("record_run_progress"))?;
                        } else {
                            tx.rollback().await.map_err(db("record_run_progress"))?;
                        }
                        Ok(held_throughout)
                    })
                }),
            )
            .await
    }

    /// Gives the leased run `held` back to the queue; returns the rows changed (`Store::release_run`).
    #[cfg(feature = "test-util")]
    pub(crate) async fn release_run<B: Backend<DB = DB>>(backend: &B, held: RunLease) -> Result<u64, StoreError> {
        backend
            .write(
                Lane::Normal,
                "release_run",
                Box::new(move |conn| {
                    Box::pin(async move {
                        Ok(Self::fenced(sql::RELEASE_RUN, &held)
                            .execute(&mut *conn)
                            .await
                            .map_err(db("release_run"))?
                            .changed())
                    })
                }),
            )
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::rows_per_insert;

    #[test]
    fn inserts_take_64_rows_then_powers_of_two() {
        let shapes: Vec<usize> = [1000, 64, 63, 33, 32, 5, 1, 0].into_iter().map(rows_per_insert).collect();
        assert_eq!(shapes, vec![64, 64, 32, 32, 32, 4, 1, 1]);
    }
}
