//! The `backfill` scenario: hires waiting in the Greenhouse fake under a shortened rate window, a
//! `delivery: poll` recipe whose `since:` is before them, from daemon start to every hire recorded
//! as a run. Workers are off (`max_in_flight` 0), so the figures are the poller's: run-time
//! enrichment of each hire is a per-run cost measured by `throughput`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hirewire_sdk::ConnectorDescriptor;
use hirewire_store::RunFilter;
use serde::Serialize;

use super::BenchError;
use super::project::{Backend, BenchProject, hired_recipe};
use super::sandbox::BenchSandbox;
use hirewire_runtime::Daemon;

/// The backfill recipe's name.
const BACKFILL_RECIPE: &str = "bench-backfill";

/// The rate window the backfill runs under.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RateWindow {
    /// Requests allowed per window.
    pub limit: u64,
    /// The window, in seconds.
    pub window_secs: u64,
}

/// The figures of one backfill pass.
#[derive(Debug, Clone, Serialize)]
pub struct BackfillPass {
    /// The database.
    pub backend: Backend,
    /// Hires waiting in Greenhouse.
    pub hires: usize,
    /// Runs recorded.
    pub runs_recorded: usize,
    /// The fake's rate window.
    pub rate: RateWindow,
    /// Greenhouse API requests made (token requests excluded).
    pub greenhouse_requests: u64,
    /// Token requests made.
    pub token_requests: u64,
    /// Requests per recorded run.
    pub requests_per_event: f64,
    /// 429 answers received.
    pub throttled: u64,
    /// From daemon start to every hire recorded, seconds.
    pub wall_secs: f64,
    /// The time the rate limit needs for the requests made at its sustained rate
    /// (`requests × window / limit`), seconds.
    pub floor_secs: f64,
    /// `wall_secs / floor_secs`.
    pub wall_over_floor: f64,
}

/// Runs one backfill pass on a fresh sandbox and project.
///
/// # Errors
/// Setup failures, or fewer runs than hires within `timeout`.
pub async fn backfill_pass(
    registry: &Arc<Vec<ConnectorDescriptor>>,
    backend: Backend,
    hires: usize,
    rate: RateWindow,
    timeout: Duration,
) -> Result<BackfillPass, BenchError> {
    let sandbox = BenchSandbox::start(registry, 11).await?;
    sandbox.bulk_hires(hires).await?;
    sandbox.greenhouse_rate_limit(rate.limit, rate.window_secs).await?;
    let trigger = "  every: 1s\n  since: 2020-01-01T00:00:00Z\n";
    let recipe = hired_recipe(BACKFILL_RECIPE, "poll", trigger, 1);
    let project = BenchProject::new(backend, &sandbox.url, &[("bench-backfill.yaml".to_owned(), recipe)]).await?;
    let outcome = async {
        // Let the seed data's window pass so the bench starts with a fresh budget.
        tokio::time::sleep(Duration::from_secs(rate.window_secs)).await;
        sandbox.clear_greenhouse_counters().await?;
        let daemon =
            Daemon::start(project.options("bench-backfill", 0), registry.clone()).await.map_err(BenchError::Daemon)?;
        let started = Instant::now();
        let queued = wait_for_queued(&daemon, hires, timeout).await;
        let wall = started.elapsed();
        let recorded = match queued {
            Ok(()) => count_backfill_runs(&daemon, hires).await,
            Err(e) => Err(e),
        };
        daemon.stop().await;
        let recorded = recorded?;
        let counters = sandbox.greenhouse_counters().await?;
        #[allow(clippy::cast_precision_loss)]
        let floor_secs = counters.requests as f64 * rate.window_secs as f64 / rate.limit.max(1) as f64;
        #[allow(clippy::cast_precision_loss)]
        Ok(BackfillPass {
            backend,
            hires,
            runs_recorded: recorded,
            rate,
            greenhouse_requests: counters.requests,
            token_requests: counters.token_requests,
            requests_per_event: counters.requests as f64 / recorded.max(1) as f64,
            throttled: counters.throttled,
            wall_secs: wall.as_secs_f64(),
            floor_secs,
            wall_over_floor: if floor_secs > 0.0 { wall.as_secs_f64() / floor_secs } else { 0.0 },
        })
    }
    .await;
    project.cleanup().await;
    outcome
}

/// Waits until `hires` runs are queued (the clock stops here).
async fn wait_for_queued(daemon: &Daemon, hires: usize, timeout: Duration) -> Result<(), BenchError> {
    let deadline = Instant::now() + timeout;
    let wanted = i64::try_from(hires).unwrap_or(i64::MAX);
    loop {
        let queued = daemon.store.queue_depth().await.map_err(|e| BenchError::setup("reading the queue depth", e))?;
        if queued >= wanted {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(BenchError::Timeout { what: format!("{queued} of {hires} hires recorded"), after: timeout });
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// How many runs the backfill recipe has (a duplicate would show as more than `hires`).
async fn count_backfill_runs(daemon: &Daemon, hires: usize) -> Result<usize, BenchError> {
    let runs = daemon
        .store
        .list_runs(&RunFilter {
            recipe: Some(BACKFILL_RECIPE.to_owned()),
            limit: u32::try_from(hires * 2 + 16).unwrap_or(u32::MAX),
            ..RunFilter::default()
        })
        .await
        .map_err(|e| BenchError::setup("listing the backfill runs", e))?;
    Ok(runs.len())
}
