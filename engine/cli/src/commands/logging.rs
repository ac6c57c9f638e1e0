//! Logging set-up for short-lived commands (the daemon configures its own).

/// Logs warnings and errors to stderr, or what `RUST_LOG` asks for.
pub fn init_cli_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}
