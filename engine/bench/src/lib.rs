//! hirewire-bench: the benchmark harness behind `hirewire bench`. Each scenario drives the real
//! engine (or the store, for `ceiling` and `history`) against the in-process sandbox on fresh
//! databases, repeats its passes and reports medians; nothing here asserts a timing. The CLI parses
//! the arguments, prints [`render_report`] and writes the JSON; `tests/it/bench.rs` runs
//! [`run_bench`] with `quick`. docs/performance.md says what each scenario's clock covers.

pub mod backfill;
pub mod ceiling;
pub mod history;
pub mod idle;
pub mod logging;
pub mod measure;
pub mod project;
pub mod report;
pub mod sandbox;
pub mod sql_count;
pub mod tables;
pub mod throughput;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hirewire_sdk::ConnectorDescriptor;

pub use logging::install_bench_logging;
pub use project::Backend;
pub use report::{BenchReport, Machine};
pub use tables::render_report;

use backfill::{RateWindow, backfill_pass};
use ceiling::ceiling_pass;
use history::history_pass;
use idle::{IdleSettings, idle_pass};
use report::{BackfillSummary, CeilingSummary, IdleSummary, ThroughputSummary};
use sandbox::BenchSandbox;
use throughput::{sign_hires, throughput_pass};

/// A benchmark scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scenario {
    /// Webhook-driven runs per second against the sandbox.
    Throughput,
    /// The store's claim-and-complete cycle without HTTP.
    Ceiling,
    /// A poll backfill under a rate limit.
    Backfill,
    /// `runs list` / `runs show` latency at 1 M runs.
    History,
    /// A daemon with 100 polling recipes and nothing to do.
    Idle,
}

impl Scenario {
    /// Every scenario, in the order they run.
    pub const ALL: [Self; 5] = [Self::Ceiling, Self::Throughput, Self::Backfill, Self::History, Self::Idle];

    /// The scenario's name on the command line.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Throughput => "throughput",
            Self::Ceiling => "ceiling",
            Self::Backfill => "backfill",
            Self::History => "history",
            Self::Idle => "idle",
        }
    }
}

/// Receives progress lines ("throughput sqlite c=8 pass 2/3: 1,234 runs/s").
pub type Progress = Arc<dyn Fn(&str) + Send + Sync>;

/// How to run the benchmarks.
#[derive(Clone)]
pub struct BenchOptions {
    /// The scenarios to run.
    pub scenarios: Vec<Scenario>,
    /// Tiny sizes, for CI.
    pub quick: bool,
    /// Passes per measurement (medians are reported).
    pub runs: usize,
    /// The databases to run on.
    pub backends: Vec<Backend>,
    /// The `hirewire` executable, to run the idle daemon as a child process.
    pub daemon_exe: Option<PathBuf>,
    /// Overrides the number of webhooks per throughput pass.
    pub webhooks: Option<usize>,
    /// Where progress lines go.
    pub progress: Option<Progress>,
}

/// The sizes of a run of the benchmarks.
#[derive(Debug, Clone, Copy)]
struct Sizes {
    webhooks: usize,
    concurrencies: &'static [usize],
    ceiling_runs: usize,
    ceiling_workers: usize,
    backfill_hires: usize,
    backfill_rate: RateWindow,
    history_runs: u64,
    history_repetitions: usize,
    idle_recipes: usize,
    idle_every: Duration,
    idle_warm_up: Duration,
    idle_window: Duration,
    timeout: Duration,
}

impl Sizes {
    fn of(options: &BenchOptions) -> Self {
        let full = Self {
            webhooks: 20_000,
            concurrencies: &[1, 8, 32],
            ceiling_runs: 20_000,
            ceiling_workers: 32,
            backfill_hires: 10_000,
            backfill_rate: RateWindow { limit: 75, window_secs: 3 },
            history_runs: 1_000_000,
            history_repetitions: 15,
            idle_recipes: 100,
            idle_every: Duration::from_secs(60),
            idle_warm_up: Duration::from_secs(5),
            idle_window: Duration::from_secs(60),
            timeout: Duration::from_secs(900),
        };
        let sizes = if options.quick {
            Self {
                webhooks: 40,
                concurrencies: &[1, 8],
                ceiling_runs: 100,
                ceiling_workers: 8,
                backfill_hires: 100,
                backfill_rate: RateWindow { limit: 75, window_secs: 1 },
                history_runs: 2_000,
                history_repetitions: 3,
                idle_recipes: 10,
                idle_every: Duration::from_secs(1),
                idle_warm_up: Duration::from_secs(1),
                idle_window: Duration::from_secs(2),
                timeout: Duration::from_secs(120),
            }
        } else {
            full
        };
        // The ceiling completes as many runs as a throughput pass, so both see the same queue depths.
        let webhooks = options.webhooks.unwrap_or(sizes.webhooks);
        Self { webhooks, ceiling_runs: webhooks, ..sizes }
    }
}

/// Why a benchmark could not run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// Preparing or driving a scenario failed.
    #[error("{what}: {reason}")]
    Setup {
        /// What was being done.
        what: String,
        /// Why it failed.
        reason: String,
    },
    /// The daemon did not start.
    #[error("the bench daemon did not start: {0:#}")]
    Daemon(anyhow::Error),
    /// Work did not finish in time.
    #[error("timed out after {after:?}: {what}")]
    Timeout {
        /// What was still missing.
        what: String,
        /// The limit.
        after: Duration,
    },
}

impl BenchError {
    /// A setup failure of `what`.
    pub fn setup(what: &str, reason: impl std::fmt::Display) -> Self {
        Self::Setup { what: what.to_owned(), reason: reason.to_string() }
    }
}

/// Runs the selected scenarios and returns every figure.
///
/// # Errors
/// The first scenario that cannot run.
pub async fn run_bench(
    options: &BenchOptions,
    registry: Arc<Vec<ConnectorDescriptor>>,
) -> Result<BenchReport, BenchError> {
    sql_count::ensure_installed();
    let sizes = Sizes::of(options);
    let runs = options.runs.max(1);
    let say = |line: String| {
        if let Some(progress) = &options.progress {
            progress(&line);
        }
    };
    let mut report = BenchReport::new(options.quick, runs);
    let wants = |s: Scenario| options.scenarios.contains(&s);

    if wants(Scenario::Ceiling) || wants(Scenario::Throughput) {
        for &backend in &options.backends {
            let mut passes = Vec::new();
            for pass in 1..=runs {
                let figures = ceiling_pass(backend, sizes.ceiling_runs, sizes.ceiling_workers).await?;
                say(format!("ceiling {} pass {pass}/{runs}: {:.0} runs/s", backend.as_str(), figures.runs_per_sec));
                passes.push(figures);
            }
            report.ceiling.push(CeilingSummary::of(backend, passes));
        }
    }

    if wants(Scenario::Throughput) {
        let first = BenchSandbox::start(&registry, 1).await?;
        first.bulk_hires(sizes.webhooks).await?;
        first.greenhouse_rate_limit(1_000_000_000, 1).await?;
        let mut bodies = first.hire_webhook_bodies().await?;
        drop(first);
        bodies.truncate(sizes.webhooks);
        let hires = sign_hires(bodies);
        for &backend in &options.backends {
            let ceiling = report.ceiling_of(backend);
            for &concurrency in sizes.concurrencies {
                let mut passes = Vec::new();
                for pass in 1..=runs {
                    // A fresh sandbox with the same seed holds the same hires, with no state from earlier passes.
                    let sandbox = BenchSandbox::start(&registry, 1).await?;
                    sandbox.bulk_hires(sizes.webhooks).await?;
                    sandbox.greenhouse_rate_limit(1_000_000_000, 1).await?;
                    sandbox.lift_slack_rate_limit().await?;
                    let figures =
                        throughput_pass(&registry, &sandbox, &hires, backend, concurrency, pass, sizes.timeout).await?;
                    say(format!(
                        "throughput {} c={concurrency} pass {pass}/{runs}: {:.0} runs/s, ack p99 {:.1} ms",
                        backend.as_str(),
                        figures.runs_per_sec,
                        figures.ack_p99_ms
                    ));
                    passes.push(figures);
                }
                report.throughput.push(ThroughputSummary::of(backend, concurrency, passes, ceiling));
            }
        }
    }

    if wants(Scenario::Backfill) {
        for &backend in &options.backends {
            let mut passes = Vec::new();
            for pass in 1..=runs {
                let figures =
                    backfill_pass(&registry, backend, sizes.backfill_hires, sizes.backfill_rate, sizes.timeout).await?;
                say(format!(
                    "backfill {} pass {pass}/{runs}: {} requests, {} × 429, {:.2} s",
                    backend.as_str(),
                    figures.greenhouse_requests,
                    figures.throttled,
                    figures.wall_secs
                ));
                passes.push(figures);
            }
            report.backfill.push(BackfillSummary::of(backend, passes));
        }
    }

    if wants(Scenario::History) {
        for &backend in &options.backends {
            say(format!("history {}: filling {} runs", backend.as_str(), sizes.history_runs));
            report.history.push(history_pass(backend, sizes.history_runs, sizes.history_repetitions).await?);
        }
    }

    if wants(Scenario::Idle) {
        let backend = options.backends.first().copied().unwrap_or(Backend::Sqlite);
        let settings = IdleSettings {
            recipes: sizes.idle_recipes,
            poll_every: sizes.idle_every,
            warm_up: sizes.idle_warm_up,
            window: sizes.idle_window,
            daemon_exe: options.daemon_exe.as_deref(),
        };
        let mut passes = Vec::new();
        for pass in 1..=runs {
            let figures = idle_pass(&registry, backend, settings).await?;
            say(format!(
                "idle {} pass {pass}/{runs}: {:.1} MiB, {:.2}% CPU",
                backend.as_str(),
                figures.rss_mib,
                figures.cpu_percent
            ));
            passes.push(figures);
        }
        report.idle.push(IdleSummary::of(backend, passes));
    }
    Ok(report)
}
