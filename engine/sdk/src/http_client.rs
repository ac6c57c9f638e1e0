//! The shared outbound HTTP client: one reqwest client (rustls on ring) for
//! every connection, with error classification, `Retry-After` parsing and
//! per-connection metrics, so that connectors never build their own stack.

use std::sync::Once;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::{RequestBuilder, Response, StatusCode};

use crate::error::ActionError;
use crate::metric_definitions::{API_CALLS_TOTAL, API_RATE_LIMITED_TOTAL};

static INSTALL_PROVIDER: Once = Once::new();

/// Installs ring as the process-wide rustls provider (idempotent).
pub fn install_crypto_provider() {
    INSTALL_PROVIDER.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// A cheap-to-clone handle on the shared client.
#[derive(Clone, Debug)]
pub struct HttpClient {
    inner: reqwest::Client,
}

impl Default for HttpClient {
    fn default() -> Self {
        Self::new(Duration::from_secs(30))
    }
}

impl HttpClient {
    /// A client with the given per-request timeout.
    ///
    /// # Panics
    /// When the TLS stack cannot be initialised (no root certificates at all).
    #[must_use]
    pub fn new(timeout: Duration) -> Self {
        install_crypto_provider();
        let inner = reqwest::Client::builder()
            .user_agent(concat!("hirewire/", env!("CARGO_PKG_VERSION")))
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(10))
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .expect("the HTTP client builds");
        Self { inner }
    }

    /// The underlying reqwest client, to build requests.
    #[must_use]
    pub fn client(&self) -> &reqwest::Client {
        &self.inner
    }

    /// Sends a request for `connection`, counting it, and turns transport
    /// failures into transient errors. The response is returned whatever its
    /// status: use [`error_for_status`] or the connector's own mapping.
    pub async fn send(&self, connection: &str, request: RequestBuilder) -> Result<Response, ActionError> {
        let result = request.send().await;
        let status = result.as_ref().map_or_else(|_| "error".to_owned(), |r| r.status().as_u16().to_string());
        metrics::counter!(API_CALLS_TOTAL, "connection" => connection.to_owned(), "status" => status).increment(1);
        match result {
            Ok(response) => {
                if response.status() == StatusCode::TOO_MANY_REQUESTS {
                    metrics::counter!(API_RATE_LIMITED_TOTAL, "connection" => connection.to_owned()).increment(1);
                }
                Ok(response)
            }
            Err(e) => Err(transport_error(&e)),
        }
    }
}

/// Classifies a transport error (never includes the URL's query, which may hold secrets).
#[must_use]
pub fn transport_error(e: &reqwest::Error) -> ActionError {
    let what = if e.is_timeout() {
        "request timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "response body could not be read"
    } else {
        "request failed"
    };
    let host = e.url().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default();
    if host.is_empty() {
        ActionError::transient(what.to_owned())
    } else {
        ActionError::transient(format!("{what} ({host})"))
    }
}

/// Reads `Retry-After` (seconds, or an HTTP date).
#[must_use]
pub fn retry_after(headers: &http::HeaderMap) -> Option<Duration> {
    let value = headers.get(http::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<f64>()
        && secs.is_finite()
        && secs >= 0.0
    {
        return Some(Duration::from_secs_f64(secs));
    }
    let date = DateTime::parse_from_rfc2822(value).ok()?;
    let wait = date.with_timezone(&Utc) - Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// Turns a non-2xx response into a classified error, using `message_of` to
/// pull the remote's own message out of the body (falls back to the body's
/// first 300 characters, then the status text).
pub async fn error_for_status(
    response: Response,
    message_of: impl FnOnce(&http::HeaderMap, &str) -> Option<String>,
) -> Result<Response, ActionError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let headers = response.headers().clone();
    let wait = retry_after(&headers);
    let body = response.text().await.unwrap_or_default();
    let message = message_of(&headers, &body).filter(|m| !m.trim().is_empty()).unwrap_or_else(|| {
        let trimmed = body.trim();
        if trimmed.is_empty() {
            status.canonical_reason().unwrap_or("error").to_owned()
        } else {
            trimmed.chars().take(300).collect()
        }
    });
    Err(ActionError::from_status(status.as_u16(), message, wait))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut h = http::HeaderMap::new();
        h.insert(http::header::RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(http::header::RETRY_AFTER, "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert(http::header::RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }
}
