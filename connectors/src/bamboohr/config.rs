//! BambooHR connection settings: company domain, API key and an optional base URL.

use hirewire_sdk::ConfigError;
use hirewire_sdk::connection_config::parse_connection_config;
use schemars::JsonSchema;
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::Value;

/// The public API host; the company's API root is `{base_url}/api/gateway.php/{company_domain}/v1`.
pub const DEFAULT_BASE_URL: &str = "https://api.bamboohr.com";

/// Settings of a `connector: bamboohr` connection.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BambooHrConfig {
    /// The company's BambooHR subdomain (`acme` for acme.bamboohr.com).
    pub company_domain: String,
    /// An API key of a BambooHR user allowed to add and edit employees (sent as Basic auth `key:x`).
    #[schemars(with = "String")]
    pub api_key: SecretString,
    /// The API host, e.g. `http://127.0.0.1:9000/bamboohr` for `hirewire sandbox` (default `https://api.bamboohr.com`).
    #[serde(default)]
    pub base_url: Option<String>,
}

impl BambooHrConfig {
    /// Parses and checks a connection's settings.
    ///
    /// # Errors
    /// When a field is missing, unknown or malformed; never echoes a value.
    pub fn parse(config: Value) -> Result<Self, ConfigError> {
        let parsed: Self = parse_connection_config(config)?;
        let domain = parsed.company_domain.trim();
        if domain.is_empty() || !domain.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(ConfigError::new("company_domain", "must be the BambooHR subdomain, like `acme`"));
        }
        if let Some(url) = &parsed.base_url {
            url::Url::parse(url).map_err(|e| ConfigError::new("base_url", format!("not a URL: {e}")))?;
        }
        Ok(parsed)
    }

    /// The company's API root, ending in `/v1`.
    #[must_use]
    pub fn api_root(&self) -> String {
        let host = self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL).trim_end_matches('/');
        format!("{host}/api/gateway.php/{}/v1", self.company_domain.trim())
    }
}
