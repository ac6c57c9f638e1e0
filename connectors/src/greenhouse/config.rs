//! The Greenhouse connection's settings in `hirewire.yaml`, typed and documented.

use schemars::JsonSchema;
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::Value;

use hirewire_sdk::ConfigError;

/// The default Harvest API host.
pub const DEFAULT_BASE_URL: &str = "https://harvest.greenhouse.io";
/// The default OAuth token endpoint.
pub const DEFAULT_AUTH_URL: &str = "https://auth.greenhouse.io/token";

/// Which Greenhouse account a connection is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Environment {
    /// The live Greenhouse account.
    #[default]
    Production,
    /// A Greenhouse sandbox account.
    Sandbox,
}

/// Settings of a `connector: greenhouse` connection (Harvest API v3).
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GreenhouseConfig {
    /// Which Greenhouse account this is: `production` or `sandbox`.
    #[serde(default)]
    pub environment: Environment,
    /// Harvest v3 OAuth client id (client credentials); give it with `client_secret`, or give `api_key`.
    #[serde(default)]
    pub client_id: Option<String>,
    /// Harvest v3 OAuth client secret.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub client_secret: Option<SecretString>,
    /// A Harvest API key (as in the setup guide), exchanged for a v3 token.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub api_key: Option<SecretString>,
    /// The Greenhouse user the credential acts as (the token's `sub`); must be a Site Admin for list endpoints.
    pub user_email: String,
    /// The secret key of the Greenhouse webhooks pointing at this connection.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub webhook_secret: Option<SecretString>,
    /// The Harvest API host (default `https://harvest.greenhouse.io`), e.g. the sandbox's `http://127.0.0.1:9000/greenhouse`.
    #[serde(default)]
    pub base_url: Option<String>,
    /// The OAuth token endpoint (default `https://auth.greenhouse.io/token`).
    #[serde(default)]
    pub auth_url: Option<String>,
}

impl std::fmt::Debug for GreenhouseConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GreenhouseConfig")
            .field("environment", &self.environment)
            .field("client_id", &self.client_id)
            .field("user_email", &self.user_email)
            .field("base_url", &self.base_url)
            .field("auth_url", &self.auth_url)
            .finish_non_exhaustive()
    }
}

/// How the connection obtains its tokens.
#[derive(Clone)]
pub enum Credential {
    /// OAuth client credentials.
    ClientCredentials {
        /// The client id (not secret).
        client_id: String,
        /// The client secret.
        client_secret: SecretString,
    },
    /// A Harvest API key exchanged at `<base_url>/auth/token`.
    ApiKey(SecretString),
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::ClientCredentials { client_id, .. } => write!(f, "ClientCredentials({client_id}, [REDACTED])"),
            Self::ApiKey(_) => f.write_str("ApiKey([REDACTED])"),
        }
    }
}

/// The validated settings a connection runs with.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Which account.
    pub environment: Environment,
    /// How tokens are obtained.
    pub credential: Credential,
    /// The acting user's email.
    pub user_email: String,
    /// The webhook secret, when webhooks are used.
    pub webhook_secret: Option<SecretString>,
    /// API host without a trailing slash.
    pub base_url: String,
    /// Token endpoint.
    pub auth_url: String,
}

impl Settings {
    /// Parses and checks a connection's settings; errors name the field, never a value.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the key at fault.
    pub fn from_value(config: Value) -> Result<Self, ConfigError> {
        let parsed: GreenhouseConfig = serde_path_to_error_free(config)?;
        let credential = match (parsed.client_id, parsed.client_secret, parsed.api_key) {
            (Some(_), Some(_), Some(_)) => {
                return Err(ConfigError::new(
                    "api_key",
                    "give either client_id/client_secret or api_key, not both",
                ));
            }
            (Some(client_id), Some(client_secret), None) => {
                if client_id.trim().is_empty() {
                    return Err(ConfigError::new("client_id", "is empty"));
                }
                Credential::ClientCredentials {
                    client_id,
                    client_secret,
                }
            }
            (Some(_), None, _) => return Err(ConfigError::new("client_secret", "is required with client_id")),
            (None, Some(_), _) => return Err(ConfigError::new("client_id", "is required with client_secret")),
            (None, None, Some(key)) => Credential::ApiKey(key),
            (None, None, None) => {
                return Err(ConfigError::new(
                    "client_id",
                    "give client_id and client_secret (or api_key)",
                ));
            }
        };
        if !parsed.user_email.contains('@') {
            return Err(ConfigError::new("user_email", "is not an email address"));
        }
        let base_url = check_url("base_url", parsed.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL))?;
        let auth_url = check_url("auth_url", parsed.auth_url.as_deref().unwrap_or(DEFAULT_AUTH_URL))?;
        Ok(Self {
            environment: parsed.environment,
            credential,
            user_email: parsed.user_email,
            webhook_secret: parsed.webhook_secret,
            base_url,
            auth_url,
        })
    }
}

fn check_url(field: &str, raw: &str) -> Result<String, ConfigError> {
    let url = url::Url::parse(raw).map_err(|e| ConfigError::new(field, format!("is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ConfigError::new(field, "must be an http or https URL"));
    }
    Ok(raw.trim_end_matches('/').to_owned())
}

/// Deserializes the settings, reporting the failing key without echoing values.
fn serde_path_to_error_free(config: Value) -> Result<GreenhouseConfig, ConfigError> {
    hirewire_sdk::connection::parse_input::<GreenhouseConfig>(config).map_err(|e| {
        // serde names keys in `unknown field`/`missing field` messages but may quote a value in
        // type errors: keep only the key, and say what is wrong in our own words.
        let named = extract_backticked(&e.message);
        if e.message.starts_with("unknown field") {
            ConfigError::new(
                named.unwrap_or_else(|| "settings".into()),
                "is not a Greenhouse setting",
            )
        } else if e.message.starts_with("missing field") {
            ConfigError::new(named.unwrap_or_else(|| "settings".into()), "is required")
        } else if e.message.starts_with("unknown variant") {
            ConfigError::new("environment", "must be production or sandbox")
        } else {
            ConfigError::new(e.field.unwrap_or_else(|| "settings".into()), "has the wrong type")
        }
    })
}

fn extract_backticked(text: &str) -> Option<String> {
    let start = text.find('`')? + 1;
    let end = text[start..].find('`')? + start;
    Some(text[start..end].to_owned())
}
