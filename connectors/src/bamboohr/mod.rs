//! BambooHR: creates, updates and finds employees (REST API v1, Basic auth with an API key).
//!
//! API facts: `docs/api-facts/hr-connectors.md` section 2. Creating answers 201 with an
//! empty body and the id in `Location`; updating is a POST; there is no email
//! filter, so lookups read the directory; list fields must match options (409).

pub mod actions;
pub mod client;
pub mod config;
#[cfg(any(test, feature = "sandbox"))]
pub mod fake;
mod lookup;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use hirewire_sdk::reexports::async_trait;
use hirewire_sdk::{
    ActionContext, ActionError, CheckItem, ConfigError, Connection, ConnectionSettings, ConnectorDescriptor,
    Shape,
};
use serde_json::{Value, json};

use self::client::BambooHrClient;
use self::config::BambooHrConfig;

/// A live BambooHR connection.
#[derive(Debug)]
pub struct BambooHrConnection {
    client: BambooHrClient,
}

impl BambooHrConnection {
    /// Builds a connection from its settings.
    ///
    /// # Errors
    /// When the settings are invalid.
    pub fn from_settings(settings: ConnectionSettings) -> Result<Self, ConfigError> {
        let config = BambooHrConfig::parse(settings.config)?;
        Ok(Self { client: BambooHrClient::new(settings.http, settings.name, &config) })
    }
}

#[async_trait]
impl Connection for BambooHrConnection {
    async fn run_action(&self, action: &str, input: Value, cx: &ActionContext) -> Result<Value, ActionError> {
        actions::ACTIONS.run(&self.client, action, input, cx).await
    }

    async fn check(&self) -> Vec<CheckItem> {
        let result = self.client.check_access().await;
        vec![CheckItem {
            what: "credentials: read the employee directory".into(),
            ok: result.is_ok(),
            detail: result.err().map_or_else(|| "ok".into(), |e| e.to_string()),
        }]
    }
}

fn connect(settings: ConnectionSettings) -> Result<Arc<dyn Connection>, ConfigError> {
    Ok(Arc::new(BambooHrConnection::from_settings(settings)?))
}

/// The BambooHR connector.
#[must_use]
pub fn descriptor() -> ConnectorDescriptor {
    ConnectorDescriptor {
        name: "bamboohr",
        description: "BambooHR: create, update, find and upsert employees.",
        config: Shape::of::<BambooHrConfig>(),
        config_example: json!({"company_domain": "acme", "api_key": "${BAMBOOHR_API_KEY}"}),
        triggers: Vec::new(),
        actions: actions::ACTIONS.descriptors(),
        connect,
        // The registry names `fake::router` here when the `sandbox` feature is on.
        fake: None,
    }
}
