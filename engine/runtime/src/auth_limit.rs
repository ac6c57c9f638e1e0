//! The limit on failed authentication per client address (the login form, `/api` bearer tokens and bearer
//! tokens on the pages): a bucket of [`FAILURE_BURST`] failures refilled one per [`FAILURE_REFILL`]. A client
//! whose bucket is empty gets 429 with `Retry-After` before its token is even compared.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::http::{Extensions, HeaderName, HeaderValue, header};

/// Failed attempts a client may make in a row.
pub const FAILURE_BURST: u32 = 10;
/// One more failed attempt is allowed after each of these.
pub const FAILURE_REFILL: Duration = Duration::from_secs(3);
/// Clients tracked before full buckets are forgotten.
const MAX_TRACKED_CLIENTS: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    /// Failures still allowed, in units of one failure.
    allowance: f64,
    updated: Instant,
}

impl Bucket {
    fn refilled(self, now: Instant) -> Self {
        let gained = now.saturating_duration_since(self.updated).as_secs_f64() / FAILURE_REFILL.as_secs_f64();
        Self { allowance: (self.allowance + gained).min(f64::from(FAILURE_BURST)), updated: now }
    }
}

/// Failed authentication by client address.
#[derive(Debug, Default)]
pub struct FailedAuthLimiter {
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl FailedAuthLimiter {
    /// How long `client` must wait before it may try again (none: it may try now).
    #[must_use]
    pub fn retry_after(&self, client: IpAddr) -> Option<Duration> {
        self.retry_after_at(client, Instant::now())
    }

    /// Records one failed attempt by `client`.
    pub fn record_failure(&self, client: IpAddr) {
        self.record_failure_at(client, Instant::now());
    }

    fn retry_after_at(&self, client: IpAddr, now: Instant) -> Option<Duration> {
        let buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let bucket = buckets.get(&client)?.refilled(now);
        (bucket.allowance < 1.0).then(|| FAILURE_REFILL.mul_f64(1.0 - bucket.allowance))
    }

    fn record_failure_at(&self, client: IpAddr, now: Instant) {
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if buckets.len() >= MAX_TRACKED_CLIENTS {
            let full = f64::from(FAILURE_BURST);
            buckets.retain(|_, bucket| bucket.refilled(now).allowance < full);
        }
        let fresh = Bucket { allowance: f64::from(FAILURE_BURST), updated: now };
        let bucket = buckets.entry(client).or_insert(fresh);
        *bucket = bucket.refilled(now);
        bucket.allowance = (bucket.allowance - 1.0).max(0.0);
    }
}

/// The client address of a request (from the connection; unspecified when the router is driven without one).
#[must_use]
pub fn client_ip(extensions: &Extensions) -> IpAddr {
    extensions.get::<ConnectInfo<SocketAddr>>().map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |ConnectInfo(addr)| addr.ip())
}

/// The `Retry-After` header for a wait (whole seconds, at least 1).
#[must_use]
pub fn retry_after_header(wait: Duration) -> (HeaderName, HeaderValue) {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    (header::RETRY_AFTER, HeaderValue::from(seconds.max(1)))
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};
    use std::time::{Duration, Instant};

    use super::{FAILURE_BURST, FAILURE_REFILL, FailedAuthLimiter, retry_after_header};

    #[test]
    fn a_client_is_held_back_after_a_burst_of_failures_and_let_in_again_later() {
        let limiter = FailedAuthLimiter::default();
        let (guesser, other) = (IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)));
        let start = Instant::now();
        for _ in 0..FAILURE_BURST {
            assert_eq!(limiter.retry_after_at(guesser, start), None);
            limiter.record_failure_at(guesser, start);
        }
        let wait = limiter.retry_after_at(guesser, start).expect("held back");
        assert!(wait > Duration::ZERO && wait <= FAILURE_REFILL, "{wait:?}");
        assert_eq!(limiter.retry_after_at(other, start), None, "other clients are not affected");
        assert_eq!(limiter.retry_after_at(guesser, start + FAILURE_REFILL), None, "one more try after the refill");
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_header(Duration::from_millis(2100)).1, "3");
        assert_eq!(retry_after_header(Duration::ZERO).1, "1");
    }
}
