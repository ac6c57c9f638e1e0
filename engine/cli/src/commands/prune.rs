//! `hirewire prune` (delete runs older than `retention:` and free the space) and `hirewire migrate`.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use hirewire_store::Backend;

use super::project_store::store_settings;

/// `hirewire prune`.
#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Delete finished runs older than this (e.g. 30d) instead of `retention:` from hirewire.yaml.
    #[arg(long, value_parser = humantime::parse_duration)]
    pub older_than: Option<Duration>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `hirewire prune` for the project in `dir`.
pub async fn run(dir: &Path, args: &PruneArgs) -> anyhow::Result<ExitCode> {
    let settings = store_settings(dir)?;
    let keep = args.older_than.unwrap_or(settings.retention);
    let cutoff = chrono::TimeDelta::from_std(keep)
        .ok()
        .and_then(|keep| chrono::Utc::now().checked_sub_signed(keep))
        .context("the retention period is too long")?;
    let store = settings.open().await?;
    let report = store.prune(cutoff).await.context("pruning runs")?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let freed = report.bytes_before.saturating_sub(report.bytes_after);
        println!(
            "pruned {} runs ({} steps) and {} webhook delivery ids older than {} (before {})",
            report.runs_deleted,
            report.steps_deleted,
            report.deliveries_deleted,
            humantime::format_duration(keep),
            cutoff.format("%Y-%m-%d %H:%M:%S UTC"),
        );
        let note = match store.backend() {
            Backend::Sqlite => "",
            Backend::Postgres => " (Postgres reuses vacuumed space for new runs)",
        };
        println!("database size: {} -> {} bytes, {freed} bytes freed{note}", report.bytes_before, report.bytes_after);
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `hirewire migrate`: applies pending migrations to the project's database.
pub async fn migrate(dir: &Path) -> anyhow::Result<ExitCode> {
    let store = store_settings(dir)?.open().await?;
    println!("database {} is migrated", store.display_url());
    Ok(ExitCode::SUCCESS)
}
