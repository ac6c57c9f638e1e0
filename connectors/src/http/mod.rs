//! HTTP: calls any HTTP API with the connection's base URL and auth (none,
//! basic, bearer, header, query, OAuth2 client credentials).
//!
//! Facts: `docs/api-facts/hr-connectors.md` section 6 (Workato's and n8n's HTTP actions).
//! Retries within a step only on idempotent methods unless asked; auth goes
//! only to the base URL's origin.

pub mod actions;
pub mod auth;
pub mod client;
pub mod config;
#[cfg(any(test, feature = "sandbox"))]
pub mod fake;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use hirewire_sdk::reexports::async_trait;
use hirewire_sdk::{
    ActionContext, ActionError, ConfigError, Connection, ConnectionSettings, ConnectorDescriptor, Shape,
};
use serde_json::{Value, json};

use self::client::HttpRequestClient;
use self::config::HttpConfig;

/// A live HTTP connection.
#[derive(Debug)]
pub struct HttpConnection {
    client: HttpRequestClient,
}

impl HttpConnection {
    /// Builds a connection from its settings.
    ///
    /// # Errors
    /// When the settings are invalid.
    pub fn from_settings(settings: ConnectionSettings) -> Result<Self, ConfigError> {
        let config = HttpConfig::parse(settings.config)?;
        Ok(Self { client: HttpRequestClient::new(settings.http, settings.name, config) })
    }
}

#[async_trait]
impl Connection for HttpConnection {
    async fn run_action(&self, action: &str, input: Value, cx: &ActionContext) -> Result<Value, ActionError> {
        actions::ACTIONS.run(&self.client, action, input, cx).await
    }
}

fn connect(settings: ConnectionSettings) -> Result<Arc<dyn Connection>, ConfigError> {
    Ok(Arc::new(HttpConnection::from_settings(settings)?))
}

/// The generic HTTP connector.
#[must_use]
pub fn descriptor() -> ConnectorDescriptor {
    ConnectorDescriptor {
        name: "http",
        description: "HTTP: call any HTTP API with the connection's base URL and auth.",
        config: Shape::of::<HttpConfig>(),
        config_example: json!({"base_url": "https://people.acme.example/api", "auth": {"bearer": "${PEOPLE_API_TOKEN}"}}),
        triggers: Vec::new(),
        actions: actions::ACTIONS.descriptors(),
        connect,
        // The registry names `fake::router` here when the `sandbox` feature is on.
        fake: None,
    }
}
