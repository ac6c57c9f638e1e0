//! Errors a connector returns, each carrying its own retry classification.
//!
//! Only the engine decides durable retries; it asks the error whether it is
//! transient ([`ActionError::is_transient`]) and how long to wait
//! ([`ActionError::retry_after`]). The remote system's own message is kept, so
//! that the run history says what the other side said.

use std::fmt;
use std::time::Duration;

/// The classes every connector error falls into (docs/contract.md section 4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// A 5xx, a timeout or a reset connection: retrying later may succeed.
    Transient,
    /// The remote asked us to slow down (429, or a throttling 503).
    RateLimited,
    /// The credential is missing, wrong, expired or lacks a permission.
    Auth,
    /// The remote rejected the input (400, 409, 422...).
    InvalidInput,
    /// The record does not exist.
    NotFound,
    /// Anything else that retrying will not fix.
    Permanent,
}

impl ErrorKind {
    /// The stable lowercase name used in run history and metrics.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Transient => "transient",
            Self::RateLimited => "rate_limited",
            Self::Auth => "auth",
            Self::InvalidInput => "invalid_input",
            Self::NotFound => "not_found",
            Self::Permanent => "permanent",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error from a connector's action, trigger or client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub struct ActionError {
    /// The class of the error, which drives retries.
    pub kind: ErrorKind,
    /// HTTP status of the remote's answer, when there was one.
    pub status: Option<u16>,
    /// The remote's own message, or ours when the remote gave none.
    pub message: String,
    /// The input field at fault, when the remote named one.
    pub field: Option<String>,
    /// How long the remote asked us to wait, in milliseconds.
    pub retry_after_ms: Option<u64>,
}

impl fmt::Display for ActionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(status) = self.status {
            write!(f, "{status} ")?;
        }
        if let Some(field) = &self.field
            && !self.message.contains(field.as_str())
        {
            write!(f, "{field}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl ActionError {
    /// A new error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self { kind, status: None, message: message.into(), field: None, retry_after_ms: None }
    }
    /// A transient error (network, 5xx, timeout).
    pub fn transient(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Transient, message)
    }
    /// A rate-limit error with the wait the remote asked for.
    pub fn rate_limited(message: impl Into<String>, retry_after: Option<Duration>) -> Self {
        Self::new(ErrorKind::RateLimited, message).with_retry_after(retry_after)
    }
    /// An authentication or permission error.
    pub fn auth(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Auth, message)
    }
    /// The remote (or the connector) rejected the input.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }
    /// The record does not exist.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }
    /// An error that retrying will not fix.
    pub fn permanent(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Permanent, message)
    }
    /// The HTTP status the remote answered with.
    #[must_use]
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }
    /// The input field at fault.
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
    /// The wait the remote asked for.
    #[must_use]
    pub fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.retry_after_ms = retry_after.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        self
    }
    /// Whether retrying the same call later may succeed.
    #[must_use]
    pub fn is_transient(&self) -> bool {
        matches!(self.kind, ErrorKind::Transient | ErrorKind::RateLimited)
    }
    /// How long the remote asked us to wait before trying again.
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after_ms.map(Duration::from_millis)
    }
    /// Classifies an HTTP status with the remote's message (docs/contract.md section 4.2).
    ///
    /// 408/5xx are transient, 429 is rate limited, 401/403 auth, 404/410 not
    /// found, 400/409/422 and other 4xx invalid input.
    pub fn from_status(status: u16, message: impl Into<String>, retry_after: Option<Duration>) -> Self {
        let kind = match status {
            429 => ErrorKind::RateLimited,
            408 | 500..=599 => ErrorKind::Transient,
            401 | 403 => ErrorKind::Auth,
            404 | 410 => ErrorKind::NotFound,
            400..=499 => ErrorKind::InvalidInput,
            _ => ErrorKind::Permanent,
        };
        Self::new(kind, message).with_status(status).with_retry_after(retry_after)
    }
    /// An input that did not deserialize into the action's typed input.
    #[must_use]
    pub fn from_input_error(err: &serde_path_to_error::Error<serde_json::Error>) -> Self {
        let path = err.path().to_string();
        let field = if path == "." { None } else { Some(path) };
        let mut e = Self::invalid_input(err.inner().to_string());
        e.field = field;
        e
    }
}

/// A connection's settings in `hirewire.yaml` could not be turned into a connection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ConfigError {
    /// The settings key at fault (`client_id`, `auth.bearer`...).
    pub field: String,
    /// What is wrong with it. Never contains a secret's value.
    pub message: String,
}

impl ConfigError {
    /// A new configuration error about `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

/// A webhook delivery was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// The signature header is missing or does not match (HTTP 401).
    #[error("webhook signature is missing or invalid")]
    BadSignature,
    /// The body is not what the connector expects (HTTP 400).
    #[error("webhook body is malformed: {0}")]
    Malformed(String),
    /// This connector or connection takes no webhooks (HTTP 404).
    #[error("this connection does not accept webhooks")]
    NotSupported,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_classification_follows_spec() {
        assert_eq!(ActionError::from_status(429, "slow down", None).kind, ErrorKind::RateLimited);
        assert_eq!(ActionError::from_status(503, "x", None).kind, ErrorKind::Transient);
        assert_eq!(ActionError::from_status(401, "x", None).kind, ErrorKind::Auth);
        assert_eq!(ActionError::from_status(404, "x", None).kind, ErrorKind::NotFound);
        assert_eq!(ActionError::from_status(409, "x", None).kind, ErrorKind::InvalidInput);
        assert!(ActionError::from_status(500, "x", None).is_transient());
        assert!(!ActionError::from_status(422, "x", None).is_transient());
    }

    #[test]
    fn display_keeps_remote_message_and_status() {
        let e = ActionError::from_status(409, "department 'Enginering' is not an existing option", None)
            .with_field("department");
        assert_eq!(e.to_string(), "409 department 'Enginering' is not an existing option");
        let e = ActionError::invalid_input("is required").with_field("workEmail");
        assert_eq!(e.to_string(), "workEmail: is required");
    }

    #[test]
    fn retry_after_round_trips() {
        let e = ActionError::rate_limited("x", Some(Duration::from_secs(3)));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
    }
}
