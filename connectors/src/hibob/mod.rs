//! HiBob (Bob): creates, updates and finds employees (REST API v1, service-user Basic auth).
//!
//! API facts: `docs/api-facts/hr-connectors.md` section 3. `work.site` and
//! `work.startDate` are required; search takes one filter and does not page;
//! PUT acts as a patch and answers 304 when nothing changes; a new service
//! user gets 403 until it is in a permission group; reads lag writes.

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

use self::client::HiBobClient;
use self::config::HiBobConfig;

/// A live HiBob connection.
#[derive(Debug)]
pub struct HiBobConnection {
    client: HiBobClient,
}

impl HiBobConnection {
    /// Builds a connection from its settings.
    ///
    /// # Errors
    /// When the settings are invalid.
    pub fn from_settings(settings: ConnectionSettings) -> Result<Self, ConfigError> {
        let config = HiBobConfig::parse(settings.config)?;
        Ok(Self { client: HiBobClient::new(settings.http, settings.name, &config) })
    }
}

#[async_trait]
impl Connection for HiBobConnection {
    async fn run_action(&self, action: &str, input: Value, cx: &ActionContext) -> Result<Value, ActionError> {
        actions::ACTIONS.run(&self.client, action, input, cx).await
    }

    async fn check(&self) -> Vec<CheckItem> {
        let result = self.client.find_by_email("hirewire-check@invalid.example", false).await;
        vec![CheckItem {
            what: "credentials and permissions: search people".into(),
            ok: result.is_ok(),
            detail: result.err().map_or_else(|| "ok".into(), |e| e.to_string()),
        }]
    }
}

fn connect(settings: ConnectionSettings) -> Result<Arc<dyn Connection>, ConfigError> {
    Ok(Arc::new(HiBobConnection::from_settings(settings)?))
}

/// The HiBob connector.
#[must_use]
pub fn descriptor() -> ConnectorDescriptor {
    ConnectorDescriptor {
        name: "hibob",
        description: "HiBob (Bob): create, update, find and upsert employees.",
        config: Shape::of::<HiBobConfig>(),
        config_example: json!({"service_user_id": "${HIBOB_SERVICE_USER_ID}", "token": "${HIBOB_TOKEN}"}),
        triggers: Vec::new(),
        actions: actions::ACTIONS.descriptors(),
        connect,
        // The registry names `fake::router` here when the `sandbox` feature is on.
        fake: None,
    }
}
