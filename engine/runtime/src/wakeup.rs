//! Waking workers when runs are recorded: this node's workers at once, and
//! other nodes through the store (Postgres `NOTIFY`), with polling as fallback.

use std::sync::Arc;

use hirewire_store::Store;
use tokio::sync::{Notify, watch};

/// Tells this node's workers that runs were recorded by `record_webhook` or `record_poll`, which announced
/// them to other nodes in their own transaction.
pub fn wake_local_workers(wake: &Notify) {
    wake.notify_one();
}

/// Tells local and remote workers that runs are waiting.
pub async fn announce_runs(store: &Store, wake: &Notify) {
    wake.notify_one();
    if let Err(e) = store.notify_runs_recorded().await {
        tracing::debug!(error = %e, "could not notify other nodes; they will find the runs by polling");
    }
}

/// Forwards other nodes' announcements to this node's workers until shutdown.
pub async fn forward_announcements(store: Store, wake: Arc<Notify>, mut shutdown: watch::Receiver<bool>) {
    let mut listener = match store.listen_for_runs().await {
        Ok(Some(listener)) => listener,
        Ok(None) => return,
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for other nodes' runs; polling instead");
            return;
        }
    };
    loop {
        tokio::select! {
            got = listener.next() => match got {
                Ok(()) => wake.notify_one(),
                Err(e) => {
                    tracing::warn!(error = %e, "listening for runs failed; retrying");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
            },
            _ = shutdown.changed() => return,
        }
    }
}
