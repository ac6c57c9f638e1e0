//! The `history` benchmark: fills a store with many runs (batched multi-row inserts) and prints the median time
//! of the `runs list` filters and `runs show`, with each query's plan, so index use is visible. Used by
//! `examples/history_bench.rs` (and a later `hirewire bench history`); it is a harness, not a test.

use std::fmt;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use sqlx::Row;
use sqlx::types::Json;

use crate::error::{StoreError, db};
use crate::history::push_run_filter;
use crate::store::{Backend, Store, on_pool};
use crate::timestamp::Timestamp;
use crate::types::{RunFilter, RunStatus};

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
/// The recipe the filters ask for.
pub const BENCH_RECIPE: &str = "recipe-07";
/// The candidate the `--candidate` filter asks for.
pub const BENCH_CANDIDATE: &str = "12345";

/// How to run the benchmark.
#[derive(Debug, Clone, Copy)]
pub struct HistoryBenchOptions {
    /// Runs the store should hold (the missing ones are inserted; an already filled store is reused).
    pub runs: u64,
    /// Timed repetitions of each query (after one warm-up).
    pub repetitions: usize,
    /// Seed of the generated data.
    pub seed: u64,
}

impl Default for HistoryBenchOptions {
    fn default() -> Self {
        Self { runs: 1_000_000, repetitions: 15, seed: 7 }
    }
}

/// The figures of one query.
#[derive(Debug, Clone)]
pub struct QueryTiming {
    /// What was asked, as the CLI would ask it.
    pub name: String,
    /// Rows returned.
    pub rows: usize,
    /// Median time.
    pub median: Duration,
    /// Fastest time.
    pub min: Duration,
    /// Slowest time.
    pub max: Duration,
    /// The database's plan (`EXPLAIN QUERY PLAN` / `EXPLAIN`).
    pub plan: Vec<String>,
}

/// The benchmark's figures.
#[derive(Debug, Clone)]
pub struct HistoryBenchReport {
    /// The backend.
    pub backend: Backend,
    /// Runs in the store.
    pub total_runs: u64,
    /// Runs inserted by this call.
    pub inserted: u64,
    /// How long inserting (and analyzing) took.
    pub fill_time: Duration,
    /// One entry per query.
    pub queries: Vec<QueryTiming>,
}

impl fmt::Display for HistoryBenchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "history benchmark on {:?}: {} runs ({} inserted in {:.1} s)",
            self.backend,
            self.total_runs,
            self.inserted,
            self.fill_time.as_secs_f64()
        )?;
        for query in &self.queries {
            writeln!(
                f,
                "  {:<58} median {:>8.3} ms  (min {:.3}, max {:.3}, {} rows)",
                query.name,
                millis(query.median),
                millis(query.min),
                millis(query.max),
                query.rows
            )?;
            for line in &query.plan {
                writeln!(f, "      plan: {line}")?;
            }
        }
        Ok(())
    }
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// One generated run.
struct BenchRun {
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

fn bench_run(index: u64, origin: DateTime<Utc>, spacing_ms: i64, rng: &mut StdRng) -> BenchRun {
    let created = origin + TimeDelta::milliseconds(spacing_ms.saturating_mul(i64::try_from(index).unwrap_or(i64::MAX)));
    let seconds = u64::try_from(created.timestamp()).unwrap_or_default();
    let id = uuid::Uuid::new_v7(uuid::Timestamp::from_unix(uuid::NoContext, seconds, created.timestamp_subsec_nanos()));
    // Every 200,000th run is about BENCH_CANDIDATE, so `--candidate` finds runs at any size.
    let candidate = if index.is_multiple_of(200_000) { 12_345 } else { rng.random_range(1..=CANDIDATES) };
    let job = rng.random_range(1..=500_u64);
    let status = match rng.random_range(0..100_u32) {
        0..90 => RunStatus::Succeeded,
        90..95 => RunStatus::Failed,
        95..98 => RunStatus::Skipped,
        _ => RunStatus::Cancelled,
    };
    let started = created + TimeDelta::seconds(1);
    BenchRun {
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

impl Store {
    async fn bench_fill(&self, options: &HistoryBenchOptions) -> Result<(u64, u64), StoreError> {
        let existing: i64 = on_pool!(self, pool, sql => {
            sqlx::query_scalar(sql::COUNT_RUNS).fetch_one(pool).await.map_err(db("bench"))?
        });
        let existing = u64::try_from(existing).unwrap_or_default();
        if existing >= options.runs {
            return Ok((existing, 0));
        }
        let mut rng = StdRng::seed_from_u64(options.seed ^ existing);
        let origin = Utc::now() - TimeDelta::days(90);
        let spacing_ms = i64::try_from(90 * 24 * 3_600_000 / options.runs.max(1)).unwrap_or(1).max(1);
        let mut next = existing;
        while next < options.runs {
            on_pool!(self, pool, sql => {
                let mut tx = pool.begin_with(sql::BEGIN_WRITE).await.map_err(db("bench"))?;
                for _ in 0..STATEMENTS_PER_TRANSACTION {
                    if next >= options.runs {
                        break;
                    }
                    let end = (next + ROWS_PER_STATEMENT as u64).min(options.runs);
                    let runs: Vec<(u64, BenchRun)> =
                        (next..end).map(|i| (i, bench_run(i, origin, spacing_ms, &mut rng))).collect();
                    next = end;
                    let mut qb = sqlx::QueryBuilder::<sql::Db>::new(sql::BENCH_INSERT_RUNS);
                    qb.push_values(runs.iter(), |mut row, (_, run)| {
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
                    qb.build().execute(&mut *tx).await.map_err(db("bench"))?;
                    let with_steps: Vec<&BenchRun> =
                        runs.iter().filter(|(i, _)| i.is_multiple_of(RUNS_PER_RUN_WITH_STEPS)).map(|(_, run)| run).collect();
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
                    let mut qb = sqlx::QueryBuilder::<sql::Db>::new(sql::BENCH_INSERT_STEPS);
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
                    qb.build().execute(&mut *tx).await.map_err(db("bench"))?;
                }
                tx.commit().await.map_err(db("bench"))?;
            });
        }
        on_pool!(self, pool, sql => {
            sqlx::raw_sql(sql::ANALYZE).execute(pool).await.map_err(db("bench"))?;
        });
        Ok((options.runs, options.runs - existing))
    }

    async fn bench_explain_list(&self, filter: &RunFilter) -> Result<Vec<String>, StoreError> {
        on_pool!(self, pool, sql => {
            let mut qb = sqlx::QueryBuilder::<sql::Db>::new(sql::EXPLAIN);
            qb.push(sql::LIST_RUNS_SELECT);
            push_run_filter!(qb, sql, filter);
            let rows = qb.build().fetch_all(pool).await.map_err(db("bench"))?;
            plan_lines(&rows, self.backend())
        })
    }

    async fn bench_explain_show(&self, run_id: &str) -> Result<Vec<String>, StoreError> {
        on_pool!(self, pool, sql => {
            let mut lines = Vec::new();
            for statement in [sql::GET_RUN, sql::STEPS_OF_RUN] {
                let mut qb = sqlx::QueryBuilder::<sql::Db>::new(sql::EXPLAIN);
                qb.push(statement);
                let rows = qb.build().bind(run_id).fetch_all(pool).await.map_err(db("bench"))?;
                lines.extend(plan_lines(&rows, self.backend())?);
            }
            Ok(lines)
        })
    }

    async fn bench_run_with_steps(&self) -> Result<Option<String>, StoreError> {
        on_pool!(self, pool, sql => {
            sqlx::query_scalar(sql::BENCH_RUN_WITH_STEPS).fetch_optional(pool).await.map_err(db("bench"))
        })
    }
}

/// The plan text of EXPLAIN rows: SQLite's `detail` column, Postgres' single `QUERY PLAN` column.
fn plan_lines<R: Row>(rows: &[R], backend: Backend) -> Result<Vec<String>, StoreError>
where
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    usize: sqlx::ColumnIndex<R>,
{
    let column = match backend {
        Backend::Sqlite => 3,
        Backend::Postgres => 0,
    };
    rows.iter().map(|row| row.try_get::<String, _>(column).map_err(db("bench"))).collect()
}

async fn time_query<F, Fut, T>(
    repetitions: usize,
    mut query: F,
) -> Result<(Duration, Duration, Duration, usize), StoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, StoreError>>,
    T: RowCount,
{
    let rows = query().await?.row_count();
    let mut times = Vec::with_capacity(repetitions);
    for _ in 0..repetitions.max(1) {
        let started = Instant::now();
        query().await?;
        times.push(started.elapsed());
    }
    times.sort();
    Ok((times[times.len() / 2], times[0], times[times.len() - 1], rows))
}

/// How many rows a query's result holds.
trait RowCount {
    fn row_count(&self) -> usize;
}

impl<T> RowCount for Vec<T> {
    fn row_count(&self) -> usize {
        self.len()
    }
}

impl<T> RowCount for Option<T> {
    fn row_count(&self) -> usize {
        usize::from(self.is_some())
    }
}

/// Fills `store` up to `options.runs` runs (20 recipes, 200,000 candidates, 90 days, 90% succeeded / 5% failed,
/// step records on every 50th run), refreshes statistics, then times `runs list` with each filter and
/// `runs show`, and collects their plans.
///
/// # Errors
/// `Database`.
pub async fn history(store: &Store, options: &HistoryBenchOptions) -> Result<HistoryBenchReport, StoreError> {
    let started = Instant::now();
    let (total_runs, inserted) = store.bench_fill(options).await?;
    let fill_time = started.elapsed();
    let now = Utc::now();
    let filters = [
        (
            format!("runs list --status failed --recipe {BENCH_RECIPE}"),
            RunFilter {
                recipe: Some(BENCH_RECIPE.to_owned()),
                status: Some(RunStatus::Failed),
                ..RunFilter::default()
            },
        ),
        (
            format!("runs list --candidate {BENCH_CANDIDATE}"),
            RunFilter { candidate_id: Some(BENCH_CANDIDATE.to_owned()), ..RunFilter::default() },
        ),
        (
            "runs list --since 30d --until 29d (one day, 30 days ago)".to_owned(),
            RunFilter {
                since: Some(now - TimeDelta::days(30)),
                until: Some(now - TimeDelta::days(29)),
                ..RunFilter::default()
            },
        ),
        (
            "runs list --since 24h".to_owned(),
            RunFilter { since: Some(now - TimeDelta::hours(24)), ..RunFilter::default() },
        ),
        (
            format!("runs list --recipe {BENCH_RECIPE}"),
            RunFilter { recipe: Some(BENCH_RECIPE.to_owned()), ..RunFilter::default() },
        ),
        ("runs list --status failed".to_owned(), RunFilter { status: Some(RunStatus::Failed), ..RunFilter::default() }),
        ("runs list".to_owned(), RunFilter::default()),
    ];
    let mut queries = Vec::new();
    for (name, filter) in filters {
        let (median, min, max, rows) = time_query(options.repetitions, || store.list_runs(&filter)).await?;
        let plan = store.bench_explain_list(&filter).await?;
        queries.push(QueryTiming { name, rows, median, min, max, plan });
    }
    if let Some(run_id) = store.bench_run_with_steps().await? {
        let (median, min, max, rows) = time_query(options.repetitions, || store.get_run(&run_id)).await?;
        let plan = store.bench_explain_show(&run_id).await?;
        queries.push(QueryTiming { name: format!("runs show {run_id} (3 steps)"), rows, median, min, max, plan });
    }
    Ok(HistoryBenchReport { backend: store.backend(), total_runs, inserted, fill_time, queries })
}
