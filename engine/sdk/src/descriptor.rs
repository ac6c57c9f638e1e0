//! Descriptors: what a connector documents about itself.
//!
//! The validator, `hirewire connectors` and the conformance suite read these;
//! the engine builds live connections through [`ConnectorDescriptor::connect`].

use std::sync::Arc;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::connection::{Connection, ConnectionSettings};
use crate::error::ConfigError;
use crate::fake::FakeDescriptor;
use crate::schema::Shape;

/// Builds a live connection from its settings.
pub type ConnectFn = fn(ConnectionSettings) -> Result<Arc<dyn Connection>, ConfigError>;

/// Everything the engine knows about one connector.
#[derive(Clone)]
pub struct ConnectorDescriptor {
    /// The name used in `connector:` (`greenhouse`, `bamboohr`...).
    pub name: &'static str,
    /// One line saying what the connector talks to.
    pub description: &'static str,
    /// The connection settings it takes in `hirewire.yaml` (besides `connector:`).
    pub config: Shape,
    /// An example of those settings, as YAML would give them.
    pub config_example: Value,
    /// Its triggers.
    pub triggers: Vec<TriggerDescriptor>,
    /// Its actions.
    pub actions: Vec<ActionDescriptor>,
    /// Builds a live connection.
    pub connect: ConnectFn,
    /// Its sandbox fake, when it has one.
    pub fake: Option<FakeDescriptor>,
}

impl std::fmt::Debug for ConnectorDescriptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectorDescriptor")
            .field("name", &self.name)
            .field("triggers", &self.triggers.iter().map(|t| t.name).collect::<Vec<_>>())
            .field("actions", &self.actions.iter().map(|a| a.name).collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl ConnectorDescriptor {
    /// The action called `name`.
    #[must_use]
    pub fn action(&self, name: &str) -> Option<&ActionDescriptor> {
        self.actions.iter().find(|a| a.name == name)
    }
    /// The trigger called `name`.
    #[must_use]
    pub fn trigger(&self, name: &str) -> Option<&TriggerDescriptor> {
        self.triggers.iter().find(|t| t.name == name)
    }
}

/// One action (`bamboohr.upsert_employee`).
#[derive(Debug, Clone, Serialize)]
pub struct ActionDescriptor {
    /// Its name within the connector.
    pub name: &'static str,
    /// What it does, for users.
    pub description: &'static str,
    /// The `with:` fields it takes.
    pub input: Shape,
    /// What `steps.<id>` holds after it ran.
    pub output: Shape,
    /// An example `with:`.
    pub example_input: Value,
    /// An example output.
    pub example_output: Value,
    /// Whether it really works yet; `false` shows "not yet available" and fails at run time.
    pub available: bool,
}

impl ActionDescriptor {
    /// An available action whose input and output shapes come from `I` and `O`.
    #[must_use]
    pub fn new<I: JsonSchema, O: JsonSchema>(name: &'static str, description: &'static str) -> Self {
        Self {
            name,
            description,
            input: Shape::of::<I>(),
            output: Shape::of::<O>(),
            example_input: Value::Null,
            example_output: Value::Null,
            available: true,
        }
    }
    /// Sets the examples.
    #[must_use]
    pub fn example(mut self, input: Value, output: Value) -> Self {
        self.example_input = input;
        self.example_output = output;
        self
    }
    /// Marks the action as declared but not yet implemented.
    #[must_use]
    pub fn not_yet_available(mut self) -> Self {
        self.available = false;
        self
    }
}

/// How a trigger's events arrive.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TriggerDelivery {
    /// The webhook `action` names that carry this trigger (empty: no webhook).
    pub webhook_actions: Vec<&'static str>,
    /// Whether the trigger can poll.
    pub poll: bool,
}

/// One trigger (`greenhouse.candidate_hired`).
#[derive(Debug, Clone, Serialize)]
pub struct TriggerDescriptor {
    /// Its name within the connector.
    pub name: &'static str,
    /// What it fires on, for users.
    pub description: &'static str,
    /// How events arrive.
    pub delivery: TriggerDelivery,
    /// Extra keys the trigger takes in a recipe (`from_stage`, `to_stage`...).
    pub params: Shape,
    /// What `trigger` holds in a recipe.
    pub output: Shape,
    /// An example output.
    pub example: Value,
    /// Whether it really works yet.
    pub available: bool,
}

impl TriggerDescriptor {
    /// An available trigger with params `P` and output `O`.
    #[must_use]
    pub fn new<P: JsonSchema, O: JsonSchema>(
        name: &'static str,
        description: &'static str,
        delivery: TriggerDelivery,
    ) -> Self {
        Self {
            name,
            description,
            delivery,
            params: Shape::of::<P>(),
            output: Shape::of::<O>(),
            example: Value::Null,
            available: true,
        }
    }
    /// Sets the example output.
    #[must_use]
    pub fn example(mut self, example: Value) -> Self {
        self.example = example;
        self
    }
    /// Marks the trigger as declared but not yet implemented.
    #[must_use]
    pub fn not_yet_available(mut self) -> Self {
        self.available = false;
        self
    }
}

/// Trigger parameters for triggers that take none.
#[derive(Debug, Clone, Default, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}
