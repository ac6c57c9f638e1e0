//! A stand-in connection for recipe tests: answers each action call from the
//! test's `responses` (by step id), else with the action's documented example
//! output, and records what it was sent. Nothing leaves the machine.

use std::collections::BTreeMap;
use std::sync::Mutex;

use hirewire_sdk::reexports::async_trait;
use hirewire_sdk::{ActionContext, ActionError, Connection, ConnectorDescriptor, ErrorKind, TriggerEvent};
use serde_json::Value;

/// Answers from a test case.
pub struct MockConnection {
    /// The connector it stands in for (its examples are the default answers).
    pub descriptor: ConnectorDescriptor,
    /// Answers by step id.
    pub responses: BTreeMap<String, Value>,
    /// What it was sent: (step id, action, input).
    pub sent: Mutex<Vec<(String, String, Value)>>,
}

#[async_trait]
impl Connection for MockConnection {
    async fn run_action(&self, action: &str, input: Value, cx: &ActionContext) -> Result<Value, ActionError> {
        self.sent.lock().expect("sent").push((cx.step_id.clone(), action.to_owned(), input));
        if let Some(answer) = self.responses.get(&cx.step_id) {
            if let Some(error) = answer.get("error") {
                let kind = error.get("kind").cloned().map(serde_json::from_value::<ErrorKind>);
                let kind = match kind {
                    Some(Ok(kind)) => kind,
                    Some(Err(_)) => return Err(ActionError::permanent("test response: unknown error kind")),
                    None => ErrorKind::Permanent,
                };
                let message = error.get("message").and_then(Value::as_str).unwrap_or("error from the test");
                return Err(ActionError::new(kind, message));
            }
            return Ok(answer.clone());
        }
        let Some(described) = self.descriptor.action(action) else {
            return Err(ActionError::permanent(format!("{} has no action `{action}`", self.descriptor.name)));
        };
        Ok(described.example_output.clone())
    }

    async fn enrich_event(&self, event: TriggerEvent) -> Result<TriggerEvent, ActionError> {
        // A test's event is already the trigger's documented output.
        Ok(event)
    }
}
