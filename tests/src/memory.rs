//! An in-memory connector for engine tests: it records every action call,
//! fails on demand, serves polls from a list and decodes simple webhooks, so
//! tests can check exactly what the engine sent, and how often.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use hirewire_sdk::reexports::async_trait;
use hirewire_sdk::{
    ActionContext, ActionDescriptor, ActionError, ConfigError, Connection, ConnectionSettings, ConnectorDescriptor,
    ErrorKind, PollBatch, PollRequest, Shape, TriggerDelivery, TriggerDescriptor, TriggerEvent, WebhookError,
    WebhookEvent,
};
use serde_json::{Value, json};

/// One recorded action call.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The action.
    pub action: String,
    /// The step id (with `for_each` index).
    pub step_id: String,
    /// The attempt number the engine passed.
    pub attempt: u32,
    /// The rendered input.
    pub input: Value,
}

/// A planned failure of the next calls of a step.
#[derive(Debug, Clone)]
pub struct Failure {
    /// How many calls fail.
    pub times: u32,
    /// Their class.
    pub kind: ErrorKind,
    /// The message.
    pub message: String,
    /// Retry-After to report.
    pub retry_after: Option<Duration>,
}

/// The shared state behind one `bucket`.
#[derive(Debug, Default)]
pub struct Backend {
    /// Every action call, in order.
    pub calls: Mutex<Vec<Call>>,
    /// Planned failures by step id.
    pub failures: Mutex<HashMap<String, Failure>>,
    /// Events served to polls, oldest first.
    pub events: Mutex<Vec<TriggerEvent>>,
    /// Employees by email (the `upsert` action).
    pub employees: Mutex<BTreeMap<String, u64>>,
    /// How many times `enrich_event` ran.
    pub enrichments: Mutex<u32>,
    /// Steps that block until released (to simulate a crash mid-step).
    pub gates: Mutex<HashMap<String, Arc<tokio::sync::Semaphore>>>,
}

impl Backend {
    /// The backend for `bucket` (created on first use).
    #[must_use]
    pub fn get(bucket: &str) -> Arc<Self> {
        static ALL: OnceLock<Mutex<HashMap<String, Arc<Backend>>>> = OnceLock::new();
        ALL.get_or_init(Mutex::default).lock().expect("buckets").entry(bucket.to_owned()).or_default().clone()
    }
    /// Calls of `step_id`.
    #[must_use]
    pub fn calls_of(&self, step_id: &str) -> Vec<Call> {
        self.calls.lock().expect("calls").iter().filter(|c| c.step_id == step_id).cloned().collect()
    }
    /// All calls.
    #[must_use]
    pub fn all_calls(&self) -> Vec<Call> {
        self.calls.lock().expect("calls").clone()
    }
    /// Makes the next `times` calls of `step_id` fail with `kind`.
    pub fn fail(&self, step_id: &str, times: u32, kind: ErrorKind, message: &str) {
        self.failures
            .lock()
            .expect("failures")
            .insert(step_id.to_owned(), Failure { times, kind, message: message.to_owned(), retry_after: None });
    }
    /// Adds an event for polls.
    pub fn push_event(&self, event: TriggerEvent) {
        self.events.lock().expect("events").push(event);
    }
    /// Makes calls of `step_id` wait until `release` is called.
    pub fn gate(&self, step_id: &str) -> Arc<tokio::sync::Semaphore> {
        let gate = Arc::new(tokio::sync::Semaphore::new(0));
        self.gates.lock().expect("gates").insert(step_id.to_owned(), gate.clone());
        gate
    }
}

/// Settings of a memory connection.
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MemoryConfig {
    /// Which shared backend to use.
    pub bucket: String,
    /// The webhook secret (sent as `X-Memory-Signature`).
    #[serde(default)]
    pub webhook_secret: Option<String>,
}

/// Any object.
pub type AnyObject = serde_json::Map<String, Value>;

/// Output of `upsert`.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub struct UpsertOutput {
    /// The employee id.
    pub id: u64,
    /// Whether it was created.
    pub created: bool,
}

/// The descriptor of the `memory` connector.
#[must_use]
pub fn descriptor() -> ConnectorDescriptor {
    ConnectorDescriptor {
        name: "memory",
        description: "In-memory connector for engine tests.",
        config: Shape::of::<MemoryConfig>(),
        config_example: json!({ "bucket": "test" }),
        triggers: vec![
            TriggerDescriptor::new::<hirewire_sdk::descriptor::NoParams, AnyObject>(
                "event",
                "An event pushed by the test.",
                TriggerDelivery { webhook_actions: vec!["event"], poll: true },
            )
            .example(json!({ "candidate": { "id": 1 } })),
        ],
        actions: vec![
            ActionDescriptor::new::<AnyObject, AnyObject>("record", "Records its input.").example(json!({}), json!({})),
            ActionDescriptor::new::<AnyObject, UpsertOutput>("upsert", "Creates an employee once per email.")
                .example(json!({ "email": "a@b.c" }), json!({ "id": 1, "created": true })),
        ],
        connect,
        fake: None,
    }
}

fn connect(settings: ConnectionSettings) -> Result<Arc<dyn Connection>, ConfigError> {
    let config: MemoryConfig =
        serde_json::from_value(settings.config).map_err(|e| ConfigError::new("bucket", e.to_string()))?;
    Ok(Arc::new(MemoryConnection { backend: Backend::get(&config.bucket), secret: config.webhook_secret }))
}

struct MemoryConnection {
    backend: Arc<Backend>,
    secret: Option<String>,
}

#[async_trait]
impl Connection for MemoryConnection {
    async fn run_action(&self, action: &str, input: Value, cx: &ActionContext) -> Result<Value, ActionError> {
        self.backend.calls.lock().expect("calls").push(Call {
            action: action.to_owned(),
            step_id: cx.step_id.clone(),
            attempt: cx.attempt,
            input: input.clone(),
        });
        let gate = self.backend.gates.lock().expect("gates").get(&cx.step_id).cloned();
        if let Some(gate) = gate {
            let _permit = gate.acquire().await;
        }
        {
            let mut failures = self.backend.failures.lock().expect("failures");
            if let Some(f) = failures.get_mut(&cx.step_id)
                && f.times > 0
            {
                f.times -= 1;
                return Err(ActionError::new(f.kind, f.message.clone()).with_retry_after(f.retry_after));
            }
        }
        match action {
            "record" => Ok(json!({ "n": self.backend.calls.lock().expect("calls").len(), "echo": input })),
            "upsert" => {
                let email = input.get("email").and_then(Value::as_str).unwrap_or_default().to_owned();
                let mut employees = self.backend.employees.lock().expect("employees");
                let next = employees.len() as u64 + 1;
                let created = !employees.contains_key(&email);
                let id = *employees.entry(email).or_insert(next);
                Ok(json!({ "id": id, "created": created }))
            }
            other => Err(ActionError::permanent(format!("unknown action {other}"))),
        }
    }

    async fn poll(&self, request: PollRequest) -> Result<PollBatch, ActionError> {
        let start = request.cursor.as_ref().and_then(Value::as_u64).unwrap_or(0) as usize;
        let events = self.backend.events.lock().expect("events");
        let page: Vec<TriggerEvent> = events.iter().skip(start).take(100).cloned().collect();
        let next = start + page.len();
        Ok(PollBatch { more: next < events.len(), events: page, cursor: json!(next) })
    }

    fn decode_webhook(&self, headers: &http::HeaderMap, body: &[u8]) -> Result<Vec<WebhookEvent>, WebhookError> {
        let presented = headers.get("x-memory-signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
        if self.secret.as_deref().is_some_and(|s| s != presented) {
            return Err(WebhookError::BadSignature);
        }
        let body: Value = serde_json::from_slice(body).map_err(|e| WebhookError::Malformed(e.to_string()))?;
        let delivery_id = body.get("delivery_id").and_then(Value::as_str).map(str::to_owned);
        let events: Vec<TriggerEvent> = serde_json::from_value(body.get("events").cloned().unwrap_or(json!([])))
            .map_err(|e| WebhookError::Malformed(e.to_string()))?;
        Ok(events.into_iter().map(|event| WebhookEvent { delivery_id: delivery_id.clone(), event }).collect())
    }

    async fn enrich_event(&self, mut event: TriggerEvent) -> Result<TriggerEvent, ActionError> {
        *self.backend.enrichments.lock().expect("enrichments") += 1;
        if let Value::Object(map) = &mut event.payload {
            map.insert("enriched".to_owned(), Value::Bool(true));
        }
        Ok(event)
    }
}

/// A trigger event for tests.
#[must_use]
pub fn event(id: &str, payload: Value) -> TriggerEvent {
    TriggerEvent {
        trigger: "event".into(),
        event_id: id.into(),
        occurred_at: chrono::Utc::now(),
        payload,
        candidate_id: None,
        application_id: None,
        job_id: None,
    }
}
