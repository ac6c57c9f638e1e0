//! The work queue: recording runs (race-safe de-duplication), claiming them under a lease, heartbeats, rescue
//! of expired leases, and ending or rescheduling a run.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;

use crate::error::{StoreError, db};
use crate::rows::ClaimedRow;
use crate::run_writes::RunWrites;
use crate::store::{Pool, Store, on_pool};
use crate::timestamp::Timestamp;
use crate::types::{ClaimedRun, EnqueueOutcome, NewRun, PollOutcome, RunLease, RunStatus, WebhookOutcome};

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
        match &self.pool {
            Pool::Sqlite(pools) => RunWrites::enqueue_runs(pools, runs).await,
            Pool::Postgres(pool) => RunWrites::enqueue_runs(pool, runs).await,
        }
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
        let (trigger, cursors) = ((recipe, trigger_identity), (expected_cursor, new_cursor));
        match &self.pool {
            Pool::Sqlite(pools) => RunWrites::record_poll(pools, trigger, cursors, runs).await,
            Pool::Postgres(pool) => RunWrites::record_poll(pool, trigger, cursors, runs).await,
        }
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
        match &self.pool {
            Pool::Sqlite(pools) => RunWrites::record_webhook(pools, connection, delivery_id, runs).await,
            Pool::Postgres(pool) => RunWrites::record_webhook(pool, connection, delivery_id, runs).await,
        }
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
        let lease = (now, lease_end(now, lease));
        let rows: Vec<ClaimedRow> = match &self.pool {
            Pool::Sqlite(pools) => RunWrites::claim_runs(pools, node, lease, limit).await?,
            Pool::Postgres(pool) => RunWrites::claim_runs(pool, node, lease, limit).await?,
        };
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
        match &self.pool {
            Pool::Sqlite(pools) => RunWrites::heartbeat(pools, node, run_ids, until).await,
            Pool::Postgres(pool) => RunWrites::heartbeat(pool, node, run_ids, until).await,
        }
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
