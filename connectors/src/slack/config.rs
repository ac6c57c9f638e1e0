//! Slack connection settings: a bot token or an incoming-webhook URL (exactly one).

use hirewire_sdk::ConfigError;
use hirewire_sdk::connection_config::parse_connection_config;
use schemars::JsonSchema;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::Value;

/// The Web API host.
pub const DEFAULT_BASE_URL: &str = "https://slack.com";

/// Settings of a `connector: slack` connection.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SlackConfig {
    /// A bot token (`xoxb-…`, scopes `chat:write` and `users:read.email` to message people by email).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub token: Option<SecretString>,
    /// An incoming-webhook URL (`https://hooks.slack.com/services/T…/B…/…`); posts to its own channel only.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub webhook_url: Option<SecretString>,
    /// The Web API host, e.g. `http://127.0.0.1:9000/slack` for `hirewire sandbox` (default `https://slack.com`).
    #[serde(default)]
    pub base_url: Option<String>,
}

/// How a connection posts.
#[derive(Debug, Clone)]
pub enum SlackAuth {
    /// `chat.postMessage` with a bot token.
    Bot(SecretString),
    /// An incoming webhook.
    Webhook(SecretString),
}

impl SlackConfig {
    /// Parses and checks a connection's settings.
    ///
    /// # Errors
    /// When neither or both of `token` and `webhook_url` are given, or a field is malformed.
    pub fn parse(config: Value) -> Result<(Self, SlackAuth), ConfigError> {
        let parsed: Self = parse_connection_config(config)?;
        let auth = match (&parsed.token, &parsed.webhook_url) {
            (Some(token), None) => SlackAuth::Bot(token.clone()),
            (None, Some(url)) => {
                url::Url::parse(url.expose_secret()).map_err(|_| ConfigError::new("webhook_url", "is not a URL"))?;
                SlackAuth::Webhook(url.clone())
            }
            (Some(_), Some(_)) => {
                return Err(ConfigError::new("token", "give either `token` or `webhook_url`, not both"));
            }
            (None, None) => return Err(ConfigError::new("token", "give a bot `token` or a `webhook_url`")),
        };
        if let Some(url) = &parsed.base_url {
            url::Url::parse(url).map_err(|e| ConfigError::new("base_url", format!("not a URL: {e}")))?;
        }
        Ok((parsed, auth))
    }

    /// The Web API root, ending in `/api`.
    #[must_use]
    pub fn api_root(&self) -> String {
        format!("{}/api", self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL).trim_end_matches('/'))
    }
}
