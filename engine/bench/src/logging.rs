//! The bench process's tracing subscriber: warnings to stderr (or `RUST_LOG`), plus the layer
//! that counts the SQL statements the store executes ([`crate::sql_count`]).

use tracing_subscriber::Layer as _;
use tracing_subscriber::layer::SubscriberExt as _;

use crate::sql_count;

/// Installs the bench's global subscriber, and marks the statement counter installed when it is
/// the one in place. Does nothing when another global subscriber was set first.
pub fn install_bench_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let subscriber = tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_filter(filter))
        .with(sql_count::counting_layer());
    if tracing::subscriber::set_global_default(subscriber).is_ok() {
        sql_count::mark_installed();
    }
}
