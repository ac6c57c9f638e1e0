//! The daemon's credentials as they are now: the api token, the metrics token and the key that signs web
//! sessions, swapped together when `hirewire.yaml` is reloaded; the web sessions ended by logout; and the
//! per-client limit on failed authentication.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use hirewire_core::config::{ProjectConfig, check_token_strength};
use hmac::{Hmac, KeyInit, Mac};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::auth_limit::FailedAuthLimiter;

/// Overrides `api_token:`.
pub const API_TOKEN_VAR: &str = "HIREWIRE_API_TOKEN";

type HmacSha256 = Hmac<Sha256>;

/// An HMAC-SHA256 over `parts`, each followed by a unit separator.
#[must_use]
pub fn mac_of(key: &[u8], parts: &[&str]) -> HmacSha256 {
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes any key"));
    for part in parts {
        mac.update(part.as_bytes());
        mac.update(b"\x1f");
    }
    mac
}

/// One consistent set of credentials.
pub struct CredentialSet {
    api_token: Option<SecretString>,
    metrics_token: Option<SecretString>,
    session_key: [u8; 32],
}

impl CredentialSet {
    fn new(api_token: Option<SecretString>, metrics_token: Option<SecretString>) -> Self {
        // With an api token the key is derived from it (every node behind a load balancer agrees, and rotating
        // the token ends every session); without one it is random per process.
        let mut session_key = [0_u8; 32];
        match &api_token {
            Some(token) => session_key.copy_from_slice(
                &mac_of(token.expose_secret().as_bytes(), &["hirewire web session key v1"]).finalize().into_bytes(),
            ),
            None => rand::rng().fill_bytes(&mut session_key),
        }
        Self { api_token, metrics_token, session_key }
    }

    /// Whether an api token is configured (the pages and `/api` need it).
    #[must_use]
    pub fn requires_api_token(&self) -> bool {
        self.api_token.is_some()
    }

    /// Whether `presented` is the api token (constant time; false without one).
    #[must_use]
    pub fn api_token_matches(&self, presented: &str) -> bool {
        matches_secret(self.api_token.as_ref(), presented)
    }

    /// Whether `/metrics` needs a bearer token.
    #[must_use]
    pub fn requires_metrics_token(&self) -> bool {
        self.metrics_token.is_some()
    }

    /// Whether `presented` is the metrics token (constant time; false without one).
    #[must_use]
    pub fn metrics_token_matches(&self, presented: &str) -> bool {
        matches_secret(self.metrics_token.as_ref(), presented)
    }

    /// The key that signs sessions and CSRF tokens.
    #[must_use]
    pub fn session_key(&self) -> &[u8; 32] {
        &self.session_key
    }
}

fn matches_secret(secret: Option<&SecretString>, presented: &str) -> bool {
    secret.is_some_and(|s| bool::from(presented.as_bytes().ct_eq(s.expose_secret().as_bytes())))
}

/// The live credentials, shared by every handler.
pub struct Credentials {
    current: RwLock<Arc<CredentialSet>>,
    /// Session ids ended by logout, with the Unix time their cookie expires anyway.
    ended_sessions: Mutex<HashMap<String, i64>>,
    /// Failed authentication per client address.
    pub failures: FailedAuthLimiter,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let current = self.current();
        f.debug_struct("Credentials")
            .field("api_token_configured", &current.requires_api_token())
            .field("metrics_token_configured", &current.requires_metrics_token())
            .finish_non_exhaustive()
    }
}

impl Credentials {
    /// Credentials with these tokens (none: open on loopback, `/metrics` open).
    #[must_use]
    pub fn new(api_token: Option<SecretString>, metrics_token: Option<SecretString>) -> Self {
        Self {
            current: RwLock::new(Arc::new(CredentialSet::new(api_token, metrics_token))),
            ended_sessions: Mutex::new(HashMap::new()),
            failures: FailedAuthLimiter::default(),
        }
    }

    /// The credentials as they are now (one consistent set).
    #[must_use]
    pub fn current(&self) -> Arc<CredentialSet> {
        self.current.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Replaces the tokens; returns whether the api token changed (then every web session has ended, as the
    /// session key changed with it).
    pub fn replace(&self, api_token: Option<SecretString>, metrics_token: Option<SecretString>) -> bool {
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        let same_api_token = match (&current.api_token, &api_token) {
            (None, None) => true,
            (Some(old), Some(new)) => bool::from(old.expose_secret().as_bytes().ct_eq(new.expose_secret().as_bytes())),
            _ => false,
        };
        let next = if same_api_token {
            CredentialSet { api_token, metrics_token, session_key: current.session_key }
        } else {
            CredentialSet::new(api_token, metrics_token)
        };
        *current = Arc::new(next);
        !same_api_token
    }

    /// Ends the session `id` (its cookie would otherwise be valid until `expires_unix`).
    pub fn end_session(&self, id: &str, expires_unix: i64, now_unix: i64) {
        let mut ended = self.ended_sessions.lock().unwrap_or_else(PoisonError::into_inner);
        ended.retain(|_, expires| *expires > now_unix);
        ended.insert(id.to_owned(), expires_unix);
    }

    /// Whether the session `id` was ended by logout.
    #[must_use]
    pub fn session_ended(&self, id: &str) -> bool {
        self.ended_sessions.lock().unwrap_or_else(PoisonError::into_inner).contains_key(id)
    }
}

/// The api token in effect: `HIREWIRE_API_TOKEN` when set and not empty, else `api_token:`.
///
/// # Errors
/// The variable holds a token that is too short (the message never holds it).
pub fn effective_api_token(config: &ProjectConfig) -> anyhow::Result<Option<SecretString>> {
    match std::env::var(API_TOKEN_VAR).ok().filter(|t| !t.is_empty()) {
        Some(token) => {
            check_token_strength(API_TOKEN_VAR, &token).map_err(anyhow::Error::msg)?;
            Ok(Some(SecretString::from(token)))
        }
        None => Ok(config.api_token.clone()),
    }
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::Credentials;

    fn token(s: &str) -> Option<SecretString> {
        Some(SecretString::from(s.to_owned()))
    }

    #[test]
    fn replacing_the_api_token_changes_the_session_key_and_the_accepted_token() {
        let credentials = Credentials::new(token("old-token-0123456789abcdef"), None);
        let before = *credentials.current().session_key();
        assert!(!credentials.replace(token("old-token-0123456789abcdef"), token("metrics-0123456789abcdef")));
        assert_eq!(*credentials.current().session_key(), before, "same api token: sessions survive");
        assert!(credentials.current().metrics_token_matches("metrics-0123456789abcdef"));
        assert!(credentials.replace(token("new-token-0123456789abcdef"), None));
        let now = credentials.current();
        assert_ne!(*now.session_key(), before);
        assert!(now.api_token_matches("new-token-0123456789abcdef"));
        assert!(!now.api_token_matches("old-token-0123456789abcdef"));
        assert!(!now.requires_metrics_token());
    }

    #[test]
    fn ended_sessions_are_remembered_until_they_expire() {
        let credentials = Credentials::new(None, None);
        credentials.end_session("a", 100, 0);
        assert!(credentials.session_ended("a"));
        credentials.end_session("b", 300, 200);
        assert!(!credentials.session_ended("a"), "pruned once its cookie expired anyway");
        assert!(credentials.session_ended("b"));
    }

    #[test]
    fn debug_output_hides_the_tokens() {
        let credentials = Credentials::new(token("tok-0123456789abcdefghij"), token("met-0123456789abcdefghij"));
        let debug = format!("{credentials:?}");
        assert!(!debug.contains("tok-") && !debug.contains("met-"), "{debug}");
    }
}
