//! The names an expression can read: `trigger`, `steps.<id>`, `run` and `for_each` locals.

use std::collections::BTreeMap;

use minijinja::Value as MjValue;
use serde_json::Value;

/// What expressions see while a run executes.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    vars: BTreeMap<String, MjValue>,
    steps: BTreeMap<String, MjValue>,
}

impl Scope {
    /// A scope with the trigger's output and the run's facts (`id`, `recipe`, `started_at`, `error`).
    #[must_use]
    pub fn new(trigger: &Value, run: &Value) -> Self {
        let mut scope = Self::default();
        scope.set("trigger", trigger);
        scope.set("run", run);
        scope
    }

    /// Records a finished step's output as `steps.<id>`.
    pub fn set_step(&mut self, id: &str, output: &Value) {
        self.steps.insert(id.to_owned(), MjValue::from(minijinja::value::Serde(output)));
    }

    /// Binds a top-level name (`trigger`, `run`, or a `for_each` `as:` name).
    pub fn set(&mut self, name: &str, value: &Value) {
        self.vars.insert(name.to_owned(), MjValue::from(minijinja::value::Serde(value)));
    }

    /// A copy of this scope with `name` bound to `value` (one `for_each` iteration).
    #[must_use]
    pub fn with_local(&self, name: &str, value: &Value) -> Self {
        let mut scope = self.clone();
        scope.set(name, value);
        scope
    }

    /// The MiniJinja context.
    pub(crate) fn context(&self) -> MjValue {
        let mut map = self.vars.clone();
        map.insert("steps".to_owned(), MjValue::from(self.steps.clone()));
        MjValue::from(map)
    }
}
