//! `hirewire runs retry`: queue finished runs again (one, several, or by
//! filter), from the start or from a step, on the original or current recipe
//! version. The daemon executes them; finished steps before `--from-step` keep
//! their results and are not sent again.

use std::io::IsTerminal as _;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::Args;
use hirewire_runtime::notify::Wakeup;
use hirewire_runtime::ops::{ErrorClass, RetryRequest, parse_since_now, parse_status, parse_version, retry_run};
use hirewire_store::{RunFilter, RunStatus, Store};
use indicatif::{ProgressBar, ProgressStyle};

use super::runs::USAGE_ERROR;

/// `hirewire runs retry`.
#[derive(Debug, Args)]
pub struct RetryArgs {
    /// Runs to retry (or select them with --recipe/--status/--since).
    pub run_ids: Vec<String>,
    /// Retry runs of this recipe.
    #[arg(long, conflicts_with = "run_ids")]
    pub recipe: Option<String>,
    /// Retry runs with this status (with --recipe; usually `failed`).
    #[arg(long, requires = "recipe", value_parser = parse_status)]
    pub status: Option<RunStatus>,
    /// Only runs recorded within this long (24h, 7d) or since an RFC 3339 time.
    #[arg(long, requires = "recipe", value_parser = parse_since_now)]
    pub since: Option<DateTime<Utc>>,
    /// Retry from this step; earlier steps keep their results.
    #[arg(long)]
    pub from_step: Option<String>,
    /// Which recipe version runs the retry: `original` or `current`.
    #[arg(long, default_value = "original", value_parser = ["original", "current"])]
    pub version: String,
}

/// Runs `hirewire runs retry` against `store`.
pub async fn run(store: &Store, args: RetryArgs) -> anyhow::Result<ExitCode> {
    if args.run_ids.is_empty() && args.recipe.is_none() {
        eprintln!("error: name runs to retry, or select them with --recipe [--status S] [--since D]");
        return Ok(ExitCode::from(USAGE_ERROR));
    }
    let ids: Vec<String> = if args.run_ids.is_empty() {
        let filter = RunFilter {
            recipe: args.recipe.clone(),
            status: args.status,
            since: args.since,
            limit: 100_000,
            ..RunFilter::default()
        };
        // Oldest first, so that a recipe with concurrency 1 replays in event order.
        store.list_runs(&filter).await?.into_iter().rev().map(|r| r.id).collect()
    } else {
        args.run_ids.clone()
    };
    if ids.is_empty() {
        println!("no runs match");
        return Ok(ExitCode::SUCCESS);
    }
    let request = RetryRequest {
        from_step: args.from_step.clone(),
        version: parse_version(Some(&args.version)).map_err(anyhow::Error::msg)?,
        requested_by: format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "unknown".to_owned())),
    };
    // No workers in this process: the wake-up reaches the daemons through the store (Postgres), and on SQLite
    // they find the retries by polling.
    let wake = Wakeup::new(store.clone());
    let bar = if ids.len() > 1 && std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(ids.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} retried")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let mut retried = Vec::new();
    let mut failed = Vec::new();
    let mut exit = ExitCode::SUCCESS;
    for id in &ids {
        match retry_run(store, &wake, id, &request).await {
            Ok(new_id) => retried.push((id.clone(), new_id)),
            Err(e) => {
                exit = ExitCode::from(ErrorClass::of(&e).exit_code());
                failed.push((id.clone(), e.to_string()));
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    for (old, new) in &retried {
        println!("retry queued: {old} -> {new}");
    }
    for (id, why) in &failed {
        println!("not retried: {id}: {why}");
    }
    println!("{} retried, {} not retried; the daemon runs the retries", retried.len(), failed.len());
    Ok(exit)
}
