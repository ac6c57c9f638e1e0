//! Trigger state: cursors, cron ticks that fire once across nodes, and the one-poller-at-a-time lease.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;

use crate::error::{StoreError, db};
use crate::queue::lease_end;
use crate::rows::TriggerRow;
use crate::run_writes::new_run_id;
use crate::store::{Store, on_pool};
use crate::timestamp::Timestamp;
use crate::types::{NewRun, RunStatus, TriggerState};

impl Store {
    /// Creates the state of (`recipe`, `trigger_identity`) with `initial_cursor` (from `since:`) and
    /// `next_fire_at` if it does not exist yet, and returns the stored state. An existing state is never
    /// changed, so editing a recipe or restarting never resets its cursor.
    ///
    /// # Errors
    /// `Database`.
    pub async fn ensure_trigger_state(
        &self,
        recipe: &str,
        trigger_identity: &str,
        initial_cursor: Option<&Value>,
        next_fire_at: Option<DateTime<Utc>>,
    ) -> Result<TriggerState, StoreError> {
        let row: TriggerRow = on_pool!(self, pool, sql => {
            sqlx::query(sql::ENSURE_TRIGGER_STATE)
                .bind(recipe)
                .bind(trigger_identity)
                .bind(initial_cursor.map(Json))
                .bind(next_fire_at.map(Timestamp::new))
                .bind(Timestamp::now())
                .execute(pool)
                .await
                .map_err(db("ensure_trigger_state"))?;
            sqlx::query_as(sql::GET_TRIGGER_STATE)
                .bind(recipe)
                .bind(trigger_identity)
                .fetch_one(pool)
                .await
                .map_err(db("ensure_trigger_state"))?
        });
        Ok(row.into_state())
    }

    /// The state of (`recipe`, `trigger_identity`), if any.
    ///
    /// # Errors
    /// `Database`.
    pub async fn trigger_state(
        &self,
        recipe: &str,
        trigger_identity: &str,
    ) -> Result<Option<TriggerState>, StoreError> {
        let row: Option<TriggerRow> = on_pool!(self, pool, sql => {
            sqlx::query_as(sql::GET_TRIGGER_STATE)
                .bind(recipe)
                .bind(trigger_identity)
                .fetch_optional(pool)
                .await
                .map_err(db("trigger_state"))?
        });
        Ok(row.map(TriggerRow::into_state))
    }

    /// Sets the next tick of a schedule unconditionally (when the recipe's schedule itself changed).
    ///
    /// # Errors
    /// `Database`.
    pub async fn set_next_fire_at(
        &self,
        recipe: &str,
        trigger_identity: &str,
        next_fire_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool, sql => {
            sqlx::query(sql::SET_NEXT_FIRE_AT)
                .bind(recipe)
                .bind(trigger_identity)
                .bind(Timestamp::new(next_fire_at))
                .bind(Timestamp::now())
                .execute(pool)
                .await
                .map_err(db("set_next_fire_at"))?;
        });
        Ok(())
    }

    /// Fires the tick `due` of a schedule at most once across all nodes: in one transaction, moves
    /// `next_fire_at` from `due` to `next` (compare-and-set) and records `run` with the event id
    /// `cron:<due as RFC 3339>` (replacing `run.event_id`), which the unique index also guards. Returns whether
    /// this call fired the tick; false means another node did (or `due` is not the stored next tick).
    ///
    /// # Errors
    /// `Database`.
    pub async fn try_fire_cron(
        &self,
        recipe: &str,
        trigger_identity: &str,
        due: DateTime<Utc>,
        next: DateTime<Utc>,
        run: &NewRun,
    ) -> Result<bool, StoreError> {
        let due = Timestamp::new(due);
        let now = Timestamp::now();
        let event_id = format!("cron:{}", due.instant().to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
        on_pool!(self, pool, sql => {
            let mut tx = pool.begin_with(sql::BEGIN_WRITE).await.map_err(db("try_fire_cron"))?;
            let advanced = sqlx::query(sql::ADVANCE_CRON)
                .bind(recipe)
                .bind(trigger_identity)
                .bind(due)
                .bind(Timestamp::new(next))
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(db("try_fire_cron"))?
                .rows_affected();
            if advanced == 0 {
                tx.rollback().await.map_err(db("try_fire_cron"))?;
                return Ok(false);
            }
            let inserted: Option<String> = sqlx::query_scalar(sql::INSERT_RUN)
                .bind(new_run_id())
                .bind(recipe)
                .bind(&run.recipe_version)
                .bind(&run.trigger)
                .bind(&event_id)
                .bind(&run.business_key)
                .bind(&run.candidate_id)
                .bind(&run.application_id)
                .bind(&run.job_id)
                .bind(RunStatus::Queued.as_str())
                .bind(Timestamp::new(run.run_at))
                .bind(due)
                .bind(now)
                .bind(None::<Timestamp>)
                .bind(Json(&run.payload))
                .fetch_optional(&mut *tx)
                .await
                .map_err(db("try_fire_cron"))?;
            tx.commit().await.map_err(db("try_fire_cron"))?;
            Ok(inserted.is_some())
        })
    }

    /// Takes or renews the poll lease of (`recipe`, `trigger_identity`) for `node` for `lease`; returns whether
    /// `node` holds it (false: another node's lease is still valid, or the state does not exist).
    ///
    /// # Errors
    /// `Database`.
    pub async fn try_lease_trigger(
        &self,
        recipe: &str,
        trigger_identity: &str,
        node: &str,
        lease: Duration,
    ) -> Result<bool, StoreError> {
        let now = Timestamp::now();
        on_pool!(self, pool, sql => {
            Ok(sqlx::query(sql::LEASE_TRIGGER)
                .bind(recipe)
                .bind(trigger_identity)
                .bind(node)
                .bind(lease_end(now, lease))
                .bind(now)
                .execute(pool)
                .await
                .map_err(db("try_lease_trigger"))?
                .rows_affected()
                > 0)
        })
    }

    /// Gives up `node`'s poll lease of (`recipe`, `trigger_identity`), if it holds it.
    ///
    /// # Errors
    /// `Database`.
    pub async fn release_trigger_lease(
        &self,
        recipe: &str,
        trigger_identity: &str,
        node: &str,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool, sql => {
            sqlx::query(sql::RELEASE_TRIGGER_LEASE)
                .bind(recipe)
                .bind(trigger_identity)
                .bind(node)
                .bind(Timestamp::now())
                .execute(pool)
                .await
                .map_err(db("release_trigger_lease"))?;
        });
        Ok(())
    }
}
