//! The request budget of one Greenhouse credential: reads `X-RateLimit-*` on every answer
//! and paces requests so that a sync does not provoke a 429 (v3 counts a fixed 30 s window).
//!
//! One budget exists per credential and API host in the whole process (see [`budget_for`]),
//! so every recipe and connection using the same credential shares it. Across the nodes of a
//! cluster, each node sends at most its share of a window (the limit divided by the live nodes
//! of its [`ClusterView`]), so that N nodes together never exceed the credential's budget.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hirewire_sdk::ClusterView;
use sha2::{Digest, Sha256};

/// Safety margin added after a window's announced reset.
const RESET_MARGIN: Duration = Duration::from_millis(150);

#[derive(Debug, Default)]
struct BudgetState {
    limit: Option<u64>,
    remaining: Option<u64>,
    reset_epoch: Option<u64>,
    reset_at: Option<Instant>,
    blocked_until: Option<Instant>,
    in_flight: u64,
    /// Requests this node sent in the current window.
    sent_in_window: u64,
    /// The cluster this node belongs to (one node when unset).
    cluster: Option<ClusterView>,
}

impl BudgetState {
    /// How many more requests this node may send in the current window: what the API says is
    /// left, capped by this node's share of the limit (`None`: nothing known yet).
    fn available(&self) -> Option<u64> {
        let nodes = self.cluster.as_ref().map_or(1, ClusterView::live_nodes);
        let nodes = u64::try_from(nodes).unwrap_or(u64::MAX).max(1);
        let share_left = self
            .limit
            .map(|limit| (limit / nodes).max(1).saturating_sub(self.sent_in_window));
        match (self.remaining, share_left) {
            (Some(remaining), Some(share)) => Some(remaining.min(share)),
            (remaining, None) => remaining,
            (None, share) => share,
        }
    }
}

/// A shared request budget.
#[derive(Debug, Default)]
pub struct RateBudget {
    state: Mutex<BudgetState>,
}

impl RateBudget {
    /// Waits until a request may be sent without exceeding the window, and counts it.
    pub async fn acquire(&self) {
        loop {
            let wait = {
                let mut s = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                let now = Instant::now();
                if let Some(until) = s.blocked_until.filter(|u| *u > now) {
                    Some(until - now)
                } else {
                    s.blocked_until = None;
                    if let Some(reset_at) = s.reset_at.filter(|r| *r <= now) {
                        // A new window began: the full limit is available until an answer says otherwise.
                        let _ = reset_at;
                        s.remaining = s.limit;
                        s.reset_at = None;
                        // Requests still in flight may be counted in the new window.
                        s.sent_in_window = s.in_flight;
                    }
                    match s.available() {
                        Some(0) => match s.reset_at {
                            Some(r) => Some(r.saturating_duration_since(now)),
                            // A new window's first answers are on their way: they will say when it resets.
                            None if s.in_flight > 0 => Some(Duration::from_millis(20)),
                            // No reset announced at all: wait a second, then send one request to learn more.
                            None => {
                                s.remaining = Some(1);
                                s.sent_in_window = 0;
                                Some(Duration::from_secs(1))
                            }
                        },
                        Some(_) => {
                            s.remaining = s.remaining.map(|n| n.saturating_sub(1));
                            s.sent_in_window += 1;
                            s.in_flight += 1;
                            None
                        }
                        None => {
                            s.sent_in_window += 1;
                            s.in_flight += 1;
                            None
                        }
                    }
                }
            };
            match wait {
                Some(d) => tokio::time::sleep(d.max(Duration::from_millis(10))).await,
                None => return,
            }
        }
    }

    /// Ends a request counted by [`Self::acquire`], reading the budget headers of its answer
    /// (`None` when no answer came). Requests still in flight are not yet in the answer's
    /// `X-RateLimit-Remaining`, so they are subtracted from it.
    pub fn complete(&self, headers: Option<&http::HeaderMap>) {
        let mut s = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        s.in_flight = s.in_flight.saturating_sub(1);
        let Some(headers) = headers else { return };
        let read = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<f64>().ok())
        };
        let (Some(limit), Some(remaining)) = (read("x-ratelimit-limit"), read("x-ratelimit-remaining")) else {
            return;
        };
        s.limit = Some(to_count(limit));
        let remaining = to_count(remaining).saturating_sub(s.in_flight);
        let reset = read("x-ratelimit-reset").map(to_count);
        let same_window = reset.is_some() && reset == s.reset_epoch;
        if !same_window && reset.is_some() && s.reset_epoch.is_some() {
            // A new window: this answer and the requests still in flight count in it.
            s.sent_in_window = s.in_flight + 1;
        }
        s.remaining = Some(if same_window {
            s.remaining.map_or(remaining, |r| r.min(remaining))
        } else {
            remaining
        });
        if let Some(reset) = reset {
            s.reset_epoch = Some(reset);
            s.reset_at = Some(instant_of_reset(reset) + RESET_MARGIN);
        }
    }

    /// Blocks every request for `wait` (a 429's `Retry-After`).
    pub fn block_for(&self, wait: Duration) {
        let mut s = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let until = Instant::now() + wait;
        s.blocked_until = Some(s.blocked_until.map_or(until, |u| u.max(until)));
        s.remaining = Some(0);
        s.reset_at = Some(until);
    }

    /// Shares this budget with the other live nodes of `cluster`: each node then sends at most
    /// `limit / live_nodes` requests per window.
    pub fn share_with(&self, cluster: ClusterView) {
        let mut s = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        s.cluster = Some(cluster);
    }

    /// The last known `(limit, remaining)`.
    pub fn snapshot(&self) -> (Option<u64>, Option<u64>) {
        let s = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        (s.limit, s.remaining)
    }
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn to_count(v: f64) -> u64 {
    if v.is_finite() && v > 0.0 { v as u64 } else { 0 }
}

/// `X-RateLimit-Reset` is an epoch timestamp in v3; small values are read as seconds from now.
fn instant_of_reset(reset: u64) -> Instant {
    let now_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    #[allow(clippy::cast_precision_loss)]
    let reset_f = reset as f64;
    let secs_from_now = if reset < 1_000_000_000 {
        reset_f
    } else {
        reset_f - now_epoch
    };
    Instant::now() + Duration::from_secs_f64(secs_from_now.clamp(0.0, 3600.0))
}

/// The process-wide budget of one credential on one API host.
#[must_use]
pub fn budget_for(credential_identity: &str, base_url: &str) -> Arc<RateBudget> {
    static REGISTRY: OnceLock<Mutex<HashMap<String, Arc<RateBudget>>>> = OnceLock::new();
    let mut hasher = Sha256::new();
    hasher.update(credential_identity.as_bytes());
    hasher.update([0]);
    hasher.update(base_url.as_bytes());
    let key = hex::encode(hasher.finalize());
    let registry = REGISTRY.get_or_init(Mutex::default);
    let mut map = registry.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    Arc::clone(map.entry(key).or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(limit: u64, remaining: u64, reset: u64) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        h.insert("x-ratelimit-limit", limit.into());
        h.insert("x-ratelimit-remaining", remaining.into());
        h.insert("x-ratelimit-reset", reset.into());
        h
    }

    #[test]
    fn same_credential_shares_one_budget_and_others_do_not() {
        let a = budget_for("client:abc", "http://h");
        let b = budget_for("client:abc", "http://h");
        let c = budget_for("client:other", "http://h");
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
    }

    #[tokio::test]
    async fn exhausted_window_waits_for_reset() {
        let budget = RateBudget::default();
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
        budget.acquire().await;
        budget.complete(Some(&headers(5, 1, now + 1)));
        let start = Instant::now();
        budget.acquire().await; // the last one in this window
        assert!(start.elapsed() < Duration::from_millis(100));
        budget.acquire().await; // must wait for the reset
        assert!(
            start.elapsed() >= Duration::from_millis(100),
            "waited {:?}",
            start.elapsed()
        );
        assert_eq!(budget.snapshot(), (Some(5), Some(4)));
    }

    #[tokio::test]
    async fn exhausted_budget_without_reset_header_waits_a_second_then_goes_on() {
        let budget = RateBudget::default();
        let mut h = http::HeaderMap::new();
        h.insert("x-ratelimit-limit", 5.into());
        h.insert("x-ratelimit-remaining", 0.into());
        budget.acquire().await;
        budget.complete(Some(&h));
        let start = Instant::now();
        budget.acquire().await;
        assert!(start.elapsed() >= Duration::from_millis(900));
    }

    #[tokio::test]
    async fn requests_in_flight_are_not_counted_twice_as_available() {
        let budget = RateBudget::default();
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
        // Three requests sent before any answer; the first answer says 4 remain (others not counted yet).
        for _ in 0..3 {
            budget.acquire().await;
        }
        budget.complete(Some(&headers(6, 4, now + 30)));
        assert_eq!(budget.snapshot(), (Some(6), Some(2)));
    }
    #[tokio::test]
    async fn each_of_n_live_nodes_sends_at_most_its_share_of_a_window() {
        let budget = RateBudget::default();
        let cluster = ClusterView::with_live_nodes(2);
        budget.share_with(cluster.clone());
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
        budget.acquire().await;
        budget.complete(Some(&headers(10, 9, now + 30)));
        // Four more fit in this node's share of 5 (the API would allow 9).
        for _ in 0..4 {
            budget.acquire().await;
            budget.complete(Some(&headers(10, 8, now + 30)));
        }
        let sixth = tokio::time::timeout(Duration::from_millis(300), budget.acquire()).await;
        assert!(
            sixth.is_err(),
            "a sixth request in the window went out with 2 live nodes and a limit of 10"
        );
        // Alone again, the node may use what the API says is left.
        cluster.set_live_nodes(1);
        let alone = tokio::time::timeout(Duration::from_millis(300), budget.acquire()).await;
        assert!(alone.is_ok(), "with one live node the remaining budget is usable");
    }
}
