//! The live Greenhouse connection: runs actions, polls triggers, decodes webhooks,
//! completes events and checks permissions.

use std::sync::Arc;

use hirewire_sdk::reexports::async_trait;
use hirewire_sdk::{
    ActionContext, ActionError, CheckItem, ConfigError, Connection, ConnectionSettings, PollBatch, PollRequest,
    TriggerEvent, WebhookError, WebhookEvent,
};
use serde_json::Value;

use super::actions;
use super::check::check_connection;
use super::client::GreenhouseClient;
use super::config::Settings;
use super::enrichment::enrich;
use super::triggers::poll::poll_trigger;
use super::webhook::decode_delivery;

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
        client.budget().share_with(settings.cluster);
        Ok(Self {
            name: settings.name,
            settings: parsed,
            client,
        })
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
        tracing::debug!(connection = %self.name, action, run = %cx.run_id, step = %cx.step_id, "greenhouse action");
        actions::run_action(&self.client, action, input, cx).await
    }

    async fn poll(&self, request: PollRequest) -> Result<PollBatch, ActionError> {
        poll_trigger(&self.client, &request).await
    }

    fn decode_webhook(&self, headers: &http::HeaderMap, body: &[u8]) -> Result<Vec<WebhookEvent>, WebhookError> {
        decode_delivery(self.settings.webhook_secret.as_ref(), headers, body)
    }

    async fn enrich_event(&self, event: TriggerEvent) -> Result<TriggerEvent, ActionError> {
        enrich(&self.client, event).await
    }

    fn event_matches(&self, trigger: &str, params: &Value, payload: &Value) -> bool {
        trigger != "application_stage_changed" || crate::greenhouse::triggers::stage_change_matches(params, payload)
    }

    async fn check(&self) -> Vec<CheckItem> {
        check_connection(&self.client, &self.settings.user_email).await
    }
}
