//! Synthetic history: fills a store with many generated runs (batched multi-row inserts), for the history
//! benchmark (`hirewire bench`) to time the history queries on a realistic volume.

use chrono::{DateTime, TimeDelta, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use sqlx::types::Json;

use crate::error::{StoreError, db};
use crate::store::{Store, on_pool};
use crate::timestamp::Timestamp;
use crate::types::RunStatus;

/// Rows per INSERT statement.
const ROWS_PER_STATEMENT: usize = 1000;
/// INSERT statements per transaction.
const STATEMENTS_PER_TRANSACTION: usize = 20;
/// Recipes the runs are spread over.
const RECIPES: u64 = 20;
/// Distinct candidates.
const CANDIDATES: u64 = 200_000;
/// Every how many runs one has three step records.
const RUNS_PER_RUN_WITH_STEPS: u64 = 50;
/// The recipe most synthetic runs' filters can ask for (every recipe `recipe-00`..`recipe-19` has runs).
pub const SYNTHETIC_RECIPE: &str = "recipe-07";
/// A candidate with runs at any fill size (every 200,000th run is about them).
pub const SYNTHETIC_CANDIDATE: &str = "12345";

/// What [`Store::fill_synthetic_history`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyntheticFill {
    /// Runs in the store afterwards.
    pub total_runs: u64,
    /// Runs this call inserted.
    pub inserted: u64,
}

/// One generated run.
struct SyntheticRun {
    id: String,
    recipe: String,
    event_id: String,
    candidate_id: String,
    application_id: String,
    job_id: String,
    status: RunStatus,
    created_at: Timestamp,
    started_at: Timestamp,
    finished_at: Timestamp,
    error: Option<String>,
    payload: serde_json::Value,
}

fn synthetic_run(index: u64, origin: DateTime<Utc>, spacing_ms: i64, rng: &mut StdRng) -> SyntheticRun {
    let created = origin + TimeDelta::milliseconds(spacing_ms.saturating_mul(i64::try_from(index).unwrap_or(i64::MAX)));
    let seconds = u64::try_from(created.timestamp()).unwrap_or_default();
    let id = uuid::Uuid::new_v7(uuid::Timestamp::from_unix(uuid::NoContext, seconds, created.timestamp_subsec_nanos()));
    // Every 200,000th run is about SYNTHETIC_CANDIDATE, so `--candidate` finds runs at any size.
    let candidate = if index.is_multiple_of(200_000) { 12_345 } else { rng.random_range(1..=CANDIDATES) };
    let job = rng.random_range(1..=500_u64);
    let status = match rng.random_range(0..100_u32) {
        0..90 => RunStatus::Succeeded,
        90..95 => RunStatus::Failed,
        95..98 => RunStatus::Skipped,
        _ => RunStatus::Cancelled,
    };
    let started = created + TimeDelta::seconds(1);
    SyntheticRun {
        id: id.to_string(),
        recipe: format!("recipe-{:02}", rng.random_range(0..RECIPES)),
        event_id: format!("bench:{index}"),
        candidate_id: candidate.to_string(),
        application_id: (index + 1).to_string(),
        job_id: job.to_string(),
        status,
        created_at: Timestamp::new(created),
        started_at: Timestamp::new(started),
        finished_at: Timestamp::new(started + TimeDelta::milliseconds(rng.random_range(50..30_000))),
        error: (status == RunStatus::Failed).then(|| "BambooHR 500: Internal Server Error".to_owned()),
        payload: json!({
            "candidate": {"id": candidate, "first_name": format!("Cand{candidate}"), "last_name": "Bench",
                          "email": format!("c{candidate}@example.com")},
            "application": {"id": index + 1, "status": "hired"},
            "job": {"id": job, "name": "Engineer"},
        }),
    }
}

/// Counts the runs.
const COUNT_RUNS: &str = "SELECT COUNT(*) FROM runs";

/// Followed by `push_values` rows of the same columns.
const INSERT_SYNTHETIC_RUNS: &str = "\
INSERT INTO runs (id, recipe, recipe_version, trigger_name, trigger_event_id, candidate_id, application_id, job_id,
                  status, run_at, event_at, attempt, node, created_at, started_at, finished_at, error, payload) ";

/// Followed by `push_values` rows of the same columns.
const INSERT_SYNTHETIC_STEPS: &str = "\
INSERT INTO steps (run_id, step_id, ordinal, action, status, attempts, input, output, error, started_at,
                   finished_at) ";

/// The newest run with step records.
const RUN_WITH_STEPS: &str = "SELECT run_id FROM steps ORDER BY run_id DESC LIMIT 1";

impl Store {
    /// Fills the store up to `runs` finished runs generated from `seed` (20 recipes, 200,000 candidates, spread
    /// over the last 90 days, 90% succeeded / 5% failed, three step records on every 50th run), then refreshes
    /// the planner's statistics. A store that already holds `runs` runs is left as it is. For benchmarks: the
    /// runs are fake and stay in the history.
    ///
    /// # Errors
    /// `Database`.
    pub async fn fill_synthetic_history(&self, runs: u64, seed: u64) -> Result<SyntheticFill, StoreError> {
        let existing: i64 = on_pool!(self, pool, sql => {
            sqlx::query_scalar(COUNT_RUNS).fetch_one(pool).await.map_err(db("fill_synthetic_history"))?
        });
        let existing = u64::try_from(existing).unwrap_or_default();
        if existing >= runs {
            return Ok(SyntheticFill { total_runs: existing, inserted: 0 });
        }
        let mut rng = StdRng::seed_from_u64(seed ^ existing);
        let origin = Utc::now() - TimeDelta::days(90);
        let spacing_ms = i64::try_from(90 * 24 * 3_600_000 / runs.max(1)).unwrap_or(1).max(1);
        let mut next = existing;
        while next < runs {
            on_pool!(self, pool, sql => {
                let mut tx = pool.begin_with(sql::BEGIN_WRITE).await.map_err(db("fill_synthetic_history"))?;
                for _ in 0..STATEMENTS_PER_TRANSACTION {
                    if next >= runs {
                        break;
                    }
                    let end = (next + ROWS_PER_STATEMENT as u64).min(runs);
                    let batch: Vec<(u64, SyntheticRun)> =
                        (next..end).map(|i| (i, synthetic_run(i, origin, spacing_ms, &mut rng))).collect();
                    next = end;
                    let mut qb = sqlx::QueryBuilder::<sql::Db>::new(INSERT_SYNTHETIC_RUNS);
                    qb.push_values(batch.iter(), |mut row, (_, run)| {
                        row.push_bind(run.id.clone())
                            .push_bind(run.recipe.clone())
                            .push_bind("bench-v1")
                            .push_bind("candidate_hired")
                            .push_bind(run.event_id.clone())
                            .push_bind(run.candidate_id.clone())
                            .push_bind(run.application_id.clone())
                            .push_bind(run.job_id.clone())
                            .push_bind(run.status.as_str())
                            .push_bind(run.created_at)
                            .push_bind(run.created_at)
                            .push_bind(1_i32)
                            .push_bind("bench-node")
                            .push_bind(run.created_at)
                            .push_bind(run.started_at)
                            .push_bind(run.finished_at)
                            .push_bind(run.error.clone())
                            .push_bind(Json(run.payload.clone()));
                    });
                    qb.build().execute(&mut *tx).await.map_err(db("fill_synthetic_history"))?;
                    let with_steps: Vec<&SyntheticRun> =
                        batch.iter().filter(|(i, _)| i.is_multiple_of(RUNS_PER_RUN_WITH_STEPS)).map(|(_, run)| run).collect();
                    if with_steps.is_empty() {
                        continue;
                    }
                    let steps = with_steps.iter().flat_map(|run| {
                        [("employee", "bamboohr.upsert_employee"), ("notify", "slack.post_message"),
                         ("interviewers[0].dm", "slack.post_message")]
                            .into_iter()
                            .enumerate()
                            .map(move |(ordinal, (step, action))| (*run, ordinal, step, action))
                    });
                    let mut qb = sqlx::QueryBuilder::<sql::Db>::new(INSERT_SYNTHETIC_STEPS);
                    qb.push_values(steps, |mut row, (run, ordinal, step, action)| {
                        row.push_bind(run.id.clone())
                            .push_bind(step)
                            .push_bind(i32::try_from(ordinal + 1).unwrap_or(i32::MAX))
                            .push_bind(action)
                            .push_bind("succeeded")
                            .push_bind(1_i32)
                            .push_bind(Json(json!({"workEmail": run.payload["candidate"]["email"]})))
                            .push_bind(Json(json!({"id": run.application_id, "created": true})))
                            .push_bind(None::<String>)
                            .push_bind(run.started_at)
                            .push_bind(run.finished_at);
                    });
                    qb.build().execute(&mut *tx).await.map_err(db("fill_synthetic_history"))?;
                }
                tx.commit().await.map_err(db("fill_synthetic_history"))?;
            });
        }
        on_pool!(self, pool, sql => {
            sqlx::raw_sql(sql::ANALYZE).execute(pool).await.map_err(db("fill_synthetic_history"))?;
        });
        Ok(SyntheticFill { total_runs: runs, inserted: runs - existing })
    }

    /// The id of the newest run with step records (a synthetic one after [`Store::fill_synthetic_history`]).
    ///
    /// # Errors
    /// `Database`.
    pub async fn newest_run_with_steps(&self) -> Result<Option<String>, StoreError> {
        on_pool!(read: self, pool, _sql => {
            sqlx::query_scalar(RUN_WITH_STEPS).fetch_optional(pool).await.map_err(db("newest_run_with_steps"))
        })
    }
}
