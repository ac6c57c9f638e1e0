//! Personio: creates, updates and finds employees (API v1 with a `/v1/auth` token).
//!
//! API facts: `docs/api-facts/hr-connectors.md` section 4. Answers are `{success, data}`
//! envelopes, errors 422 `{success:false, error{code,message}}`; email is
//! immutable; attributes come as `{label, value, type, universal_id}`.

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

use self::client::PersonioClient;
use self::config::PersonioConfig;

/// A live Personio connection.
#[derive(Debug)]
pub struct PersonioConnection {
    client: PersonioClient,
}

impl PersonioConnection {
    /// Builds a connection from its settings.
    ///
    /// # Errors
    /// When the settings are invalid.
    pub fn from_settings(settings: ConnectionSettings) -> Result<Self, ConfigError> {
        let config = PersonioConfig::parse(settings.config)?;
        Ok(Self { client: PersonioClient::new(settings.http, settings.name, &config) })
    }
}

#[async_trait]
impl Connection for PersonioConnection {
    async fn run_action(&self, action: &str, input: Value, cx: &ActionContext) -> Result<Value, ActionError> {
        actions::ACTIONS.run(&self.client, action, input, cx).await
    }

    async fn check(&self) -> Vec<CheckItem> {
        let result = self.client.check_credentials().await;
        vec![CheckItem {
            what: "credentials: get a /v1/auth token".into(),
            ok: result.is_ok(),
            detail: result.err().map_or_else(|| "ok".into(), |e| e.to_string()),
        }]
    }
}

fn connect(settings: ConnectionSettings) -> Result<Arc<dyn Connection>, ConfigError> {
    Ok(Arc::new(PersonioConnection::from_settings(settings)?))
}

/// The Personio connector.
#[must_use]
pub fn descriptor() -> ConnectorDescriptor {
    ConnectorDescriptor {
        name: "personio",
        description: "Personio: create, update, find and upsert employees.",
        config: Shape::of::<PersonioConfig>(),
        config_example: json!({"client_id": "${PERSONIO_CLIENT_ID}", "client_secret": "${PERSONIO_CLIENT_SECRET}"}),
        triggers: Vec::new(),
        actions: actions::ACTIONS.descriptors(),
        connect,
        // The registry names `fake::router` here when the `sandbox` feature is on.
        fake: None,
    }
}
