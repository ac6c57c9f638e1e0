//! `hirewire connections check [NAME]`: credentials, user lookup and
//! permissions of each connection, as its connector probes them.

use std::path::Path;
use std::process::ExitCode;

use clap::Subcommand;
use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use hirewire_core::env_expand::process_env;
use hirewire_core::validate::load_project;
use hirewire_runtime::connections::Connections;
use hirewire_sdk::HttpClient;

/// `hirewire connections ...`.
#[derive(Debug, Subcommand)]
pub enum ConnectionsCommand {
    /// Probe credentials, user lookup and permissions.
    Check {
        /// Only this connection.
        name: Option<String>,
    },
}

/// Runs `hirewire connections check`.
pub async fn run(dir: &Path, command: &ConnectionsCommand) -> anyhow::Result<ExitCode> {
    let ConnectionsCommand::Check { name } = command;
    let registry = hirewire_connectors::all();
    let project = match load_project(dir, &registry, &process_env) {
        Ok(project) => project,
        Err(report) => {
            for diagnostic in &report.diagnostics {
                eprintln!("{diagnostic}");
            }
            return Ok(ExitCode::from(1));
        }
    };
    let selected: Vec<_> =
        project.config.connections.values().filter(|c| name.as_ref().is_none_or(|n| &c.name == n)).collect();
    if let Some(n) = name
        && selected.is_empty()
    {
        eprintln!("error: no connection named `{n}` in hirewire.yaml");
        return Ok(ExitCode::from(2));
    }
    let connections = Connections::build(
        &registry,
        selected.iter().map(|c| (c.name.as_str(), c.connector.as_str(), c.settings())),
        &HttpClient::default(),
    )?;
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
    table.set_header(["connection", "check", "result", "detail"]);
    let mut all_ok = true;
    for config in &selected {
        let Some(live) = connections.get(&config.name) else { continue };
        let items = live.connection.check().await;
        if items.is_empty() {
            table.add_row([config.name.as_str(), "-", "skipped", "this connector has no checks"]);
        }
        for item in items {
            all_ok &= item.ok;
            table.add_row([
                config.name.clone(),
                item.what,
                if item.ok { "ok".into() } else { "FAILED".into() },
                item.detail,
            ]);
        }
    }
    println!("{table}");
    Ok(if all_ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
