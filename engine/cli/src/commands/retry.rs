//! `hirewire runs retry`: queue finished runs again (one, several, or by
//! filter), from the start or from a step, on the original or current recipe
//! version. The daemon executes them; finished steps before `--from-step` keep
//! their results and are not sent again.

use std::io::IsTerminal as _;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::Args;
use hirewire_store::{RequeueVersion, RunFilter, RunStatus, Store};
use indicatif::{ProgressBar, ProgressStyle};

use super::runs::{parse_since, parse_status};

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
    #[arg(long, requires = "recipe", value_parser = parse_since)]
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
        return Ok(ExitCode::from(2));
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
    let version = if args.version == "current" { RequeueVersion::Current } else { RequeueVersion::Original };
    let requested_by = format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "unknown".to_owned()));
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
    for id in &ids {
        match store.requeue_run(id, args.from_step.as_deref(), version, Some(&requested_by)).await {
            Ok(new_id) => retried.push((id.clone(), new_id)),
            Err(e) => failed.push((id.clone(), e.to_string())),
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
    Ok(if failed.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
