//! What a connection may know about the cluster it runs in: how many nodes are
//! alive, so that a budget shared by every node (a credential's rate limit) can
//! be split between them. The engine refreshes it; connectors only read it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A cheap, cloneable view of the cluster, shared by every connection of a node.
///
/// A single daemon (or a test) sees one live node, the default.
#[derive(Debug, Clone)]
pub struct ClusterView {
    live_nodes: Arc<AtomicUsize>,
}

impl Default for ClusterView {
    fn default() -> Self {
        Self::with_live_nodes(1)
    }
}

impl ClusterView {
    /// A view that starts with `count` live nodes (at least one).
    #[must_use]
    pub fn with_live_nodes(count: usize) -> Self {
        Self { live_nodes: Arc::new(AtomicUsize::new(count.max(1))) }
    }

    /// Live nodes in the cluster, this one included (never 0).
    #[must_use]
    pub fn live_nodes(&self) -> usize {
        self.live_nodes.load(Ordering::Relaxed).max(1)
    }

    /// Records how many nodes are alive now (0 is read as 1: this node is).
    /// Every clone of this view sees the new count.
    pub fn set_live_nodes(&self, count: usize) {
        self.live_nodes.store(count.max(1), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_count_and_it_never_drops_below_one() {
        let view = ClusterView::default();
        let clone = view.clone();
        assert_eq!(clone.live_nodes(), 1);
        view.set_live_nodes(3);
        assert_eq!(clone.live_nodes(), 3);
        view.set_live_nodes(0);
        assert_eq!(clone.live_nodes(), 1);
        assert_eq!(ClusterView::with_live_nodes(0).live_nodes(), 1);
    }
}
