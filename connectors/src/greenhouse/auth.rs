//! Harvest v3 access tokens: OAuth client credentials (with `sub` = the acting user) or a
//! Harvest API key exchanged at `<base_url>/auth/token`; cached per `sub`, renewed before
//! `expires_at` and after a 401.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use hirewire_sdk::http_client::{error_for_status, transport_error};
use hirewire_sdk::{ActionError, HttpClient};

use super::config::Credential;

/// Assumed lifetime when the token answer gives none (UNCONFIRMED: 1 h).
const DEFAULT_TTL: Duration = Duration::from_secs(3600);

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_at: Option<String>,
    #[serde(default)]
    expires_in: Option<f64>,
}

/// A cached token.
#[derive(Clone)]
pub struct AccessToken {
    /// The bearer token.
    pub secret: SecretString,
    /// Distinguishes tokens, so that a 401 drops only the token that failed.
    pub serial: u64,
    renew_at: Instant,
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken")
            .field("serial", &self.serial)
            .finish_non_exhaustive()
    }
}

/// Mints and caches tokens for one connection.
pub struct TokenSource {
    http: HttpClient,
    connection: String,
    credential: Credential,
    base_url: String,
    auth_url: String,
    cache: tokio::sync::Mutex<TokenCache>,
}

#[derive(Default)]
struct TokenCache {
    tokens: HashMap<Option<i64>, AccessToken>,
    minted: u64,
}

impl TokenSource {
    /// A token source for a connection.
    #[must_use]
    pub fn new(
        http: HttpClient,
        connection: String,
        credential: Credential,
        base_url: String,
        auth_url: String,
    ) -> Self {
        Self {
            http,
            connection,
            credential,
            base_url,
            auth_url,
            cache: tokio::sync::Mutex::default(),
        }
    }

    /// A valid token acting as `sub` (`None`: the credential's integration service user).
    ///
    /// # Errors
    /// When the token endpoint refuses the credential or cannot be reached.
    pub async fn token(&self, sub: Option<i64>) -> Result<AccessToken, ActionError> {
        // An API key's token acts as the key's own user: one token serves every `sub`.
        let key = if matches!(self.credential, Credential::ApiKey(_)) {
            None
        } else {
            sub
        };
        let mut cache = self.cache.lock().await;
        if let Some(token) = cache.tokens.get(&key).filter(|t| t.renew_at > Instant::now()) {
            return Ok(token.clone());
        }
        let (secret, ttl) = self.mint(key).await?;
        cache.minted += 1;
        let margin = (ttl / 5).min(Duration::from_secs(60));
        let token = AccessToken {
            secret,
            serial: cache.minted,
            renew_at: Instant::now() + ttl.saturating_sub(margin),
        };
        cache.tokens.insert(key, token.clone());
        Ok(token)
    }

    /// Forgets `token` after the API answered 401 with it (a newer token is kept).
    pub async fn invalidate(&self, token: &AccessToken) {
        let mut cache = self.cache.lock().await;
        cache.tokens.retain(|_, t| t.serial != token.serial);
    }

    async fn mint(&self, sub: Option<i64>) -> Result<(SecretString, Duration), ActionError> {
        let request = match &self.credential {
            Credential::ClientCredentials {
                client_id,
                client_secret,
            } => {
                let mut form = vec![("grant_type", "client_credentials".to_owned())];
                if let Some(sub) = sub {
                    form.push(("sub", sub.to_string()));
                }
                self.http
                    .client()
                    .post(&self.auth_url)
                    .basic_auth(client_id, Some(client_secret.expose_secret()))
                    .form(&form)
            }
            Credential::ApiKey(key) => self
                .http
                .client()
                .post(format!("{}/auth/token", self.base_url))
                .basic_auth(key.expose_secret(), Some("")),
        };
        let response = self.http.send(&self.connection, request).await?;
        let response = error_for_status(response, token_error_message).await.map_err(|e| {
            let mut e = e;
            e.message = format!("token request refused: {}", e.message);
            e
        })?;
        let answer: TokenAnswer = response.json().await.map_err(|e| {
            let mut err = transport_error(&e);
            err.message = "token answer is not the expected JSON".into();
            err
        })?;
        let ttl = answer
            .expires_at
            .as_deref()
            .and_then(parse_expires_at)
            .map(|at| (at - Utc::now()).to_std().unwrap_or(Duration::ZERO))
            .or_else(|| {
                answer
                    .expires_in
                    .filter(|s| s.is_finite() && *s > 0.0)
                    .map(Duration::from_secs_f64)
            })
            .unwrap_or(DEFAULT_TTL);
        Ok((SecretString::from(answer.access_token), ttl))
    }
}

/// Reads `expires_at` as RFC 3339 or `%Y-%m-%dT%H:%M:%S%z` (as Airbyte parses it).
fn parse_expires_at(raw: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(raw)
        .or_else(|_| DateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// OAuth errors (`{"error":"invalid_client"}`) with a hint of what to check.
fn token_error_message(_: &http::HeaderMap, body: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    let code = value.get("error").and_then(serde_json::Value::as_str)?;
    let hint = match code {
        "invalid_client" => " (check client_id/client_secret or api_key)",
        "invalid_grant" => " (check user_email: the user may not exist or be deactivated)",
        "unauthorized_client" => " (the credential may not use client credentials)",
        _ => "",
    };
    Some(format!("{code}{hint}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expires_at_reads_both_formats() {
        assert!(parse_expires_at("2026-11-28T14:00:00Z").is_some());
        assert!(parse_expires_at("2026-11-28T14:00:00+0000").is_some());
        assert!(parse_expires_at("2026-11-28T14:00:00.123Z").is_some());
        assert!(parse_expires_at("soon").is_none());
    }

    #[test]
    fn token_debug_hides_secret() {
        let t = AccessToken {
            secret: SecretString::from("jwt-secret-value"),
            serial: 1,
            renew_at: Instant::now(),
        };
        assert!(!format!("{t:?}").contains("jwt-secret-value"));
    }
}
