//! The live Greenhouse connection: runs actions, polls triggers, decodes webhooks,
//! completes events and checks permissions.

use std::sync::Arc;

use hirewire_sdk::reexports::async_trait;
use hirewire_sdk::{ActionContext, ActionError, ConfigError, Connection, ConnectionSettings};
use serde_json::Value;

use super::client::GreenhouseClient;
use super::config::Settings;

/// A live Greenhouse connection.
pub struct GreenhouseConnection {
    /// The connection's name in `hirewire.yaml`.
    pub name: String,
    /// Its validated settings.
    pub settings: Settings,
    /// Its API client.
    pub client: GreenhouseClient,
}

impl GreenhouseConnection {
    /// Builds the connection from its settings.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the setting at fault.
    pub fn from_settings(settings: ConnectionSettings) -> Result<Self, ConfigError> {
        let parsed = Settings::from_value(settings.config)?;
        let client = GreenhouseClient::new(settings.http, settings.name.clone(), &parsed);
        Ok(Self { name: settings.name, settings: parsed, client })
    }
}

/// `ConnectorDescriptor::connect` for Greenhouse.
///
/// # Errors
/// A [`ConfigError`] naming the setting at fault.
pub fn connect(settings: ConnectionSettings) -> Result<Arc<dyn Connection>, ConfigError> {
    Ok(Arc::new(GreenhouseConnection::from_settings(settings)?))
}

#[async_trait]
impl Connection for GreenhouseConnection {
    async fn run_action(&self, action: &str, input: Value, cx: &ActionContext) -> Result<Value, ActionError> {
        let _ = (input, cx);
        Err(ActionError::permanent(format!("greenhouse has no action {action}")))
    }
}
