//! Retention: finished runs older than `retention:` are pruned, shortly after start and then hourly, and so
//! are the logged-out web sessions whose cookies have expired.

use std::time::Duration;

use hirewire_store::{PruneReport, Store, StoreError};
use tokio::sync::watch;

use super::wait_or_stop;

/// How long after start the first prune runs.
pub const FIRST_PRUNE_AFTER: Duration = Duration::from_secs(5);
/// How often runs are pruned after that.
pub const PRUNE_EVERY: Duration = Duration::from_secs(3600);
/// The retention used when `retention:` does not fit a date computation.
pub const FALLBACK_RETENTION: chrono::TimeDelta = chrono::TimeDelta::days(90);

/// Prunes after `FIRST_PRUNE_AFTER`, then every `PRUNE_EVERY`, until shutdown.
pub(super) async fn run(store: Store, retention: Duration, mut shutdown: watch::Receiver<bool>) {
    let mut wait = FIRST_PRUNE_AFTER;
    while wait_or_stop(wait, &mut shutdown).await {
        match prune_old_runs(&store, retention).await {
            Ok(report) => tracing::info!(?report, "pruned old runs"),
            Err(e) => tracing::warn!(error = %e, "pruning failed"),
        }
        if let Err(e) = store.prune_ended_web_sessions(chrono::Utc::now()).await {
            tracing::warn!(error = %e, "pruning expired logged-out sessions failed");
        }
        wait = PRUNE_EVERY;
    }
}

/// Deletes the finished runs recorded more than `retention` ago.
///
/// # Errors
/// The store's error.
pub async fn prune_old_runs(store: &Store, retention: Duration) -> Result<PruneReport, StoreError> {
    let cutoff = chrono::Utc::now() - chrono::TimeDelta::from_std(retention).unwrap_or(FALLBACK_RETENTION);
    store.prune(cutoff).await
}
