//! The work queue: recording runs (race-safe de-duplication), claiming them under a lease, heartbeats, rescue
//! of expired leases, and ending or rescheduling a run.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;
use sqlx::types::Json;

use crate::error::{StoreError, db};
use crate::rows::ClaimedRow;
use crate::store::{Store, grouped_write, on_pool};
use crate::timestamp::Timestamp;
use crate::types::{ClaimedRun, EnqueueOutcome, NewRun, PollOutcome, RunLease, RunStatus, WebhookOutcome};

/// A fresh run id: a UUIDv7, so ids sort by creation time.
pub(crate) fn new_run_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// `now + lease`, saturating.
pub(crate) fn lease_end(now: Timestamp, lease: Duration) -> Timestamp {
    let lease = TimeDelta::from_std(lease).unwrap_or(TimeDelta::days(365));
    Timestamp::new(now.instant().checked_add_signed(lease).unwrap_or(DateTime::<Utc>::MAX_UTC))
}

/// Refuses a new run that does not start queued or skipped.
fn check_initial_status(runs: &[NewRun]) -> Result<(), StoreError> {
    match runs.iter().find(|run| !matches!(run.status, RunStatus::Queued | RunStatus::Skipped)) {
        Some(run) => Err(StoreError::InvalidInitialStatus { recipe: run.recipe.clone(), status: run.status }),
        None => Ok(()),
    }
}

/// Binds `$run`'s columns from `recipe` to `event_at`, in the order of `INSERT_RUN`'s columns, with `$bind`
/// (`bind` on a query, `push_bind` on a row of a multi-row `VALUES`); evaluates to the query or row.
macro_rules! bind_run_columns {
    ($query:expr, $bind:ident, $run:expr) => {{
        let run: &NewRun = $run;
        $query
            .$bind(&run.recipe)
            .$bind(&run.recipe_version)
            .$bind(&run.trigger)
            .$bind(&run.event_id)
            .$bind(&run.business_key)
            .$bind(&run.candidate_id)
            .$bind(&run.application_id)
            .$bind(&run.job_id)
            .$bind(run.status.as_str())
            .$bind(Timestamp::new(run.run_at))
            .$bind(Timestamp::new(run.event_at))
    }};
}

/// The id of the run that `$run` duplicates (same recipe and event id or business key), read on `$conn`;
/// `None` when it is gone.
macro_rules! find_existing_run {
    ($conn:expr, $sql:ident, $run:expr, $operation:literal) => {{
        let run: &NewRun = $run;
        let existing_run_id: Option<String> = sqlx::query_scalar($sql::FIND_DUPLICATE_RUN)
            .bind(&run.recipe)
            .bind(&run.event_id)
            .bind(&run.business_key)
            .fetch_optional(&mut *$conn)
            .await
            .map_err(db($operation))?;
        existing_run_id
    }};
}

/// Inserts `$runs` inside the open transaction `$tx`; evaluates to `Vec<EnqueueOutcome>`. A run that collides
/// with an existing (recipe, event id) or (recipe, business key) inserts nothing and reports the existing run.
macro_rules! insert_new_runs {
    ($tx:ident, $sql:ident, $runs:expr, $operation:literal) => {{
        let now = Timestamp::now();
        let runs: &[NewRun] = $runs;
        let ids: Vec<String> = runs.iter().map(|_| new_run_id()).collect();
        // A 10,000-hire backfill is 157 statements, not 10,000 round trips to the database.
        let mut inserted: HashSet<String> = HashSet::with_capacity(runs.len());
        let mut first = 0;
        while first < runs.len() {
            let rows = first..first + rows_per_insert(runs.len() - first);
            let mut insert = sqlx::QueryBuilder::<$sql::Db>::new($sql::INSERT_RUNS);
            insert.push_values(runs[rows.clone()].iter().zip(&ids[rows.clone()]), |mut row, (run, id)| {
                bind_run_columns!(row.push_bind(id), push_bind, run)
                    .push_bind(0_i32)
                    .push_bind(now)
                    .push_bind((run.status == RunStatus::Skipped).then_some(now))
                    .push_bind(Json(&run.payload));
            });
            insert.push($sql::INSERT_RUNS_END);
            let returned: Vec<String> =
                insert.build_query_scalar().fetch_all(&mut *$tx).await.map_err(db($operation))?;
            inserted.extend(returned);
            first = rows.end;
        }
        let mut outcomes = Vec::with_capacity(runs.len());
        for (run, run_id) in runs.iter().zip(ids) {
            let outcome = if inserted.contains(&run_id) {
                EnqueueOutcome::Enqueued { run_id }
            } else {
                EnqueueOutcome::Duplicate { existing_run_id: find_existing_run!($tx, $sql, run, $operation) }
            };
            outcomes.push(outcome);
        }
        outcomes
    }};
}

/// Rows in the next multi-row `INSERT_RUNS` when `left` runs are still to insert: 64 (1,024 binds, far below
/// the bundled SQLite's 32,766 and Postgres's 65,535), else the largest power of two that fits, so a connection
/// caches at most seven statement shapes.
fn rows_per_insert(left: usize) -> usize {
    const MAX_ROWS: usize = 64;
    if left >= MAX_ROWS { MAX_ROWS } else { 1 << left.max(1).ilog2() }
}

/// Announces to other nodes, inside the open transaction `$tx`, that `$outcomes` recorded runs (Postgres
/// `NOTIFY`, delivered at COMMIT; nothing on SQLite).
macro_rules! announce_recorded_runs {
    ($tx:ident, $sql:ident, $outcomes:expr, $operation:literal) => {
        if let Some(announce) = $sql::ANNOUNCE_RECORDED_RUNS
            && $outcomes.iter().any(|o: &EnqueueOutcome| o.run_id().is_some())
        {
            sqlx::query(announce).bind(crate::wakeup::RUNS_CHANNEL).execute(&mut *$tx).await.map_err(db($operation))?;
        }
    };
}

impl Store {
    /// Records `runs` in one transaction, one outcome per run in order. A run whose (recipe, event id) or
    /// (recipe, business key) already has a run is reported as `Duplicate` and not recorded: unique indexes
    /// decide, so concurrent callers (webhook, reconciling poll, another node) never make a second run.
    ///
    /// # Errors
    /// `InvalidInitialStatus` for a run that is neither queued nor skipped; `Database`.
    pub async fn enqueue_runs(&self, runs: &[NewRun]) -> Result<Vec<EnqueueOutcome>, StoreError> {
        check_initial_status(runs)?;
        let runs = runs.to_vec();
        grouped_write!(self, "enqueue_runs", conn, sql => {
            let mut tx = conn.begin().await.map_err(db("enqueue_runs"))?;
            let outcomes = insert_new_runs!(tx, sql, &runs, "enqueue_runs");
            tx.commit().await.map_err(db("enqueue_runs"))?;
            Ok(outcomes)
        })
    }

    /// Records a poll: moves the cursor of (`recipe`, `trigger_identity`) from `expected_cursor` to `new_cursor`
    /// and records `runs`, in ONE transaction. If the stored cursor is not `expected_cursor` (another poller
    /// moved it), nothing is written and `CursorMoved` is returned. The trigger state must exist
    /// (`ensure_trigger_state`). Recorded runs are announced to other nodes (Postgres `NOTIFY`) at the commit.
    ///
    /// # Errors
    /// `InvalidInitialStatus`; `Database`.
    pub async fn record_poll(
        &self,
        recipe: &str,
        trigger_identity: &str,
        expected_cursor: Option<&Value>,
        new_cursor: &Value,
        runs: &[NewRun],
    ) -> Result<PollOutcome, StoreError> {
        check_initial_status(runs)?;
        let (recipe, trigger_identity) = (recipe.to_owned(), trigger_identity.to_owned());
        let (expected_cursor, new_cursor, runs) = (expected_cursor.cloned(), new_cursor.clone(), runs.to_vec());
        grouped_write!(self, "record_poll", conn, sql => {
            let mut tx = conn.begin().await.map_err(db("record_poll"))?;
            let moved = sqlx::query(sql::ADVANCE_CURSOR)
                .bind(&recipe)
                .bind(&trigger_identity)
                .bind(expected_cursor.as_ref().map(Json))
                .bind(Json(&new_cursor))
                .bind(Timestamp::now())
                .execute(&mut *tx)
                .await
                .map_err(db("record_poll"))?
                .rows_affected();
            if moved == 0 {
                tx.rollback().await.map_err(db("record_poll"))?;
                return Ok(PollOutcome::CursorMoved);
            }
            let outcomes = insert_new_runs!(tx, sql, &runs, "record_poll");
            announce_recorded_runs!(tx, sql, &outcomes, "record_poll");
            tx.commit().await.map_err(db("record_poll"))?;
            Ok(PollOutcome::Recorded(outcomes))
        })
    }

    /// Records a webhook delivery of `connection` with `delivery_id` (Greenhouse-Event-ID) and its `runs` in one
    /// transaction. A delivery id seen before writes nothing and returns `Redelivery`. Answer the webhook 2xx
    /// only after this returns `Ok`. Recorded runs are announced to other nodes (Postgres `NOTIFY`) at the commit.
    ///
    /// # Errors
    /// `InvalidInitialStatus`; `Database`.
    pub async fn record_webhook(
        &self,
        connection: &str,
        delivery_id: &str,
        runs: &[NewRun],
    ) -> Result<WebhookOutcome, StoreError> {
        check_initial_status(runs)?;
        let (connection, delivery_id, runs) = (connection.to_owned(), delivery_id.to_owned(), runs.to_vec());
        grouped_write!(urgent: self, "record_webhook", conn, sql => {
            if let (Some(statement), [run]) = (sql::RECORD_WEBHOOK_WITH_RUN, runs.as_slice()) {
                let now = Timestamp::now();
                let with_delivery =
                    sqlx::query_as(statement).bind(&connection).bind(&delivery_id).bind(now).bind(new_run_id());
                let (fresh, run_id, _announced): (bool, Option<String>, i64) =
                    bind_run_columns!(with_delivery, bind, run)
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
                    None => EnqueueOutcome::Duplicate { existing_run_id: find_existing_run!(conn, sql, run, "record_webhook") },
                };
                return Ok(WebhookOutcome::Recorded(vec![outcome]));
            }
            let mut tx = conn.begin().await.map_err(db("record_webhook"))?;
            let fresh = sqlx::query(sql::INSERT_WEBHOOK_DELIVERY)
                .bind(&connection)
                .bind(&delivery_id)
                .bind(Timestamp::now())
                .execute(&mut *tx)
                .await
                .map_err(db("record_webhook"))?
                .rows_affected();
            if fresh == 0 {
                tx.rollback().await.map_err(db("record_webhook"))?;
                return Ok(WebhookOutcome::Redelivery);
            }
            let outcomes = insert_new_runs!(tx, sql, &runs, "record_webhook");
            announce_recorded_runs!(tx, sql, &outcomes, "record_webhook");
            tx.commit().await.map_err(db("record_webhook"))?;
            Ok(WebhookOutcome::Recorded(outcomes))
        })
    }

    /// Claims up to `limit` due runs (`run_at` <= now) for `node`, leased for `lease`, in one statement (no
    /// transaction spans anything else). Runs go oldest first. Per recipe, at most its concurrency
    /// (`set_recipe_concurrency`, default 1) run at once; with concurrency 1 a recipe's runs go strictly in
    /// event order: its oldest queued run is claimable only when none of its runs is running, and a later run
    /// never overtakes an earlier one waiting for a retry.
    ///
    /// # Errors
    /// `Database`.
    pub async fn claim_runs(&self, node: &str, limit: u32, lease: Duration) -> Result<Vec<ClaimedRun>, StoreError> {
        let now = Timestamp::now();
        let node = node.to_owned();
        let rows: Vec<ClaimedRow> = grouped_write!(self, "claim_runs", conn, sql => {
            sqlx::query_as(sql::CLAIM_RUNS)
                .bind(&node)
                .bind(now)
                .bind(lease_end(now, lease))
                .bind(i64::from(limit))
                .fetch_all(&mut *conn)
                .await
                .map_err(db("claim_runs"))
        })?;
        let mut claimed: Vec<ClaimedRun> = rows.into_iter().map(ClaimedRow::into_claimed).collect();
        claimed.sort_by(|a, b| (a.event_at, &a.id).cmp(&(b.event_at, &b.id)));
        Ok(claimed)
    }

    /// Renews `node`'s leases on `run_ids` for another `lease`; returns the ids still held. A missing id means
    /// the run was rescued or cancelled: stop working on it.
    ///
    /// # Errors
    /// `Database`.
    pub async fn heartbeat(&self, node: &str, run_ids: &[String], lease: Duration) -> Result<Vec<String>, StoreError> {
        let until = lease_end(Timestamp::now(), lease);
        let (node, run_ids) = (node.to_owned(), run_ids.to_vec());
        grouped_write!(self, "heartbeat", conn, sql => {
            sqlx::query_scalar(sql::HEARTBEAT)
                .bind(&node)
                .bind(Json(&run_ids))
                .bind(until)
                .fetch_all(&mut *conn)
                .await
                .map_err(db("heartbeat"))
        })
    }

    /// Puts running runs whose lease expired back in the queue (their attempt count is kept, their finished
    /// steps stay finished); returns how many.
    ///
    /// # Errors
    /// `Database`.
    pub async fn rescue_expired_leases(&self) -> Result<u64, StoreError> {
        on_pool!(self, pool, sql => {
            Ok(sqlx::query(sql::RESCUE_EXPIRED_LEASES)
                .bind(Timestamp::now())
                .execute(pool)
                .await
                .map_err(db("rescue_expired_leases"))?
                .rows_affected())
        })
    }

    /// Cancels a queued or running run (a running one's node gets `LeaseLost` on its next write); returns
    /// whether it was cancelled (false: unknown or already finished).
    ///
    /// # Errors
    /// `Database`.
    pub async fn cancel_run(&self, run_id: &str) -> Result<bool, StoreError> {
        on_pool!(self, pool, sql => {
            Ok(sqlx::query(sql::CANCEL_RUN)
                .bind(run_id)
                .bind(Timestamp::now())
                .execute(pool)
                .await
                .map_err(db("cancel_run"))?
                .rows_affected()
                > 0)
        })
    }
}

/// `Ok` when a fenced statement changed its row, `LeaseLost` otherwise.
pub(crate) fn lease_held(lease: &RunLease, rows_changed: u64) -> Result<(), StoreError> {
    if rows_changed == 0 {
        Err(StoreError::LeaseLost { run_id: lease.run_id.clone(), node: lease.node.clone(), attempt: lease.attempt })
    } else {
        Ok(())
    }
}
