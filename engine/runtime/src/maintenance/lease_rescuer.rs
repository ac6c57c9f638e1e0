//! The lease rescuer: runs whose lease expired (their node died or lost the database) are queued again and
//! the cluster's workers are woken for them.

use std::time::Duration;

use hirewire_store::Store;
use tokio::sync::watch;

use super::wait_or_stop;
use crate::notify::{Reach, Wakeup};

/// How often expired leases are looked for.
pub const RESCUE_EVERY: Duration = Duration::from_secs(5);

/// Rescues every `RESCUE_EVERY` until shutdown.
pub(super) async fn run(store: Store, wake: Wakeup, mut shutdown: watch::Receiver<bool>) {
    while wait_or_stop(RESCUE_EVERY, &mut shutdown).await {
        rescue_expired_leases(&store, &wake).await;
    }
}

/// Queues again the runs whose lease expired and wakes the workers for them; returns how many were rescued
/// (0 also when the store failed, which is logged).
pub async fn rescue_expired_leases(store: &Store, wake: &Wakeup) -> u64 {
    match store.rescue_expired_leases().await {
        Ok(0) => 0,
        Ok(n) => {
            tracing::warn!(runs = n, "rescued runs whose lease expired");
            wake.runs_waiting(Reach::Cluster).await;
            n
        }
        Err(e) => {
            tracing::warn!(error = %e, "lease rescue failed");
            0
        }
    }
}
