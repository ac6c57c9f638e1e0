//! `hirewire bench`: runs the benchmark scenarios (throughput, ceiling, backfill, history, idle)
//! against the in-process sandbox, prints one table per scenario and writes every figure as JSON
//! with `--out`. The scenarios themselves live in `hirewire_runtime::bench`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use comfy_table::{ContentArrangement, Table};
use hirewire_runtime::bench::{Backend, BenchOptions, BenchReport, Scenario, run_bench, sql_count};

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
    init_bench_logging();
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
    print_report(&report);
    if let Some(path) = &args.out {
        let json = serde_json::to_string_pretty(&report)?;
        std::fs::write(path, json).with_context(|| format!("writing {}", path.display()))?;
        println!("\nfigures written to {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Warnings to stderr (or `RUST_LOG`), plus the counter of SQL statements.
fn init_bench_logging() {
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt as _;

    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let subscriber = tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_filter(filter))
        .with(sql_count::counting_layer());
    if tracing::subscriber::set_global_default(subscriber).is_ok() {
        sql_count::mark_installed();
    }
}

fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table.load_style(comfy_table::presets::UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
    table.set_header(header.iter().copied());
    table
}

fn print_report(report: &BenchReport) {
    let m = &report.machine;
    println!(
        "\nmachine: {} CPUs, {}, {} MiB, {}; {} pass(es) per figure, medians{}",
        m.cpus,
        m.cpu_model,
        m.memory_mib,
        m.os,
        report.runs,
        if report.quick { " (--quick sizes: not figures to quote)" } else { "" }
    );
    if !report.ceiling.is_empty() {
        let mut t = table(&["ceiling", "runs", "workers", "runs/s"]);
        for c in &report.ceiling {
            let first = c.passes.first();
            t.add_row(vec![
                c.backend.as_str().to_owned(),
                first.map_or(0, |p| p.runs).to_string(),
                first.map_or(0, |p| p.workers).to_string(),
                format!("{:.0}", c.runs_per_sec),
            ]);
        }
        println!("\n{t}");
    }
    if !report.throughput.is_empty() {
        let mut t = table(&[
            "throughput",
            "conc.",
            "webhooks",
            "runs/s",
            "of ceiling",
            "ack p50/p99 ms",
            "event→finished p50/p99 ms",
            "peak RSS MiB",
            "CPU s/1k runs",
            "stmts/run",
            "commits/run",
            "not ok",
        ]);
        for s in &report.throughput {
            t.add_row(vec![
                s.backend.as_str().to_owned(),
                s.concurrency.to_string(),
                s.webhooks.to_string(),
                format!("{:.0}", s.runs_per_sec),
                s.fraction_of_ceiling.map_or_else(|| "-".to_owned(), |f| format!("{:.0}%", f * 100.0)),
                format!("{:.2} / {:.2}", s.ack_p50_ms, s.ack_p99_ms),
                format!("{:.0} / {:.0}", s.event_to_finished_p50_ms, s.event_to_finished_p99_ms),
                format!("{:.0}", s.peak_rss_mib),
                format!("{:.2}", s.cpu_secs_per_1000_runs),
                format!("{:.1}", s.statements_per_run),
                format!("{:.1}", s.commits_per_run),
                s.runs_not_succeeded.to_string(),
            ]);
        }
        println!("\n{t}");
    }
    if !report.backfill.is_empty() {
        let mut t = table(&[
            "backfill",
            "hires",
            "rate",
            "GH requests",
            "req/event",
            "max 429s",
            "wall s",
            "floor s",
            "wall/floor",
        ]);
        for b in &report.backfill {
            let rate =
                b.passes.first().map_or_else(String::new, |p| format!("{}/{} s", p.rate.limit, p.rate.window_secs));
            t.add_row(vec![
                b.backend.as_str().to_owned(),
                b.hires.to_string(),
                rate,
                format!("{:.0}", b.greenhouse_requests),
                format!("{:.4}", b.requests_per_event),
                b.max_throttled.to_string(),
                format!("{:.2}", b.wall_secs),
                format!("{:.2}", b.floor_secs),
                format!("{:.2}", b.wall_over_floor),
            ]);
        }
        println!("\n{t}");
    }
    if !report.history.is_empty() {
        let mut t = table(&["history", "runs", "query", "rows", "median ms", "min ms", "max ms"]);
        for h in &report.history {
            for q in &h.queries {
                t.add_row(vec![
                    h.backend.as_str().to_owned(),
                    h.runs.to_string(),
                    q.query.clone(),
                    q.rows.to_string(),
                    format!("{:.2}", q.median_ms),
                    format!("{:.2}", q.min_ms),
                    format!("{:.2}", q.max_ms),
                ]);
            }
        }
        println!("\n{t}");
    }
    if !report.idle.is_empty() {
        let mut t =
            table(&["idle", "recipes", "poll every s", "window s", "RSS MiB", "peak MiB", "CPU %", "separate process"]);
        for i in &report.idle {
            let first = i.passes.first();
            t.add_row(vec![
                i.backend.as_str().to_owned(),
                i.recipes.to_string(),
                first.map_or(0, |p| p.poll_every_secs).to_string(),
                format!("{:.0}", first.map_or(0.0, |p| p.window_secs)),
                format!("{:.1}", i.rss_mib),
                format!("{:.1}", first.map_or(0.0, |p| p.peak_rss_mib)),
                format!("{:.2}", i.cpu_percent),
                first.is_some_and(|p| !p.in_process).to_string(),
            ]);
        }
        println!("\n{t}");
    }
}
