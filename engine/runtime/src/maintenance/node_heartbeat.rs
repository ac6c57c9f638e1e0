//! The node heartbeat: this node says it is alive, and counts the live nodes into its cluster view so that
//! connections split shared rate budgets between them.

use std::time::Duration;

use hirewire_sdk::ClusterView;
use hirewire_store::Store;
use tokio::sync::watch;

use super::wait_or_stop;

/// How often this node heartbeats and refreshes its cluster view.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(5);
/// How recently a node must have been seen to count as alive for budget sharing (nodes heartbeat every
/// `HEARTBEAT_EVERY`; a dead node stops counting after this).
pub const LIVE_NODE_WINDOW: Duration = Duration::from_secs(20);

/// Heartbeats every `HEARTBEAT_EVERY` until shutdown.
pub(super) async fn run(store: Store, node: String, cluster: ClusterView, mut shutdown: watch::Receiver<bool>) {
    while wait_or_stop(HEARTBEAT_EVERY, &mut shutdown).await {
        beat(&store, &node, &cluster).await;
    }
}

/// One heartbeat: records `node` as seen now and refreshes `cluster` (failures are logged).
pub async fn beat(store: &Store, node: &str, cluster: &ClusterView) {
    if let Err(e) = store.upsert_node(node).await {
        tracing::warn!(error = %e, "node heartbeat failed");
    }
    refresh_cluster_view(store, cluster).await;
}

/// Counts live nodes into `cluster`. On a database error the last count stays (a smaller share is the safe
/// side).
pub async fn refresh_cluster_view(store: &Store, cluster: &ClusterView) {
    match store.live_nodes(LIVE_NODE_WINDOW).await {
        Ok(nodes) => cluster.set_live_nodes(nodes.len()),
        Err(e) => tracing::warn!(error = %e, "counting live nodes failed"),
    }
}
