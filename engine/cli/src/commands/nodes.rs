//! `hirewire nodes`: the live nodes of a cluster sharing one database (docs/contract.md section 9), with
//! when each started and was last seen, as a table or as JSON.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use chrono::Utc;
use clap::Args;
use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use serde_json::json;

use super::project_store::store_settings;

/// `hirewire nodes`.
#[derive(Debug, Args)]
pub struct NodesArgs {
    /// Count a node as alive when it was seen within this long (nodes check in every 5 s).
    #[arg(long, default_value = "60s", value_parser = humantime::parse_duration)]
    pub within: Duration,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Runs `hirewire nodes` for the project in `dir`.
pub async fn run(dir: &Path, args: &NodesArgs) -> anyhow::Result<ExitCode> {
    let store = store_settings(dir)?.open().await?;
    let nodes = store.live_nodes(args.within).await.context("listing live nodes")?;
    let now = Utc::now();
    if args.json {
        let rows: Vec<_> = nodes
            .iter()
            .map(|n| {
                json!({
                    "id": n.id,
                    "started_at": n.started_at,
                    "last_seen": n.last_seen,
                    "seen_secs_ago": (now - n.last_seen).num_seconds().max(0),
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&json!({ "nodes": rows }))?);
        return Ok(ExitCode::SUCCESS);
    }
    if nodes.is_empty() {
        println!("no node seen within {}", humantime::format_duration(args.within));
        return Ok(ExitCode::SUCCESS);
    }
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic).set_header([
        "node",
        "started",
        "last seen",
        "ago",
    ]);
    for node in &nodes {
        table.add_row([
            node.id.clone(),
            node.started_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            node.last_seen.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            format!("{}s", (now - node.last_seen).num_seconds().max(0)),
        ]);
    }
    println!("{table}");
    println!("{} live node(s)", nodes.len());
    Ok(ExitCode::SUCCESS)
}
