//! The one way to wake workers: every writer that makes runs due (webhook and poll intake, clock ticks,
//! retries, the lease rescuer, a rescheduled run) calls [`Wakeup::runs_waiting`], which wakes this node's
//! workers at once and, when asked, other nodes through the store (Postgres `NOTIFY`); polling stays the
//! fallback for a lost notification.

use std::sync::Arc;
use std::time::Duration;

use hirewire_store::Store;
use tokio::sync::{Notify, watch};

/// How long to wait before listening again after the store's listener failed.
pub const RELISTEN_AFTER: Duration = Duration::from_secs(1);

/// Who has to hear that runs are waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// This node's workers only: the store already told other nodes in the transaction that recorded the runs
    /// (`record_webhook`, `record_poll`), or the runs are this node's own (a rescheduled run).
    ThisNode,
    /// This node's workers and every other node's (a retry, a clock tick, rescued runs).
    Cluster,
}

/// Wakes the workers of this node and, through the store, of the cluster.
#[derive(Clone)]
pub struct Wakeup {
    store: Store,
    local: Arc<Notify>,
}

impl Wakeup {
    /// A wake-up over `store` for this process's workers.
    #[must_use]
    pub fn new(store: Store) -> Self {
        Self { store, local: Arc::new(Notify::new()) }
    }

    /// Says that runs are waiting, to this node's workers and, with [`Reach::Cluster`], to other nodes. A
    /// failed cluster notification is logged: other nodes then find the runs by polling.
    pub async fn runs_waiting(&self, reach: Reach) {
        self.local.notify_one();
        if reach == Reach::Cluster
            && let Err(e) = self.store.notify_runs_recorded().await
        {
            tracing::debug!(error = %e, "could not notify other nodes; they will find the runs by polling");
        }
    }

    /// Resolves when a writer on this node (or, once forwarded, another node) said that runs are waiting.
    pub async fn notified(&self) {
        self.local.notified().await;
    }

    /// Forwards other nodes' announcements to this node's workers until shutdown (nothing to do on SQLite).
    pub async fn forward_cluster_announcements(self, mut shutdown: watch::Receiver<bool>) {
        let mut listener = match self.store.listen_for_runs().await {
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
                    Ok(()) => self.local.notify_one(),
                    Err(e) => {
                        tracing::warn!(error = %e, "listening for runs failed; retrying");
                        tokio::time::sleep(RELISTEN_AFTER).await;
                    }
                },
                _ = shutdown.changed() => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_writer_wakes_a_waiting_worker_whatever_the_reach() {
        let dir = tempfile::tempdir().expect("dir");
        let url = hirewire_store::resolve_sqlite_url("sqlite://wake.db", dir.path());
        let wake = Wakeup::new(Store::open(&url).await.expect("store"));
        for reach in [Reach::ThisNode, Reach::Cluster] {
            let worker = wake.clone();
            let waiting = tokio::spawn(async move { worker.notified().await });
            wake.runs_waiting(reach).await;
            tokio::time::timeout(Duration::from_secs(5), waiting).await.expect("woken").expect("worker");
        }
    }
}
