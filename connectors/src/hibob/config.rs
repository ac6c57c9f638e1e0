//! HiBob connection settings: a service user's id and token, and an optional base URL.

use hirewire_sdk::ConfigError;
use hirewire_sdk::connection_config::parse_connection_config;
use schemars::JsonSchema;
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::Value;

/// The public API host (the sandbox account is `https://api.sandbox.hibob.com`).
pub const DEFAULT_BASE_URL: &str = "https://api.hibob.com";

/// Settings of a `connector: hibob` connection.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HiBobConfig {
    /// The service user's id (Basic auth user name).
    pub service_user_id: String,
    /// The service user's token (Basic auth password). The service user needs a permission group.
    #[schemars(with = "String")]
    pub token: SecretString,
    /// The API host, e.g. `http://127.0.0.1:9000/hibob` for `hirewire sandbox` (default `https://api.hibob.com`).
    #[serde(default)]
    pub base_url: Option<String>,
}

impl HiBobConfig {
    /// Parses and checks a connection's settings.
    ///
    /// # Errors
    /// When a field is missing, unknown or malformed; never echoes a value.
    pub fn parse(config: Value) -> Result<Self, ConfigError> {
        let parsed: Self = parse_connection_config(config)?;
        if parsed.service_user_id.trim().is_empty() {
            return Err(ConfigError::new("service_user_id", "must not be empty"));
        }
        if let Some(url) = &parsed.base_url {
            url::Url::parse(url).map_err(|e| ConfigError::new("base_url", format!("not a URL: {e}")))?;
        }
        Ok(parsed)
    }

    /// The API root, ending in `/v1`.
    #[must_use]
    pub fn api_root(&self) -> String {
        format!("{}/v1", self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL).trim_end_matches('/'))
    }
}
