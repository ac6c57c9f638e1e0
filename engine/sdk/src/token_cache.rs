//! A cache for short-lived bearer tokens (OAuth2 client credentials, Personio
//! `/v1/auth`): one fetch at a time, renewed shortly before expiry and on
//! demand after a 401.

use std::future::Future;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::error::ActionError;

/// A token as the issuer returned it.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The token itself.
    pub value: SecretString,
    /// How long the issuer says it lives (`expires_in`); `None`: until a 401.
    pub expires_in: Option<Duration>,
}

#[derive(Debug)]
struct CachedToken {
    value: SecretString,
    renew_at: Option<Instant>,
}

/// Holds the current token of one credential.
#[derive(Debug, Default)]
pub struct TokenCache {
    current: Mutex<Option<CachedToken>>,
}

/// How early a token is renewed: a tenth of its life, at most one minute.
#[must_use]
pub fn renewal_margin(expires_in: Duration) -> Duration {
    (expires_in / 10).min(Duration::from_secs(60))
}

impl TokenCache {
    /// An empty cache.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The cached token, or a new one from `fetch` when there is none or it is
    /// about to expire. Concurrent callers wait for a single fetch.
    ///
    /// # Errors
    /// Whatever `fetch` returns.
    pub async fn token<F, Fut>(&self, fetch: F) -> Result<SecretString, ActionError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<IssuedToken, ActionError>>,
    {
        let mut current = self.current.lock().await;
        if let Some(cached) = current.as_ref().filter(|c| c.renew_at.is_none_or(|at| Instant::now() < at)) {
            return Ok(cached.value.clone());
        }
        let issued = fetch().await?;
        let renew_at = issued.expires_in.map(|life| Instant::now() + life - renewal_margin(life));
        *current = Some(CachedToken { value: issued.value.clone(), renew_at });
        Ok(issued.value)
    }

    /// Forgets `stale` (a token the remote refused with 401), unless another
    /// caller already replaced it.
    pub async fn invalidate(&self, stale: &SecretString) {
        let mut current = self.current.lock().await;
        if current.as_ref().is_some_and(|c| c.value.expose_secret() == stale.expose_secret()) {
            *current = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    async fn issue(counter: &AtomicU32, life: Option<Duration>) -> Result<IssuedToken, ActionError> {
        let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
        Ok(IssuedToken { value: SecretString::from(format!("token-{n}")), expires_in: life })
    }

    #[test]
    fn margin_is_a_tenth_capped_at_a_minute() {
        assert_eq!(renewal_margin(Duration::from_secs(100)), Duration::from_secs(10));
        assert_eq!(renewal_margin(Duration::from_secs(86_400)), Duration::from_secs(60));
    }

    #[tokio::test]
    async fn reuses_until_shortly_before_expiry() {
        let cache = TokenCache::new();
        let fetches = AtomicU32::new(0);
        let life = Some(Duration::from_millis(400));
        let t1 = cache.token(|| issue(&fetches, life)).await.unwrap();
        let t2 = cache.token(|| issue(&fetches, life)).await.unwrap();
        assert_eq!(t1.expose_secret(), t2.expose_secret());
        tokio::time::sleep(Duration::from_millis(370)).await;
        let t3 = cache.token(|| issue(&fetches, life)).await.unwrap();
        assert_eq!(t3.expose_secret(), "token-2");
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn invalidate_forgets_only_the_stale_token() {
        let cache = TokenCache::new();
        let fetches = AtomicU32::new(0);
        let t1 = cache.token(|| issue(&fetches, None)).await.unwrap();
        cache.invalidate(&SecretString::from("someone-else")).await;
        assert_eq!(cache.token(|| issue(&fetches, None)).await.unwrap().expose_secret(), "token-1");
        cache.invalidate(&t1).await;
        assert_eq!(cache.token(|| issue(&fetches, None)).await.unwrap().expose_secret(), "token-2");
    }
}
