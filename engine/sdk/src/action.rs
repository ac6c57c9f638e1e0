//! Actions declared once: an [`Action`] is a connector action's name, documentation, typed input
//! and output, example and code. A connector keeps one [`ActionList`] of its actions, from which
//! both its [`ActionDescriptor`]s (what the validator and `hirewire connectors` read) and the
//! dispatch of [`crate::Connection::run_action`] come, so the two cannot disagree.

use std::future::Future;
use std::pin::Pin;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::connection::{ActionContext, parse_input, to_output};
use crate::descriptor::ActionDescriptor;
use crate::error::ActionError;

/// One action of a connector whose live connection (or client) is `C`.
#[async_trait]
pub trait Action<C: Sync + ?Sized>: Send + Sync {
    /// The `with:` input, deserialized from the rendered step input (its schema is the input shape).
    type Input: DeserializeOwned + JsonSchema + Send;
    /// What `steps.<id>` holds after it ran (its schema is the output shape).
    type Output: Serialize + JsonSchema;
    /// Its name within the connector (`upsert_employee`).
    const NAME: &'static str;
    /// What it does, for users.
    const DESCRIPTION: &'static str;

    /// An example `with:` and the output it gives.
    fn example(&self) -> (Value, Value) {
        (Value::Null, Value::Null)
    }

    /// Runs the action.
    async fn run(&self, conn: &C, input: Self::Input, cx: &ActionContext) -> Result<Self::Output, ActionError>;
}

/// The future of one action run with JSON in and out.
pub type ActionFuture<'a> = Pin<Box<dyn Future<Output = Result<Value, ActionError>> + Send + 'a>>;

/// An [`Action`] seen through JSON, so that one list can hold actions of different types.
pub trait AnyAction<C: Sync + ?Sized>: Send + Sync {
    /// The action's name.
    fn name(&self) -> &'static str;
    /// The action's descriptor, its shapes derived from the typed input and output.
    fn descriptor(&self) -> ActionDescriptor;
    /// Parses `input` (naming the field at fault), runs the action and serializes its output.
    fn run_json<'a>(&'a self, conn: &'a C, input: Value, cx: &'a ActionContext) -> ActionFuture<'a>;
}

impl<C: Sync + ?Sized, A: Action<C>> AnyAction<C> for A {
    fn name(&self) -> &'static str {
        A::NAME
    }

    fn descriptor(&self) -> ActionDescriptor {
        let (input, output) = self.example();
        ActionDescriptor::new::<A::Input, A::Output>(A::NAME, A::DESCRIPTION).example(input, output)
    }

    fn run_json<'a>(&'a self, conn: &'a C, input: Value, cx: &'a ActionContext) -> ActionFuture<'a> {
        Box::pin(async move {
            let input: A::Input = parse_input(input)?;
            to_output(&self.run(conn, input, cx).await?)
        })
    }
}

/// A connector's actions, in the order `hirewire connectors` lists them.
pub struct ActionList<C: Sync + ?Sized + 'static> {
    /// The connector's name, for the error about an action it does not have.
    pub connector: &'static str,
    /// Its actions.
    pub actions: &'static [&'static dyn AnyAction<C>],
}

impl<C: Sync + ?Sized + 'static> ActionList<C> {
    /// The descriptors of every action.
    #[must_use]
    pub fn descriptors(&self) -> Vec<ActionDescriptor> {
        self.actions.iter().map(|action| action.descriptor()).collect()
    }

    /// The action called `name`.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&'static dyn AnyAction<C>> {
        self.actions.iter().copied().find(|action| action.name() == name)
    }

    /// Runs the action called `name` with its rendered input.
    ///
    /// # Errors
    /// The action's errors, invalid input naming the field at fault, or a permanent error when the
    /// connector has no action `name`.
    pub async fn run(&self, conn: &C, name: &str, input: Value, cx: &ActionContext) -> Result<Value, ActionError> {
        match self.get(name) {
            Some(action) => action.run_json(conn, input, cx).await,
            None => Err(ActionError::permanent(format!("{} has no action `{name}`", self.connector))),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    /// Input of the test action.
    #[derive(Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    struct GreetInput {
        /// Who to greet.
        name: String,
    }

    /// Output of the test action.
    #[derive(Serialize, JsonSchema)]
    struct GreetOutput {
        /// The greeting.
        greeting: String,
    }

    /// A connection whose greeting word is configurable.
    struct Greeter {
        word: &'static str,
    }

    struct Greet;

    #[async_trait]
    impl Action<Greeter> for Greet {
        type Input = GreetInput;
        type Output = GreetOutput;
        const NAME: &'static str = "greet";
        const DESCRIPTION: &'static str = "Greets someone.";
        fn example(&self) -> (Value, Value) {
            (json!({"name": "Ada"}), json!({"greeting": "hello Ada"}))
        }
        async fn run(&self, conn: &Greeter, input: GreetInput, _: &ActionContext) -> Result<GreetOutput, ActionError> {
            Ok(GreetOutput { greeting: format!("{} {}", conn.word, input.name) })
        }
    }

    const ACTIONS: ActionList<Greeter> = ActionList { connector: "greeter", actions: &[&Greet] };

    #[test]
    fn the_descriptor_comes_from_the_declaration() {
        let [greet] = ACTIONS.descriptors().try_into().unwrap();
        assert_eq!((greet.name, greet.description, greet.available), ("greet", "Greets someone.", true));
        assert!(greet.input.field("name").is_some());
        assert!(greet.output.field("greeting").is_some());
        assert_eq!(greet.example_input, json!({"name": "Ada"}));
    }

    #[tokio::test]
    async fn dispatch_parses_runs_and_refuses_what_it_does_not_know() {
        let conn = Greeter { word: "hello" };
        let cx = ActionContext::ad_hoc("greet");
        let output = ACTIONS.run(&conn, "greet", json!({"name": "Ada"}), &cx).await.unwrap();
        assert_eq!(output, json!({"greeting": "hello Ada"}));
        let bad = ACTIONS.run(&conn, "greet", json!({"name": 3}), &cx).await.unwrap_err();
        assert_eq!(bad.field.as_deref(), Some("name"));
        let unknown = ACTIONS.run(&conn, "wave", json!({}), &cx).await.unwrap_err();
        assert_eq!(unknown.message, "greeter has no action `wave`");
    }
}
