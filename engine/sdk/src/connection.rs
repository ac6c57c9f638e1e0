//! A live connection: what the engine calls to run actions, poll triggers and
//! decode webhooks for one `connections:` entry of `hirewire.yaml`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{ActionError, WebhookError};
use crate::http_client::HttpClient;

/// What a connector receives to build a connection.
#[derive(Clone)]
pub struct ConnectionSettings {
    /// The connection's name in `hirewire.yaml` (`greenhouse`, `people_api`...).
    pub name: String,
    /// Its settings with `${VAR}` already expanded, minus `connector:`.
    /// Holds secrets: never log it.
    pub config: Value,
    /// The shared HTTP client.
    pub http: HttpClient,
    /// How many nodes share this connection's credentials (kept current by the engine).
    pub cluster: crate::cluster::ClusterView,
}

impl std::fmt::Debug for ConnectionSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionSettings")
            .field("name", &self.name)
            .field("live_nodes", &self.cluster.live_nodes())
            .finish_non_exhaustive()
    }
}

/// Context of one action call.
#[derive(Debug, Clone)]
pub struct ActionContext {
    /// The run's id.
    pub run_id: String,
    /// The step's id (with `for_each` index, e.g. `interviewers[2].dm`).
    pub step_id: String,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// A key stable across retries of this step, for remote idempotency headers.
    pub idempotency_key: String,
}

impl ActionContext {
    /// A context for tests and one-off calls.
    #[must_use]
    pub fn ad_hoc(step_id: &str) -> Self {
        Self {
            run_id: "ad-hoc".into(),
            step_id: step_id.into(),
            attempt: 1,
            idempotency_key: format!("ad-hoc:{step_id}"),
        }
    }
}

/// One event from a trigger, before it becomes a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TriggerEvent {
    /// The trigger's name (`candidate_hired`).
    pub trigger: String,
    /// A stable id: the same happening always gets the same id, whether it
    /// came by webhook or by poll, so that the engine can de-duplicate.
    pub event_id: String,
    /// When it happened at the source.
    pub occurred_at: DateTime<Utc>,
    /// The trigger's output (may be completed later by [`Connection::enrich_event`]).
    pub payload: Value,
    /// The candidate it concerns, when known.
    pub candidate_id: Option<i64>,
    /// The application it concerns, when known.
    pub application_id: Option<i64>,
    /// The job it concerns, when known.
    pub job_id: Option<i64>,
}

/// A request to poll one trigger.
#[derive(Debug, Clone)]
pub struct PollRequest {
    /// The trigger's name.
    pub trigger: String,
    /// The recipe's trigger parameters (`from_stage`...), as a JSON object.
    pub params: Value,
    /// The cursor the previous poll returned, or `None` on first start.
    pub cursor: Option<Value>,
    /// On first start: pick up events from this time.
    pub since: DateTime<Utc>,
    /// Now, as the engine sees it.
    pub now: DateTime<Utc>,
}

/// What one poll found.
#[derive(Debug, Clone, Default)]
pub struct PollBatch {
    /// New events, oldest first.
    pub events: Vec<TriggerEvent>,
    /// The cursor to store with these events (in the same transaction).
    pub cursor: Value,
    /// Whether more is waiting (poll again right away).
    pub more: bool,
}

/// One event decoded from a webhook delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookEvent {
    /// The delivery's id (`Greenhouse-Event-ID`), used to drop redeliveries.
    pub delivery_id: Option<String>,
    /// The event, in its trigger's documented shape.
    pub event: TriggerEvent,
}

/// One line of `hirewire connections check`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckItem {
    /// What was checked (`credentials`, `user lookup`, `permission: Candidates`).
    pub what: String,
    /// Whether it passed.
    pub ok: bool,
    /// Details, never a secret.
    pub detail: String,
}

/// A live connection.
#[async_trait]
pub trait Connection: Send + Sync {
    /// Runs `action` with its `with:` input (already rendered) and returns its output.
    async fn run_action(&self, action: &str, input: Value, cx: &ActionContext) -> Result<Value, ActionError>;

    /// Polls a trigger once.
    async fn poll(&self, request: PollRequest) -> Result<PollBatch, ActionError> {
        Err(ActionError::permanent(format!("trigger {} cannot poll", request.trigger)))
    }

    /// Verifies a webhook delivery's signature over the raw body and decodes
    /// it into events for each trigger it carries. Must not call the network:
    /// the delivery is acknowledged only after its runs are recorded.
    fn decode_webhook(&self, headers: &http::HeaderMap, body: &[u8]) -> Result<Vec<WebhookEvent>, WebhookError> {
        let _ = (headers, body);
        Err(WebhookError::NotSupported)
    }

    /// Completes an event's payload with what needs API calls (names of
    /// stages, interviewers' emails...). Called when the run starts.
    async fn enrich_event(&self, event: TriggerEvent) -> Result<TriggerEvent, ActionError> {
        Ok(event)
    }

    /// Checks the credentials and permissions (`hirewire connections check`).
    async fn check(&self) -> Vec<CheckItem> {
        Vec::new()
    }

    /// Whether a completed event passes the recipe's trigger parameters
    /// (`from_stage`/`to_stage`...). Polls filter by themselves; webhook
    /// deliveries carry every event, so the engine asks after `enrich_event`
    /// and records a run that does not match as `skipped`.
    fn event_matches(&self, trigger: &str, params: &Value, payload: &Value) -> bool {
        let _ = (trigger, params, payload);
        true
    }
}

/// Deserializes an action's typed input, naming the field at fault.
pub fn parse_input<T: serde::de::DeserializeOwned>(input: Value) -> Result<T, ActionError> {
    serde_path_to_error::deserialize(input).map_err(|e| ActionError::from_input_error(&e))
}

/// Serializes an action's typed output.
pub fn to_output<T: Serialize>(output: &T) -> Result<Value, ActionError> {
    serde_json::to_value(output).map_err(|e| ActionError::permanent(format!("output not serializable: {e}")))
}
