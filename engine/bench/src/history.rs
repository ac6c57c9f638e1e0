//! The `history` scenario: the store's history benchmark (`hirewire_store::bench::history`) on a
//! fresh database of each backend: latency of the `runs list` filters and of `runs show`.

use hirewire_store::Store;
use hirewire_store::bench::{HistoryBenchOptions, history};
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

/// Fills a fresh database of `backend` with `runs` runs and times each query `repetitions` times.
///
/// # Errors
/// Setup or store failures.
pub async fn history_pass(backend: Backend, runs: u64, repetitions: usize) -> Result<HistoryResult, BenchError> {
    let database = fresh_database(backend).await?;
    let outcome = async {
        let store = Store::open(&database.url).await.map_err(|e| BenchError::setup("opening the history store", e))?;
        let report = history(&store, &HistoryBenchOptions { runs, repetitions, seed: 7 })
            .await
            .map_err(|e| BenchError::setup("the history benchmark", e))?;
        store.close().await;
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
        Ok(HistoryResult {
            backend,
            runs: report.total_runs,
            fill_secs: report.fill_time.as_secs_f64(),
            repetitions,
            queries: report
                .queries
                .into_iter()
                .map(|q| HistoryQuery {
                    query: q.name,
                    rows: q.rows,
                    median_ms: ms(q.median),
                    min_ms: ms(q.min),
                    max_ms: ms(q.max),
                    plan: q.plan,
                })
                .collect(),
        })
    }
    .await;
    if let Err(e) = database.drop_database().await {
        tracing::warn!(error = %e, "could not drop the history database");
    }
    outcome
}
