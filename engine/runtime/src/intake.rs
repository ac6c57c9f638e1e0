//! Intake: turns trigger events (from a webhook or a poll) and clock ticks into
//! the runs to record, one per matching recipe, with the business key rendered.

use std::sync::Arc;

use hirewire_core::expr::{ExprEngine, Scope};
use hirewire_core::recipe::{Delivery, Recipe, Trigger};
use hirewire_sdk::TriggerEvent;
use hirewire_store::NewRun;
use serde_json::json;

use crate::evaluation::off_thread_without_queueing;

/// How an event arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// By webhook.
    Webhook,
    /// By poll.
    Poll,
}

/// Whether `recipe` takes `event` from `connection` arriving by `source`.
#[must_use]
pub fn recipe_takes(recipe: &Recipe, connection: &str, event: &TriggerEvent, source: Source) -> bool {
    let Trigger::Connector(t) = &recipe.trigger else { return false };
    recipe.enabled
        && t.connection == connection
        && t.event == event.trigger
        && match source {
            Source::Webhook => matches!(t.delivery, Delivery::Webhook | Delivery::Auto),
            Source::Poll => matches!(t.delivery, Delivery::Poll | Delivery::Auto),
        }
}

/// The run to record for `event` in `recipe`. The business key is rendered from the event as delivered, off
/// the async threads that serve HTTP and within the expression time limit (`evaluation`); a key that cannot be
/// rendered in time is logged and left out (the event is never dropped).
pub async fn new_run_for_event(recipe: &Recipe, event: &TriggerEvent, expr: &Arc<ExprEngine>) -> NewRun {
    let mut run = NewRun::new(&recipe.name, &recipe.version, &event.trigger, event.payload.clone())
        .with_event_id(&event.event_id)
        .with_event_at(event.occurred_at);
    if let Some(id) = event.candidate_id {
        run = run.with_candidate_id(id.to_string());
    }
    if let Some(id) = event.application_id {
        run = run.with_application_id(id.to_string());
    }
    if let Some(id) = event.job_id {
        run = run.with_job_id(id.to_string());
    }
    if let Some(key) = &recipe.key {
        let scope = Scope::new(&event.payload, &json!({ "recipe": recipe.name }));
        match off_thread_without_queueing(expr, key, &scope, ExprEngine::render_value).await {
            Ok(serde_json::Value::Null) => {}
            Ok(serde_json::Value::String(s)) if !s.is_empty() => run = run.with_business_key(s),
            Ok(serde_json::Value::String(_)) => {}
            Ok(other) => run = run.with_business_key(other.to_string()),
            Err(e) => {
                tracing::warn!(recipe = %recipe.name, event_id = %event.event_id, error = %e, "key could not be rendered; recording the run without a business key")
            }
        }
    }
    run
}

/// The runs for `event` across `recipes`, in the recipes' order.
pub async fn runs_for_event(
    recipes: &[Arc<Recipe>],
    connection: &str,
    event: &TriggerEvent,
    source: Source,
    expr: &Arc<ExprEngine>,
) -> Vec<NewRun> {
    let mut runs = Vec::new();
    for recipe in recipes.iter().filter(|r| recipe_takes(r, connection, event, source)) {
        runs.push(new_run_for_event(recipe, event, expr).await);
    }
    runs
}

/// The identity of a recipe's trigger, which keys its cursor and schedule
/// state: it depends on the recipe's name and what it listens to, never on
/// the file's version, so edits do not reset it.
#[must_use]
pub fn trigger_identity(recipe: &Recipe) -> String {
    match &recipe.trigger {
        Trigger::Connector(t) => format!("{}.{}", t.connection, t.event),
        Trigger::Clock(_) => "schedule".to_owned(),
    }
}
