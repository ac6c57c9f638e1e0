//! `hirewire run`: the daemon, until SIGTERM or SIGINT.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use hirewire_runtime::{Daemon, DaemonOptions};

/// Arguments of `hirewire run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Log format: `text` or `json` (also `HIREWIRE_LOG_FORMAT`).
    #[arg(long, env = "HIREWIRE_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
    pub log_format: String,
    /// This node's id in the cluster (default: a random id).
    #[arg(long, env = "HIREWIRE_NODE_ID")]
    pub node_id: Option<String>,
    /// Runs executing at once on this node.
    #[arg(long, default_value_t = 32)]
    pub workers: usize,
    /// How long a claimed run stays with this node without a heartbeat, in seconds: after a
    /// crash, its runs continue on another node once this expires (also `HIREWIRE_LEASE_SECS`).
    #[arg(long, env = "HIREWIRE_LEASE_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub lease_secs: u64,
}

/// Runs the daemon until a termination signal.
pub async fn run(dir: &Path, args: &RunArgs) -> anyhow::Result<ExitCode> {
    super::logging::init_daemon_logging(&args.log_format);
    let mut options = DaemonOptions::new(dir);
    if let Some(node) = &args.node_id {
        options.worker.node.clone_from(node);
    }
    options.worker.max_in_flight = args.workers.max(1);
    options.worker.lease = std::time::Duration::from_secs(args.lease_secs);
    // A poll holds its trigger only while it pages; a dead node's trigger moves on soon after.
    options.poll_lease = std::time::Duration::from_secs(args.lease_secs.saturating_mul(2).min(120));
    let registry = Arc::new(hirewire_connectors::all());
    let daemon = Daemon::start(options, registry).await?;
    println!("hirewire listening on http://{}", daemon.addr);
    wait_for_termination().await;
    tracing::info!("stopping: no new claims; running steps may finish");
    daemon.stop().await;
    Ok(ExitCode::SUCCESS)
}

async fn wait_for_termination() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            let _ = tokio::signal::ctrl_c().await;
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
