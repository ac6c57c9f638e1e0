//! Walks a list of steps durably: skips steps a previous attempt finished,
//! evaluates `if`, renders `with:`, calls the action with per-step retries,
//! expands `for_each`, and records every step before moving on.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use hirewire_core::expr::{ExprEngine, Scope};
use hirewire_core::recipe::{ActionStep, ForEachStep, RetryPolicy, Step, StepKind};
use hirewire_sdk::{ActionContext, ActionError};
use hirewire_store::{ClaimedRun, RunLease, StepOutcome, StepRecord, StepStatus, StepWrite};
use rand::Rng;
use serde_json::{Map, Value};

use super::pending::PendingSteps;
use super::{ExecError, Executor};
use crate::evaluation::off_thread;
use crate::metric_definitions::STEP_DURATION_SECONDS;

/// Why a walk stopped before its last step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepFailure {
    /// The message recorded as the run's error (`<step>: <action>: <remote message>`).
    pub message: String,
    /// When set, the step will be retried at this time; otherwise the run fails.
    pub retry_at: Option<DateTime<Utc>>,
}

impl StepFailure {
    /// A failure that retrying will not fix.
    #[must_use]
    pub fn permanent(message: impl Into<String>) -> Self {
        Self { message: message.into(), retry_at: None }
    }

    /// Classifies an action error after `attempts` sends under `policy`.
    #[must_use]
    pub fn from_action_error(
        step_id: &str,
        action: &str,
        error: &ActionError,
        attempts: u32,
        policy: &RetryPolicy,
    ) -> Self {
        let message = format!("step `{step_id}`: {action}: {error}");
        if error.is_transient() && attempts < policy.attempts {
            let delay = retry_delay(policy, attempts + 1, error.retry_after());
            let at = Utc::now() + chrono::Duration::from_std(delay).unwrap_or_else(|_| chrono::Duration::seconds(60));
            Self { message, retry_at: Some(at) }
        } else {
            Self::permanent(message)
        }
    }
}

/// The delay before attempt `next_attempt`: the policy's backoff with ±20 % jitter, but never less than
/// what the remote asked for.
fn retry_delay(policy: &RetryPolicy, next_attempt: u32, remote: Option<Duration>) -> Duration {
    let base = policy.delay_before(next_attempt);
    let jitter = rand::rng().random_range(0.8..1.2);
    let delay = base.mul_f64(jitter);
    remote.map_or(delay, |r| delay.max(r))
}

/// Walks steps for one run.
pub(super) struct StepWalker<'a> {
    pub executor: &'a Executor,
    pub run: &'a ClaimedRun,
    pub lease: &'a RunLease,
    pub done: &'a HashMap<String, StepRecord>,
    /// Step ends held for the run's next write.
    pub pending: &'a PendingSteps,
}

type WalkResult = Result<Result<Map<String, Value>, StepFailure>, ExecError>;

impl StepWalker<'_> {
    /// Walks `steps` with ids prefixed by `prefix`; returns each step's output by its (unprefixed) id.
    pub async fn walk(
        &self,
        steps: &[Step],
        prefix: &str,
        scope: &mut Scope,
    ) -> Result<Result<(), StepFailure>, ExecError> {
        Ok(self.walk_collect(steps, prefix, scope).await?.map(|_| ()))
    }

    fn walk_collect<'s>(
        &'s self,
        steps: &'s [Step],
        prefix: &'s str,
        scope: &'s mut Scope,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = WalkResult> + Send + 's>> {
        Box::pin(async move {
            let mut outputs = Map::new();
            for step in steps {
                let full_id = format!("{prefix}{}", step.id);
                if let Some(record) = self.done.get(&full_id)
                    && matches!(record.status, StepStatus::Succeeded | StepStatus::Skipped)
                {
                    let output = record.output.clone().unwrap_or(Value::Null);
                    scope.set_step(&step.id, &output);
                    outputs.insert(step.id.clone(), output);
                    continue;
                }
                if let Some(condition) = &step.condition {
                    match off_thread(&self.executor.expr, condition, scope, ExprEngine::eval_condition).await {
                        Ok(true) => {}
                        Ok(false) => {
                            self.hold_end(&full_id, step_action_name(step), StepOutcome::Skipped, 0);
                            scope.set_step(&step.id, &Value::Null);
                            outputs.insert(step.id.clone(), Value::Null);
                            continue;
                        }
                        Err(e) => return Ok(Err(StepFailure::permanent(format!("step `{full_id}`: if: {e}")))),
                    }
                }
                let result = match &step.kind {
                    StepKind::Action(action) => self.run_action_step(&full_id, action, scope).await?,
                    StepKind::ForEach(for_each) => self.run_for_each(&full_id, for_each, scope).await?,
                };
                match result {
                    Ok(output) => {
                        scope.set_step(&step.id, &output);
                        outputs.insert(step.id.clone(), output);
                    }
                    Err(failure) => return Ok(Err(failure)),
                }
            }
            Ok(Ok(outputs))
        })
    }

    async fn run_action_step(
        &self,
        full_id: &str,
        step: &ActionStep,
        scope: &Scope,
    ) -> Result<Result<Value, StepFailure>, ExecError> {
        let action_name = format!("{}.{}", step.connector, step.action);
        let input = match off_thread(&self.executor.expr, &step.with, scope, ExprEngine::render_value).await {
            Ok(input) => input,
            Err(e) => {
                let message = format!("step `{full_id}`: {action_name}: {e}");
                self.hold_end(full_id, action_name, StepOutcome::Failed(message.clone()), 0);
                return Ok(Err(StepFailure::permanent(message)));
            }
        };
        let Some(live) = self.executor.connections.get(&step.connection) else {
            return Ok(Err(StepFailure::permanent(format!(
                "step `{full_id}`: connection `{}` is not configured",
                step.connection
            ))));
        };
        let mut attempts = self.done.get(full_id).map_or(0, |r| u32::try_from(r.attempts).unwrap_or(0));
        loop {
            attempts += 1;
            // The start (with every held step end) is durable before anything is sent.
            let start =
                StepWrite::Start { step_id: full_id.to_owned(), action: action_name.clone(), input: input.clone() };
            self.executor.store.record_steps(self.lease, self.pending.take_with(Some(start))).await?;
            let cx = ActionContext {
                run_id: self.run.id.clone(),
                step_id: full_id.to_owned(),
                attempt: attempts,
                idempotency_key: format!("{}:{full_id}", self.run.id),
            };
            let started = Instant::now();
            let span = tracing::info_span!("step", step = full_id, action = %action_name, attempt = attempts);
            let result =
                tracing::Instrument::instrument(live.connection.run_action(&step.action, input.clone(), &cx), span)
                    .await;
            let status = if result.is_ok() { "succeeded" } else { "failed" };
            metrics::histogram!(STEP_DURATION_SECONDS, "action" => action_name.clone(), "status" => status)
                .record(started.elapsed().as_secs_f64());
            match result {
                Ok(output) => {
                    self.hold_end(full_id, action_name, StepOutcome::Succeeded(output.clone()), attempts);
                    return Ok(Ok(output));
                }
                Err(error) => {
                    let failure = StepFailure::from_action_error(full_id, &action_name, &error, attempts, &step.retry);
                    tracing::info!(run_id = %self.run.id, recipe = %self.run.recipe, step = full_id, attempt = attempts,
                        error = %failure.message, retry = failure.retry_at.is_some(), "step failed");
                    let Some(retry_at) = failure.retry_at else {
                        self.hold_end(full_id, action_name, StepOutcome::Failed(failure.message.clone()), attempts);
                        return Ok(Err(failure));
                    };
                    let retrying = StepOutcome::Retrying(failure.message.clone());
                    let wait = (retry_at - Utc::now()).to_std().unwrap_or(Duration::ZERO);
                    if wait > self.executor.max_inline_retry_wait {
                        // Recorded with the run's reschedule.
                        self.hold_end(full_id, action_name, retrying, attempts);
                        return Ok(Err(failure));
                    }
                    // Waiting here: record the retry now, so `runs show` tells why the run waits.
                    let end = StepWrite::Finish {
                        step_id: full_id.to_owned(),
                        action: action_name.clone(),
                        outcome: retrying,
                        attempts,
                    };
                    self.executor.store.record_steps(self.lease, self.pending.take_with(Some(end))).await?;
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    async fn run_for_each(
        &self,
        full_id: &str,
        step: &ForEachStep,
        scope: &Scope,
    ) -> Result<Result<Value, StepFailure>, ExecError> {
        let items = match off_thread(&self.executor.expr, &step.items, scope, ExprEngine::eval_list).await {
            Ok(items) => items,
            Err(e) => {
                let message = format!("step `{full_id}`: for_each: {e}");
                self.hold_end(full_id, "for_each".to_owned(), StepOutcome::Failed(message.clone()), 0);
                return Ok(Err(StepFailure::permanent(message)));
            }
        };
        let mut results = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let mut local = scope.with_local(&step.as_name, item);
            let prefix = format!("{full_id}[{index}].");
            match self.walk_collect(&step.steps, &prefix, &mut local).await? {
                Ok(outputs) => results.push(Value::Object(outputs)),
                Err(failure) => return Ok(Err(failure)),
            }
        }
        let output = Value::Array(results);
        let count = u32::try_from(items.len()).unwrap_or(u32::MAX);
        self.hold_end(full_id, "for_each".to_owned(), StepOutcome::Succeeded(output.clone()), count);
        Ok(Ok(output))
    }

    /// Holds the end of step `step_id` for the run's next write (`PendingSteps`).
    fn hold_end(&self, step_id: &str, action: String, outcome: StepOutcome, attempts: u32) {
        self.pending.hold(StepWrite::Finish { step_id: step_id.to_owned(), action, outcome, attempts });
    }
}

fn step_action_name(step: &Step) -> String {
    match &step.kind {
        StepKind::Action(a) => format!("{}.{}", a.connector, a.action),
        StepKind::ForEach(_) => "for_each".to_owned(),
    }
}
