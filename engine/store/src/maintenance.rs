//! Maintenance: pruning old runs (and really freeing the space), forgetting a candidate, and the node registry.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use sqlx::types::Json;

use crate::error::{StoreError, db};
use crate::redact::{redact_strings, redact_text};
use crate::rows::{NodeRow, RedactRunRow, RedactStepRow};
use crate::store::{Store, on_pool};
use crate::timestamp::Timestamp;
use crate::types::{ForgetReport, NodeRecord, PruneReport};

/// Runs deleted per transaction while pruning, so writers are never blocked for long.
const PRUNE_BATCH: i64 = 2000;

impl Store {
    /// Deletes finished runs (succeeded, failed, skipped, cancelled) recorded before `older_than`, with their
    /// steps, and webhook delivery ids received before it; queued and running runs are kept. Then frees the
    /// space: SQLite returns the free pages to the file system (`PRAGMA incremental_vacuum`, then a WAL
    /// checkpoint that truncates the WAL), so the file shrinks; Postgres runs a plain `VACUUM (ANALYZE)`, which
    /// makes the space reusable for new runs without locking the tables (the files only shrink when the free
    /// pages are at their end; `VACUUM FULL` is left to the operator).
    ///
    /// # Errors
    /// `Database`.
    pub async fn prune(&self, older_than: DateTime<Utc>) -> Result<PruneReport, StoreError> {
        let cutoff = Timestamp::new(older_than);
        on_pool!(self, pool, sql => {
            let size: i64 = sqlx::query_scalar(sql::DATABASE_SIZE).fetch_one(pool).await.map_err(db("prune"))?;
            let bytes_before = u64::try_from(size).unwrap_or_default();
            let (mut runs_deleted, mut steps_deleted) = (0, 0);
            loop {
                let ids: Vec<String> = sqlx::query_scalar(sql::PRUNABLE_RUNS)
                    .bind(cutoff)
                    .bind(PRUNE_BATCH)
                    .fetch_all(pool)
                    .await
                    .map_err(db("prune"))?;
                if ids.is_empty() {
                    break;
                }
                let mut tx = pool.begin_with(sql::BEGIN_WRITE).await.map_err(db("prune"))?;
                steps_deleted += sqlx::query(sql::DELETE_STEPS_OF_RUNS)
                    .bind(Json(&ids))
                    .execute(&mut *tx)
                    .await
                    .map_err(db("prune"))?
                    .rows_affected();
                runs_deleted += sqlx::query(sql::DELETE_RUNS)
                    .bind(Json(&ids))
                    .execute(&mut *tx)
                    .await
                    .map_err(db("prune"))?
                    .rows_affected();
                tx.commit().await.map_err(db("prune"))?;
                if i64::try_from(ids.len()).unwrap_or(i64::MAX) < PRUNE_BATCH {
                    break;
                }
            }
            let deliveries_deleted = sqlx::query(sql::PRUNE_DELIVERIES)
                .bind(cutoff)
                .execute(pool)
                .await
                .map_err(db("prune"))?
                .rows_affected();
            sqlx::raw_sql(sql::RECLAIM_SPACE).execute(pool).await.map_err(db("prune"))?;
            sqlx::raw_sql(sql::CHECKPOINT).execute(pool).await.map_err(db("prune"))?;
            let size: i64 = sqlx::query_scalar(sql::DATABASE_SIZE).fetch_one(pool).await.map_err(db("prune"))?;
            Ok(PruneReport {
                runs_deleted,
                steps_deleted,
                deliveries_deleted,
                bytes_before,
                bytes_after: u64::try_from(size).unwrap_or_default(),
            })
        })
    }

    /// Removes the personal data of candidate `candidate_id` from every run recorded for them (runs whose
    /// `candidate_id` is theirs): every string in the trigger payload and in each step's input and output
    /// becomes `[redacted]`, and run and step errors are replaced. Ids, numbers, statuses and times stay, and
    /// so do the event id and business key, so the forgotten events are not run again. Idempotent: a second
    /// call reports zero.
    ///
    /// # Errors
    /// `Database`.
    pub async fn forget_candidate(&self, candidate_id: &str) -> Result<ForgetReport, StoreError> {
        let now = Timestamp::now();
        let mut report = ForgetReport { runs: 0, steps: 0, values_redacted: 0 };
        on_pool!(self, pool, sql => {
            let mut tx = pool.begin_with(sql::BEGIN_WRITE).await.map_err(db("forget_candidate"))?;
            let runs: Vec<RedactRunRow> = sqlx::query_as(sql::RUNS_OF_CANDIDATE)
                .bind(candidate_id)
                .fetch_all(&mut *tx)
                .await
                .map_err(db("forget_candidate"))?;
            for mut run in runs {
                let mut changed = redact_strings(&mut run.payload.0);
                report.values_redacted += changed;
                changed += u64::from(redact_text(&mut run.error));
                let steps: Vec<RedactStepRow> = sqlx::query_as(sql::STEPS_FOR_REDACTION)
                    .bind(&run.id)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(db("forget_candidate"))?;
                for mut step in steps {
                    let values = step.input.as_mut().map_or(0, |j| redact_strings(&mut j.0))
                        + step.output.as_mut().map_or(0, |j| redact_strings(&mut j.0));
                    report.values_redacted += values;
                    if values + u64::from(redact_text(&mut step.error)) == 0 {
                        continue;
                    }
                    changed += 1;
                    report.steps += 1;
                    sqlx::query(sql::REDACT_STEP)
                        .bind(&run.id)
                        .bind(&step.step_id)
                        .bind(step.input)
                        .bind(step.output)
                        .bind(step.error)
                        .execute(&mut *tx)
                        .await
                        .map_err(db("forget_candidate"))?;
                }
                if changed == 0 {
                    continue;
                }
                report.runs += 1;
                sqlx::query(sql::REDACT_RUN)
                    .bind(&run.id)
                    .bind(run.payload)
                    .bind(run.error)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(db("forget_candidate"))?;
            }
            tx.commit().await.map_err(db("forget_candidate"))?;
            // On SQLite the old values are still in the WAL until a checkpoint moves the pages home.
            sqlx::raw_sql(sql::CHECKPOINT).execute(pool).await.map_err(db("forget_candidate"))?;
        });
        Ok(report)
    }

    /// Registers node `node_id` or records that it is alive.
    ///
    /// # Errors
    /// `Database`.
    pub async fn upsert_node(&self, node_id: &str) -> Result<(), StoreError> {
        on_pool!(self, pool, sql => {
            sqlx::query(sql::UPSERT_NODE)
                .bind(node_id)
                .bind(Timestamp::now())
                .execute(pool)
                .await
                .map_err(db("upsert_node"))?;
        });
        Ok(())
    }

    /// Nodes seen within `seen_within`, by id.
    ///
    /// # Errors
    /// `Database`.
    pub async fn live_nodes(&self, seen_within: Duration) -> Result<Vec<NodeRecord>, StoreError> {
        let window = TimeDelta::from_std(seen_within).unwrap_or(TimeDelta::days(365));
        let since = Timestamp::new(Utc::now() - window);
        let rows: Vec<NodeRow> = on_pool!(read: self, pool, sql => {
            sqlx::query_as(sql::LIVE_NODES).bind(since).fetch_all(pool).await.map_err(db("live_nodes"))?
        });
        Ok(rows.into_iter().map(NodeRow::into_record).collect())
    }
}
