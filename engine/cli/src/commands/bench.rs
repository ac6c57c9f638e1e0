//! `hirewire bench`: runs the benchmark scenarios (throughput, ceiling, backfill, history, idle)
//! against the in-process sandbox, prints one table per scenario and writes every figure as JSON
//! with `--out`. This file parses the arguments; the scenarios and the tables live in the
//! `hirewire-bench` crate.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use hirewire_bench::{Backend, BenchOptions, Scenario, install_bench_logging, render_report, run_bench};

/// A scenario on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScenarioArg {
    /// Webhook-driven runs per second against the sandbox (includes `ceiling` for the ratio).
    Throughput,
    /// The store's own claim-and-complete cycle, no HTTP.
    Ceiling,
    /// 10,000 hires polled under a rate limit.
    Backfill,
    /// `runs list` / `runs show` latency at 1,000,000 runs.
    History,
    /// A daemon with 100 polling recipes, over a minute.
    Idle,
    /// Every scenario.
    All,
}

/// Which databases to run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DatabaseArg {
    /// A SQLite file.
    Sqlite,
    /// A fresh database on the local Postgres (`HIREWIRE_TEST_POSTGRES_URL`).
    Postgres,
    /// Both.
    Both,
}

/// Arguments of `hirewire bench`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Scenarios to run (all when none is given).
    #[arg(value_enum)]
    pub scenarios: Vec<ScenarioArg>,
    /// Tiny sizes, to check the harness (CI).
    #[arg(long)]
    pub quick: bool,
    /// Write every figure as JSON to this file.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The databases to run on.
    #[arg(long, value_enum, default_value = "both")]
    pub database: DatabaseArg,
    /// Passes per measurement; medians are reported.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Webhooks per throughput pass (default 20,000; 40 with --quick).
    #[arg(long)]
    pub webhooks: Option<usize>,
}

/// Runs the benchmarks.
pub async fn run(args: &BenchArgs) -> anyhow::Result<ExitCode> {
    install_bench_logging();
    let mut scenarios: Vec<Scenario> = if args.scenarios.is_empty() || args.scenarios.contains(&ScenarioArg::All) {
        Scenario::ALL.to_vec()
    } else {
        args.scenarios
            .iter()
            .filter_map(|s| match s {
                ScenarioArg::Throughput => Some(Scenario::Throughput),
                ScenarioArg::Ceiling => Some(Scenario::Ceiling),
                ScenarioArg::Backfill => Some(Scenario::Backfill),
                ScenarioArg::History => Some(Scenario::History),
                ScenarioArg::Idle => Some(Scenario::Idle),
                ScenarioArg::All => None,
            })
            .collect()
    };
    scenarios.sort_unstable();
    scenarios.dedup();
    let backends = match args.database {
        DatabaseArg::Sqlite => vec![Backend::Sqlite],
        DatabaseArg::Postgres => vec![Backend::Postgres],
        DatabaseArg::Both => vec![Backend::Sqlite, Backend::Postgres],
    };
    let options = BenchOptions {
        scenarios,
        quick: args.quick,
        runs: args.runs.max(1),
        backends,
        daemon_exe: std::env::current_exe().ok(),
        webhooks: args.webhooks,
        progress: Some(Arc::new(|line: &str| eprintln!("  {line}"))),
    };
    let report = run_bench(&options, Arc::new(hirewire_connectors::all())).await?;
    print!("{}", render_report(&report));
    if let Some(path) = &args.out {
        let json = serde_json::to_string_pretty(&report)?;
        std::fs::write(path, json).with_context(|| format!("writing {}", path.display()))?;
        println!("\nfigures written to {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
