//! The daemon's maintenance services, one file each, every one on its own interval and idempotent, so that
//! every node runs all of them: the lease rescuer, retention pruning and the node heartbeat (which also
//! refreshes this node's view of the cluster).

mod lease_rescuer;
mod node_heartbeat;
mod retention;

use std::time::Duration;

use hirewire_sdk::ClusterView;
use hirewire_store::Store;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::notify::Wakeup;

pub use lease_rescuer::{RESCUE_EVERY, rescue_expired_leases};
pub use node_heartbeat::{HEARTBEAT_EVERY, LIVE_NODE_WINDOW, beat, refresh_cluster_view};
pub use retention::{FIRST_PRUNE_AFTER, PRUNE_EVERY, prune_old_runs};

/// What the maintenance services work on.
#[derive(Clone)]
pub struct Maintenance {
    /// The run history.
    pub store: Store,
    /// This node's id.
    pub node: String,
    /// This node's view of the cluster (live nodes share budgets).
    pub cluster: ClusterView,
    /// Finished runs older than this are pruned.
    pub retention: Duration,
    /// Wakes workers when rescued runs are due again.
    pub wake: Wakeup,
}

impl Maintenance {
    /// Starts every service on `tasks`; each stops when `shutdown` changes.
    pub fn spawn(self, tasks: &mut JoinSet<()>, shutdown: &watch::Receiver<bool>) {
        tasks.spawn(lease_rescuer::run(self.store.clone(), self.wake.clone(), shutdown.clone()));
        tasks.spawn(retention::run(self.store.clone(), self.retention, shutdown.clone()));
        tasks.spawn(node_heartbeat::run(self.store, self.node, self.cluster, shutdown.clone()));
    }
}

/// Waits `every`; `false` once `shutdown` changed (the service then stops).
async fn wait_or_stop(every: Duration, shutdown: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        () = tokio::time::sleep(every) => true,
        _ = shutdown.changed() => false,
    }
}
