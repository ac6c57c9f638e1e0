//! Slack: posts messages to channels or, by email, to people (Web API
//! `chat.postMessage` with a bot token, or an incoming webhook).
//!
//! API facts: `docs/api-facts/hr-connectors.md` section 5. App errors arrive as HTTP 200
//! with `ok:false`; bursts over about one message a second per channel get
//! 429 with `Retry-After`; incoming webhooks answer plain text.

pub mod actions;
pub mod client;
pub mod config;
#[cfg(any(test, feature = "sandbox"))]
pub mod fake;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use hirewire_sdk::reexports::async_trait;
use hirewire_sdk::{
    ActionContext, ActionError, CheckItem, ConfigError, Connection, ConnectionSettings, ConnectorDescriptor,
    Shape,
};
use serde_json::{Value, json};

use self::client::SlackClient;
use self::config::SlackConfig;

/// A live Slack connection.
#[derive(Debug)]
pub struct SlackConnection {
    client: SlackClient,
}

impl SlackConnection {
    /// Builds a connection from its settings.
    ///
    /// # Errors
    /// When the settings are invalid (neither or both of `token` and `webhook_url`...).
    pub fn from_settings(settings: ConnectionSettings) -> Result<Self, ConfigError> {
        let (config, auth) = SlackConfig::parse(settings.config)?;
        Ok(Self { client: SlackClient::new(settings.http, settings.name, &config, auth) })
    }
}

#[async_trait]
impl Connection for SlackConnection {
    async fn run_action(&self, action: &str, input: Value, cx: &ActionContext) -> Result<Value, ActionError> {
        actions::ACTIONS.run(&self.client, action, input, cx).await
    }

    async fn check(&self) -> Vec<CheckItem> {
        let result = self.client.check_token().await;
        vec![CheckItem {
            what: "credentials: auth.test".into(),
            ok: result.is_ok(),
            detail: result.unwrap_or_else(|e| e.to_string()),
        }]
    }
}

fn connect(settings: ConnectionSettings) -> Result<Arc<dyn Connection>, ConfigError> {
    Ok(Arc::new(SlackConnection::from_settings(settings)?))
}

/// The Slack connector.
#[must_use]
pub fn descriptor() -> ConnectorDescriptor {
    ConnectorDescriptor {
        name: "slack",
        description: "Slack: post messages to channels or directly to people.",
        config: Shape::of::<SlackConfig>(),
        config_example: json!({"token": "${SLACK_BOT_TOKEN}"}),
        triggers: Vec::new(),
        actions: actions::ACTIONS.descriptors(),
        connect,
        // The registry names `fake::router` here when the `sandbox` feature is on.
        fake: None,
    }
}
