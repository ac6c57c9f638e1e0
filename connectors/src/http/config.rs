//! Generic HTTP connection settings: base URL, auth, default headers and timeout.

use std::collections::BTreeMap;

use hirewire_sdk::ConfigError;
use hirewire_sdk::connection_config::parse_connection_config;
use schemars::JsonSchema;
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::Value;

/// Settings of a `connector: http` connection.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    /// The URL that request paths are relative to, e.g. `https://people.acme.example/api`.
    #[serde(default)]
    pub base_url: Option<String>,
    /// How requests authenticate; sent only to the base URL's origin. Default: none.
    #[serde(default)]
    pub auth: HttpAuth,
    /// Headers sent with every request (a request's own headers win).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Default timeout of a request, in milliseconds (default 30000).
    #[serde(default)]
    pub timeout_ms: Option<u64>,
}

/// How the client authenticates to a token endpoint.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuthStyle {
    /// HTTP Basic `client_id:client_secret` (RFC 6749 default).
    #[default]
    Basic,
    /// `client_id` and `client_secret` in the form body.
    Body,
}

/// A connection's authentication.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum HttpAuth {
    /// No authentication.
    #[default]
    None,
    /// HTTP Basic.
    Basic {
        /// User name.
        username: String,
        /// Password.
        #[schemars(with = "String")]
        password: SecretString,
    },
    /// `Authorization: Bearer <token>`.
    Bearer(#[schemars(with = "String")] SecretString),
    /// A header carrying a key, e.g. `X-Api-Key`.
    Header {
        /// Header name.
        name: String,
        /// Header value.
        #[schemars(with = "String")]
        value: SecretString,
    },
    /// A query parameter carrying a key.
    Query {
        /// Parameter name.
        name: String,
        /// Parameter value.
        #[schemars(with = "String")]
        value: SecretString,
    },
    /// OAuth2 client credentials; the token is cached and renewed before expiry and on 401.
    Oauth2ClientCredentials {
        /// The token endpoint.
        token_url: String,
        /// Client id.
        client_id: String,
        /// Client secret.
        #[schemars(with = "String")]
        client_secret: SecretString,
        /// Space-separated scopes to ask for.
        #[serde(default)]
        scope: Option<String>,
        /// Audience to ask for (some issuers need it).
        #[serde(default)]
        audience: Option<String>,
        /// How the client authenticates to the token endpoint (default basic).
        #[serde(default)]
        client_auth: ClientAuthStyle,
    },
}

impl HttpConfig {
    /// Parses and checks a connection's settings.
    ///
    /// # Errors
    /// When a field is missing, unknown or malformed; never echoes a value.
    pub fn parse(config: Value) -> Result<Self, ConfigError> {
        let parsed: Self = parse_connection_config(config)?;
        if let Some(url) = &parsed.base_url {
            let parsed_url =
                url::Url::parse(url).map_err(|e| ConfigError::new("base_url", format!("not a URL: {e}")))?;
            if !matches!(parsed_url.scheme(), "http" | "https") {
                return Err(ConfigError::new("base_url", "must be an http or https URL"));
            }
        }
        if let HttpAuth::Oauth2ClientCredentials { token_url, .. } = &parsed.auth {
            url::Url::parse(token_url)
                .map_err(|e| ConfigError::new("auth.oauth2_client_credentials.token_url", format!("not a URL: {e}")))?;
        }
        for name in parsed.headers.keys() {
            http::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| ConfigError::new(format!("headers.{name}"), "is not a valid header name"))?;
        }
        Ok(parsed)
    }
}
