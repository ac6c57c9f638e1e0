//! The stable JSON of runs, shared by `hirewire runs --json` and `/api/runs`.

use serde_json::{Value, json};

use crate::{RunDetail, RunSummary, StepRecord};

/// The stable JSON of one run in a listing.
#[must_use]
pub fn summary_json(run: &RunSummary) -> Value {
    json!({
        "id": run.id,
        "recipe": run.recipe,
        "recipe_version": run.recipe_version,
        "status": run.status,
        "trigger": run.trigger,
        "trigger_event": run.event_id,
        "business_key": run.business_key,
        "candidate_id": run.candidate_id,
        "application_id": run.application_id,
        "job_id": run.job_id,
        "attempt": run.attempt,
        "created_at": run.created_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "error": run.error,
        "retry_of": run.retry_of,
        "requested_by": run.requested_by,
        "node": run.node,
    })
}

/// The stable JSON of one run with its payload and steps.
#[must_use]
pub fn detail_json(detail: &RunDetail) -> Value {
    let mut object = summary_json(&detail.run);
    if let Value::Object(fields) = &mut object {
        fields.insert("payload".to_owned(), detail.payload.clone());
        fields.insert("run_at".to_owned(), json!(detail.run_at));
        fields.insert("event_at".to_owned(), json!(detail.event_at));
        fields.insert("redacted_at".to_owned(), json!(detail.redacted_at));
        fields.insert("steps".to_owned(), detail.steps.iter().map(step_json).collect());
    }
    object
}

/// The stable JSON of one step.
#[must_use]
pub fn step_json(step: &StepRecord) -> Value {
    json!({
        "id": step.step_id,
        "action": step.action,
        "status": step.status,
        "attempts": step.attempts,
        "input": step.input,
        "output": step.output,
        "error": step.error,
        "started_at": step.started_at,
        "finished_at": step.finished_at,
    })
}
