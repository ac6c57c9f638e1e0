//! What `hirewire bench` reports: the machine, and per scenario the median of its passes (with
//! every pass kept), serialised as the `--out` JSON.

use serde::Serialize;

use super::backfill::BackfillPass;
use super::ceiling::CeilingPass;
use super::history::HistoryResult;
use super::idle::IdlePass;
use super::measure::median;
use super::project::Backend;
use super::throughput::ThroughputPass;

/// The machine the figures come from.
#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    /// Online CPUs (what `nproc` prints).
    pub cpus: usize,
    /// `model name` of `/proc/cpuinfo`.
    pub cpu_model: String,
    /// Total memory, MiB (`MemTotal` of `/proc/meminfo`).
    pub memory_mib: u64,
    /// The operating system and architecture.
    pub os: String,
}

impl Machine {
    /// Describes this machine.
    #[must_use]
    pub fn describe() -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find_map(|l| {
                l.strip_prefix("model name").and_then(|rest| rest.split_once(':')).map(|(_, m)| m.trim().to_owned())
            })
            .unwrap_or_else(|| "unknown".to_owned());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory_kib: u64 = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        Self {
            cpus: std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
            cpu_model,
            memory_mib: memory_kib / 1024,
            os: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
        }
    }
}

/// Every figure of one `hirewire bench` invocation.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    /// The machine.
    pub machine: Machine,
    /// Whether the sizes were the tiny CI ones.
    pub quick: bool,
    /// Passes per measurement.
    pub runs: usize,
    /// `ceiling`, per backend.
    pub ceiling: Vec<CeilingSummary>,
    /// `throughput`, per backend and concurrency.
    pub throughput: Vec<ThroughputSummary>,
    /// `backfill`, per backend.
    pub backfill: Vec<BackfillSummary>,
    /// `history`, per backend.
    pub history: Vec<HistoryResult>,
    /// `idle`.
    pub idle: Vec<IdleSummary>,
}

impl BenchReport {
    /// An empty report for this machine.
    #[must_use]
    pub fn new(quick: bool, runs: usize) -> Self {
        Self {
            machine: Machine::describe(),
            quick,
            runs,
            ceiling: Vec::new(),
            throughput: Vec::new(),
            backfill: Vec::new(),
            history: Vec::new(),
            idle: Vec::new(),
        }
    }

    /// The median ceiling measured on `backend`, if measured.
    #[must_use]
    pub fn ceiling_of(&self, backend: Backend) -> Option<f64> {
        self.ceiling.iter().find(|c| c.backend == backend).map(|c| c.runs_per_sec)
    }
}

/// The median `ceiling` of one backend.
#[derive(Debug, Clone, Serialize)]
pub struct CeilingSummary {
    /// The database.
    pub backend: Backend,
    /// Median runs completed per second.
    pub runs_per_sec: f64,
    /// Every pass.
    pub passes: Vec<CeilingPass>,
}

impl CeilingSummary {
    /// The median of `passes`.
    #[must_use]
    pub fn of(backend: Backend, passes: Vec<CeilingPass>) -> Self {
        let runs_per_sec = median(&passes.iter().map(|p| p.runs_per_sec).collect::<Vec<_>>());
        Self { backend, runs_per_sec, passes }
    }
}

/// The medians of `throughput` at one backend and concurrency.
#[derive(Debug, Clone, Serialize)]
pub struct ThroughputSummary {
    /// The database.
    pub backend: Backend,
    /// Webhooks in flight at once.
    pub concurrency: usize,
    /// Webhooks per pass.
    pub webhooks: usize,
    /// Median runs finished per second.
    pub runs_per_sec: f64,
    /// The median ceiling of the same backend in this invocation, if measured.
    pub ceiling_runs_per_sec: Option<f64>,
    /// `runs_per_sec / ceiling_runs_per_sec`.
    pub fraction_of_ceiling: Option<f64>,
    /// Median webhook acknowledgement p50, ms.
    pub ack_p50_ms: f64,
    /// Median webhook acknowledgement p99, ms.
    pub ack_p99_ms: f64,
    /// Median event-to-finished p50, ms.
    pub event_to_finished_p50_ms: f64,
    /// Median event-to-finished p99, ms.
    pub event_to_finished_p99_ms: f64,
    /// Median peak RSS, MiB.
    pub peak_rss_mib: f64,
    /// Median CPU seconds per 1,000 runs.
    pub cpu_secs_per_1000_runs: f64,
    /// Median SQL statements per run.
    pub statements_per_run: f64,
    /// Median commits per run.
    pub commits_per_run: f64,
    /// Runs that did not succeed, over all passes.
    pub runs_not_succeeded: usize,
    /// Every pass.
    pub passes: Vec<ThroughputPass>,
}

impl ThroughputSummary {
    /// The medians of `passes`, with `ceiling` (runs/s) for the ratio.
    #[must_use]
    pub fn of(backend: Backend, concurrency: usize, passes: Vec<ThroughputPass>, ceiling: Option<f64>) -> Self {
        let m = |f: fn(&ThroughputPass) -> f64| median(&passes.iter().map(f).collect::<Vec<_>>());
        let runs_per_sec = m(|p| p.runs_per_sec);
        Self {
            backend,
            concurrency,
            webhooks: passes.first().map_or(0, |p| p.webhooks),
            runs_per_sec,
            ceiling_runs_per_sec: ceiling,
            fraction_of_ceiling: ceiling.filter(|c| *c > 0.0).map(|c| runs_per_sec / c),
            ack_p50_ms: m(|p| p.ack_p50_ms),
            ack_p99_ms: m(|p| p.ack_p99_ms),
            event_to_finished_p50_ms: m(|p| p.event_to_finished_p50_ms),
            event_to_finished_p99_ms: m(|p| p.event_to_finished_p99_ms),
            peak_rss_mib: m(|p| p.peak_rss_mib),
            cpu_secs_per_1000_runs: m(|p| p.cpu_secs_per_1000_runs),
            statements_per_run: m(|p| p.statements_per_run),
            commits_per_run: m(|p| p.commits_per_run),
            runs_not_succeeded: passes.iter().map(|p| p.runs_not_succeeded).sum(),
            passes,
        }
    }
}

/// The medians of `backfill` on one backend.
#[derive(Debug, Clone, Serialize)]
pub struct BackfillSummary {
    /// The database.
    pub backend: Backend,
    /// Hires waiting in Greenhouse.
    pub hires: usize,
    /// Median Greenhouse requests.
    pub greenhouse_requests: f64,
    /// Median requests per event.
    pub requests_per_event: f64,
    /// Most 429s of any pass.
    pub max_throttled: u64,
    /// Median wall time, seconds.
    pub wall_secs: f64,
    /// Median floor, seconds.
    pub floor_secs: f64,
    /// Median `wall / floor`.
    pub wall_over_floor: f64,
    /// Every pass.
    pub passes: Vec<BackfillPass>,
}

impl BackfillSummary {
    /// The medians of `passes`.
    #[must_use]
    pub fn of(backend: Backend, passes: Vec<BackfillPass>) -> Self {
        #[allow(clippy::cast_precision_loss)]
        let m = |f: fn(&BackfillPass) -> f64| median(&passes.iter().map(f).collect::<Vec<_>>());
        #[allow(clippy::cast_precision_loss)]
        Self {
            backend,
            hires: passes.first().map_or(0, |p| p.hires),
            greenhouse_requests: m(|p| p.greenhouse_requests as f64),
            requests_per_event: m(|p| p.requests_per_event),
            max_throttled: passes.iter().map(|p| p.throttled).max().unwrap_or(0),
            wall_secs: m(|p| p.wall_secs),
            floor_secs: m(|p| p.floor_secs),
            wall_over_floor: m(|p| p.wall_over_floor),
            passes,
        }
    }
}

/// The medians of `idle`.
#[derive(Debug, Clone, Serialize)]
pub struct IdleSummary {
    /// The database.
    pub backend: Backend,
    /// Recipes loaded.
    pub recipes: usize,
    /// Median resident memory at the end of the window, MiB.
    pub rss_mib: f64,
    /// Median CPU over the window, percent of one core.
    pub cpu_percent: f64,
    /// Every pass.
    pub passes: Vec<IdlePass>,
}

impl IdleSummary {
    /// The medians of `passes`.
    #[must_use]
    pub fn of(backend: Backend, passes: Vec<IdlePass>) -> Self {
        let m = |f: fn(&IdlePass) -> f64| median(&passes.iter().map(f).collect::<Vec<_>>());
        Self {
            backend,
            recipes: passes.first().map_or(0, |p| p.recipes),
            rss_mib: m(|p| p.rss_mib),
            cpu_percent: m(|p| p.cpu_percent),
            passes,
        }
    }
}
