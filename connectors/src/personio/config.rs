//! Personio connection settings: API client credentials and an optional base URL.

use hirewire_sdk::ConfigError;
use hirewire_sdk::connection_config::parse_connection_config;
use schemars::JsonSchema;
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::Value;

/// The public API host.
pub const DEFAULT_BASE_URL: &str = "https://api.personio.de";

/// Settings of a `connector: personio` connection.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonioConfig {
    /// The API credential's client id.
    pub client_id: String,
    /// The API credential's client secret (exchanged at `/v1/auth` for a 24-hour token).
    #[schemars(with = "String")]
    pub client_secret: SecretString,
    /// The API host, e.g. `http://127.0.0.1:9000/personio` for `hirewire sandbox` (default `https://api.personio.de`).
    #[serde(default)]
    pub base_url: Option<String>,
    /// Sent as `X-Personio-Partner-ID` when set.
    #[serde(default)]
    pub partner_id: Option<String>,
    /// Sent as `X-Personio-App-ID` when set.
    #[serde(default)]
    pub app_id: Option<String>,
}

impl PersonioConfig {
    /// Parses and checks a connection's settings.
    ///
    /// # Errors
    /// When a field is missing, unknown or malformed; never echoes a value.
    pub fn parse(config: Value) -> Result<Self, ConfigError> {
        let parsed: Self = parse_connection_config(config)?;
        if parsed.client_id.trim().is_empty() {
            return Err(ConfigError::new("client_id", "must not be empty"));
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
