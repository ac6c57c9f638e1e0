//! The Harvest v3 client: bearer tokens, the shared rate budget, in-call retries of
//! transient failures (backon, with jitter), error classification with Greenhouse's own
//! message, cursor pagination that follows `Link rel="next"` only, and id chunking.

use std::sync::Arc;
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use reqwest::Method;
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use serde_json::Value;

use hirewire_sdk::http_client::retry_after;
use hirewire_sdk::{ActionError, ErrorKind, HttpClient};

use super::auth::TokenSource;
use super::config::{Credential, Settings};
use super::models::{User, UserEmail};
use super::rate_limit::{RateBudget, budget_for};

/// Records per page on the first request of a listing.
pub const PER_PAGE: &str = "500";
/// The most ids a `*_ids` filter takes.
pub const MAX_IDS: usize = 50;
/// How many 429s one call waits out before giving up.
const MAX_RATE_LIMIT_WAITS: u32 = 5;

/// A Harvest v3 client for one connection.
pub struct GreenhouseClient {
    http: HttpClient,
    connection: String,
    base_url: String,
    user_email: String,
    tokens: TokenSource,
    budget: Arc<RateBudget>,
    acting_user: tokio::sync::OnceCell<i64>,
}

/// A successful answer.
struct Answer {
    headers: http::HeaderMap,
    body: String,
}

impl GreenhouseClient {
    /// A client for `settings`, sharing the credential's rate budget process-wide.
    #[must_use]
    pub fn new(http: HttpClient, connection: String, settings: &Settings) -> Self {
        let identity = match &settings.credential {
            Credential::ClientCredentials { client_id, .. } => format!("client:{client_id}"),
            Credential::ApiKey(key) => format!("key:{}", key.expose_secret()),
        };
        let budget = budget_for(&identity, &settings.base_url);
        let tokens = TokenSource::new(
            http.clone(),
            connection.clone(),
            settings.credential.clone(),
            settings.base_url.clone(),
            settings.auth_url.clone(),
        );
        Self {
            http,
            connection,
            base_url: settings.base_url.clone(),
            user_email: settings.user_email.clone(),
            tokens,
            budget,
            acting_user: tokio::sync::OnceCell::new(),
        }
    }

    /// The shared budget (for tests and diagnostics).
    #[must_use]
    pub fn budget(&self) -> &RateBudget {
        &self.budget
    }

    /// Obtains a token without a `sub` (the credential's service user): checks the credential.
    ///
    /// # Errors
    /// When the token endpoint refuses it.
    pub async fn check_credentials(&self) -> Result<(), ActionError> {
        self.tokens.token(None).await.map(|_| ())
    }

    /// The user id of `user_email`, looked up once (with a token minted without `sub`).
    ///
    /// # Errors
    /// When the lookup fails or no user has that email.
    pub async fn acting_user_id(&self) -> Result<i64, ActionError> {
        self.acting_user
            .get_or_try_init(|| self.lookup_user_id(&self.user_email, None))
            .await
            .copied()
    }

    /// The user id with `email` as primary or secondary address.
    async fn lookup_user_id(&self, email: &str, sub: Option<i64>) -> Result<i64, ActionError> {
        let params = vec![("primary_email".to_owned(), email.to_owned())];
        let users: Vec<User> = self.list_as("/v3/users", &params, sub).await?;
        if let Some(user) = users.first() {
            return Ok(user.id);
        }
        let params = vec![("email".to_owned(), email.to_owned())];
        let emails: Vec<UserEmail> = self.list_as("/v3/user_emails", &params, sub).await?;
        emails
            .first()
            .map(|e| e.user_id)
            .ok_or_else(|| ActionError::not_found(format!("no Greenhouse user has the email {email} (user_email)")))
    }

    /// Lists every record of `path` matching `params`, following `Link rel="next"`.
    ///
    /// # Errors
    /// Classified API errors.
    pub async fn list<T: DeserializeOwned>(
        &self,
        path: &str,
        params: &[(String, String)],
    ) -> Result<Vec<T>, ActionError> {
        let sub = Some(self.acting_user_id().await?);
        self.list_as(path, params, sub).await
    }

    /// Lists records whose `id_param` (e.g. `candidate_ids`) is one of `ids`, 50 ids per request.
    ///
    /// # Errors
    /// Classified API errors.
    pub async fn list_by_ids<T: DeserializeOwned>(
        &self,
        path: &str,
        id_param: &str,
        ids: &[i64],
        extra: &[(String, String)],
    ) -> Result<Vec<T>, ActionError> {
        let mut unique: Vec<i64> = ids.to_vec();
        unique.sort_unstable();
        unique.dedup();
        let mut out = Vec::new();
        for chunk in unique.chunks(MAX_IDS) {
            let mut params = extra.to_vec();
            params.push((id_param.to_owned(), join_ids(chunk)));
            out.extend(self.list::<T>(path, &params).await?);
        }
        Ok(out)
    }

    async fn list_as<T: DeserializeOwned>(
        &self,
        path: &str,
        params: &[(String, String)],
        sub: Option<i64>,
    ) -> Result<Vec<T>, ActionError> {
        let mut first = url::Url::parse(&format!("{}{path}", self.base_url))
            .map_err(|e| ActionError::permanent(format!("bad API URL for {path}: {e}")))?;
        {
            let mut q = first.query_pairs_mut();
            for (k, v) in params {
                q.append_pair(k, v);
            }
            q.append_pair("per_page", PER_PAGE);
        }
        let mut next = Some(first);
        let mut out = Vec::new();
        while let Some(url) = next.take() {
            let answer = self.execute(Method::GET, url, None, sub).await?;
            let page: Vec<T> = serde_json::from_str(&answer.body)
                .map_err(|e| ActionError::permanent(format!("GET {path}: answer is not the expected list: {e}")))?;
            out.extend(page);
            next = next_link(&answer.headers)
                .map(|raw| self.same_origin(&raw, path))
                .transpose()?;
        }
        Ok(out)
    }

    /// Only follow `next` links on the API host: the bearer token never leaves it.
    fn same_origin(&self, raw: &str, path: &str) -> Result<url::Url, ActionError> {
        let url = url::Url::parse(raw)
            .map_err(|e| ActionError::permanent(format!("GET {path}: bad Link rel=\"next\": {e}")))?;
        let base = url::Url::parse(&self.base_url).map_err(|e| ActionError::permanent(e.to_string()))?;
        if url.origin() != base.origin() {
            return Err(ActionError::permanent(format!(
                "GET {path}: Link rel=\"next\" points to another host"
            )));
        }
        Ok(url)
    }

    /// One cheap request (`per_page=1`, first page only) to see whether `path` may be listed.
    ///
    /// # Errors
    /// Classified API errors.
    pub async fn probe(&self, path: &str) -> Result<(), ActionError> {
        let sub = Some(self.acting_user_id().await?);
        let url = url::Url::parse(&format!("{}{path}?per_page=1", self.base_url))
            .map_err(|e| ActionError::permanent(format!("bad API URL for {path}: {e}")))?;
        self.execute(Method::GET, url, None, sub).await.map(|_| ())
    }

    /// Sends a JSON body (`POST`/`PATCH`) and returns the answer's JSON (`null` when empty).
    ///
    /// # Errors
    /// Classified API errors.
    pub async fn send_json(&self, method: Method, path: &str, body: &Value) -> Result<Value, ActionError> {
        let sub = Some(self.acting_user_id().await?);
        let url = url::Url::parse(&format!("{}{path}", self.base_url))
            .map_err(|e| ActionError::permanent(format!("bad API URL for {path}: {e}")))?;
        let answer = self.execute(method.clone(), url, Some(body), sub).await?;
        if answer.body.trim().is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&answer.body)
            .map_err(|e| ActionError::permanent(format!("{method} {path}: answer is not JSON: {e}")))
    }

    /// One call with its in-call retries: 401 renews the token once, 429 waits `Retry-After`,
    /// transient failures back off with jitter (three retries).
    async fn execute(
        &self,
        method: Method,
        url: url::Url,
        body: Option<&Value>,
        sub: Option<i64>,
    ) -> Result<Answer, ActionError> {
        let mut backoff = ExponentialBuilder::default()
            .with_jitter()
            .with_min_delay(Duration::from_millis(200))
            .with_max_delay(Duration::from_secs(5))
            .with_max_times(3)
            .build();
        let mut renewed = false;
        let mut rate_waits = 0;
        let what = format!("{method} {}", url.path());
        loop {
            self.budget.acquire().await;
            let token = self.tokens.token(sub).await?;
            let mut request = self
                .http
                .client()
                .request(method.clone(), url.clone())
                .bearer_auth(token.secret.expose_secret());
            if let Some(body) = body {
                request = request.json(body);
            }
            let sent = self.http.send(&self.connection, request).await;
            self.budget.complete(sent.as_ref().ok().map(reqwest::Response::headers));
            let response = match sent {
                Ok(r) => r,
                Err(e) if e.kind == ErrorKind::Transient => match backoff.next() {
                    Some(wait) => {
                        tracing::debug!(connection = %self.connection, %what, error = %e, "retrying after a transport error");
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    None => return Err(e),
                },
                Err(e) => return Err(e),
            };
            let status = response.status().as_u16();
            if (200..300).contains(&status) {
                let headers = response.headers().clone();
                let body = response
                    .text()
                    .await
                    .map_err(|e| hirewire_sdk::http_client::transport_error(&e))?;
                return Ok(Answer { headers, body });
            }
            let headers = response.headers().clone();
            let text = response.text().await.unwrap_or_default();
            let message = greenhouse_message(&text).unwrap_or_else(|| fallback_message(status, &text));
            match status {
                401 if !renewed => {
                    renewed = true;
                    self.tokens.invalidate(&token).await;
                }
                429 if rate_waits < MAX_RATE_LIMIT_WAITS => {
                    rate_waits += 1;
                    let wait = retry_after(&headers).unwrap_or(Duration::from_secs(1));
                    self.budget.block_for(wait);
                }
                500..=599 | 408 => match backoff.next() {
                    Some(wait) => tokio::time::sleep(wait).await,
                    None => return Err(ActionError::from_status(status, format!("{what}: {message}"), None)),
                },
                _ => {
                    return Err(ActionError::from_status(
                        status,
                        format!("{what}: {message}"),
                        retry_after(&headers),
                    ));
                }
            }
        }
    }
}

/// Comma-joins ids.
#[must_use]
pub fn join_ids(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// The `rel="next"` target of a `Link` header, if any.
#[must_use]
pub fn next_link(headers: &http::HeaderMap) -> Option<String> {
    for value in headers.get_all(http::header::LINK) {
        let Ok(text) = value.to_str() else { continue };
        for part in text.split(',') {
            let mut pieces = part.split(';');
            let target = pieces.next()?.trim();
            let is_next = pieces.any(|p| {
                let p = p.trim().replace(' ', "");
                p == "rel=\"next\"" || p == "rel=next"
            });
            if is_next && target.starts_with('<') && target.ends_with('>') {
                return Some(target[1..target.len() - 1].to_owned());
            }
        }
    }
    None
}

/// Greenhouse's own message: v3 `{"errors":["..."]}`, v1 `{"message":..., "errors":[{message, field}]}`.
#[must_use]
pub fn greenhouse_message(body: &str) -> Option<String> {
    let value: Value = serde_json::from_str(body).ok()?;
    let mut parts = Vec::new();
    if let Some(errors) = value.get("errors").and_then(Value::as_array) {
        for e in errors {
            match e {
                Value::String(s) => parts.push(s.clone()),
                Value::Object(o) => {
                    let msg = o.get("message").and_then(Value::as_str).unwrap_or("invalid");
                    match o.get("field").and_then(Value::as_str) {
                        Some(field) => parts.push(format!("{field}: {msg}")),
                        None => parts.push(msg.to_owned()),
                    }
                }
                _ => {}
            }
        }
    }
    if parts.is_empty() {
        if let Some(m) = value.get("message").and_then(Value::as_str) {
            parts.push(m.to_owned());
        } else if let Some(m) = value.get("error").and_then(Value::as_str) {
            parts.push(m.to_owned());
        }
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

fn fallback_message(status: u16, body: &str) -> String {
    let trimmed = body.trim();
    if trimmed.is_empty() {
        http::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("error")
            .to_owned()
    } else {
        trimmed.chars().take(300).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_of_each_error_body_shape() {
        assert_eq!(
            greenhouse_message(r#"{"errors":["When passing a cursor, do not include other query params."]}"#)
                .as_deref(),
            Some("When passing a cursor, do not include other query params.")
        );
        assert_eq!(
            greenhouse_message(r#"{"message":"Validation error","errors":[{"message":"Must be one of: candidate, prospect","field":"type"}]}"#)
                .as_deref(),
            Some("type: Must be one of: candidate, prospect")
        );
        assert_eq!(
            greenhouse_message(r#"{"message":"Resource not found"}"#).as_deref(),
            Some("Resource not found")
        );
        assert_eq!(greenhouse_message("<html>"), None);
    }

    #[test]
    fn next_link_only() {
        let mut h = http::HeaderMap::new();
        h.insert(
            http::header::LINK,
            "<https://h/v3/jobs?cursor=abc>; rel=\"next\"".parse().unwrap(),
        );
        assert_eq!(next_link(&h).as_deref(), Some("https://h/v3/jobs?cursor=abc"));
        h.insert(
            http::header::LINK,
            "<https://h/v1/c?page=9>; rel=\"last\"".parse().unwrap(),
        );
        assert_eq!(next_link(&h), None);
    }
}
