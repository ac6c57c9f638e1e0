//! Logging set-up: quiet for short-lived commands, structured for the daemon.

use tracing_subscriber::EnvFilter;

/// Logs warnings and errors to stderr, or what `RUST_LOG` asks for.
pub fn init_cli_logging() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

/// Daemon logs at `info` (or `RUST_LOG`), as text or one JSON object per line;
/// each line carries the run id, recipe and step it concerns.
pub fn init_daemon_logging(format: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,hyper=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if format == "json" { builder.json().try_init() } else { builder.try_init() };
}
