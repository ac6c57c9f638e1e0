//! The `history` scenario: fills a fresh database of each backend with synthetic runs
//! (`Store::fill_synthetic_history`) and times the `runs list` filters and `runs show` (median of the
//! repetitions after one warm-up), with each query's plan, so index use is visible.

use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use hirewire_store::diagnostics::{SYNTHETIC_CANDIDATE, SYNTHETIC_RECIPE};
use hirewire_store::{RunFilter, RunStatus, Store, StoreError};
use serde::Serialize;

use super::BenchError;
use super::project::{Backend, fresh_database};

/// One timed query.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryQuery {
    /// What was asked, as the CLI would ask it.
    pub query: String,
    /// Rows returned.
    pub rows: usize,
    /// Median, ms.
    pub median_ms: f64,
    /// Fastest, ms.
    pub min_ms: f64,
    /// Slowest, ms.
    pub max_ms: f64,
    /// The database's plan.
    pub plan: Vec<String>,
}

/// The figures of one backend.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryResult {
    /// The database.
    pub backend: Backend,
    /// Runs stored.
    pub runs: u64,
    /// Seconds to insert them.
    pub fill_secs: f64,
    /// Timed repetitions per query (the median is reported).
    pub repetitions: usize,
    /// One entry per query.
    pub queries: Vec<HistoryQuery>,
}

/// Seed of the generated runs.
const SEED: u64 = 7;

/// Fills a fresh database of `backend` with `runs` runs and times each query `repetitions` times.
///
/// # Errors
/// Setup or store failures.
pub async fn history_pass(backend: Backend, runs: u64, repetitions: usize) -> Result<HistoryResult, BenchError> {
    let database = fresh_database(backend).await?;
    let outcome = async {
        let store = Store::open(&database.url).await.map_err(|e| BenchError::setup("opening the history store", e))?;
        let result = time_history(&store, backend, runs, repetitions)
            .await
            .map_err(|e| BenchError::setup("the history benchmark", e));
        store.close().await;
        result
    }
    .await;
    if let Err(e) = database.drop_database().await {
        tracing::warn!(error = %e, "could not drop the history database");
    }
    outcome
}

/// Fills `store` up to `runs` runs, then times `runs list` with each filter and `runs show`, with their plans.
async fn time_history(
    store: &Store,
    backend: Backend,
    runs: u64,
    repetitions: usize,
) -> Result<HistoryResult, StoreError> {
    let started = Instant::now();
    let fill = store.fill_synthetic_history(runs, SEED).await?;
    let fill_secs = started.elapsed().as_secs_f64();
    let mut queries = Vec::new();
    for (query, filter) in history_filters() {
        let timing = time_query(repetitions, || store.list_runs(&filter)).await?;
        let plan = store.explain_list_runs(&filter).await?;
        queries.push(timing.into_query(query, plan));
    }
    if let Some(run_id) = store.newest_run_with_steps().await? {
        let timing = time_query(repetitions, || store.get_run(&run_id)).await?;
        let plan = store.explain_get_run(&run_id).await?;
        queries.push(timing.into_query(format!("runs show {run_id} (3 steps)"), plan));
    }
    Ok(HistoryResult { backend, runs: fill.total_runs, fill_secs, repetitions, queries })
}

/// The `runs list` filters timed, named as the CLI would ask for them.
fn history_filters() -> Vec<(String, RunFilter)> {
    let now = Utc::now();
    vec![
        (
            format!("runs list --status failed --recipe {SYNTHETIC_RECIPE}"),
            RunFilter {
                recipe: Some(SYNTHETIC_RECIPE.to_owned()),
                status: Some(RunStatus::Failed),
                ..RunFilter::default()
            },
        ),
        (
            format!("runs list --candidate {SYNTHETIC_CANDIDATE}"),
            RunFilter { candidate_id: Some(SYNTHETIC_CANDIDATE.to_owned()), ..RunFilter::default() },
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
            format!("runs list --recipe {SYNTHETIC_RECIPE}"),
            RunFilter { recipe: Some(SYNTHETIC_RECIPE.to_owned()), ..RunFilter::default() },
        ),
        ("runs list --status failed".to_owned(), RunFilter { status: Some(RunStatus::Failed), ..RunFilter::default() }),
        ("runs list".to_owned(), RunFilter::default()),
    ]
}

/// The times of one query's repetitions.
struct QueryTiming {
    rows: usize,
    median: Duration,
    min: Duration,
    max: Duration,
}

impl QueryTiming {
    fn into_query(self, query: String, plan: Vec<String>) -> HistoryQuery {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        HistoryQuery {
            query,
            rows: self.rows,
            median_ms: ms(self.median),
            min_ms: ms(self.min),
            max_ms: ms(self.max),
            plan,
        }
    }
}

/// Runs `query` once to warm up (counting its rows), then `repetitions` times (at least once) timed.
async fn time_query<F, Fut, T>(repetitions: usize, mut query: F) -> Result<QueryTiming, StoreError>
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
    Ok(QueryTiming { rows, median: times[times.len() / 2], min: times[0], max: times[times.len() - 1] })
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
