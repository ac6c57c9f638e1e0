//! Executes one claimed run: completes the trigger event, applies `when:`,
//! walks the steps durably (each finished step is recorded before the next
//! starts, so a crash resumes at the first unfinished step), retries transient
//! failures, and runs `on_error` once when the run fails for good.

mod pending;
mod steps;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use hirewire_core::expr::{ExprEngine, Scope};
use hirewire_core::recipe::{Recipe, Trigger};
use hirewire_sdk::TriggerEvent;
use hirewire_store::{
    ClaimedRun, RunLease, RunStatus, StepOutcome, StepRecord, StepStatus, StepWrite, Store, StoreError,
};
use serde_json::{Value, json};

use crate::connections::Connections;
use crate::metric_definitions::RUNS_FINISHED_TOTAL;
use crate::recipe_book::RecipeBook;
use pending::PendingSteps;

pub use crate::evaluation::EVALUATION_TIME_LIMIT;
pub use steps::StepFailure;

/// The step id under which the completed trigger event is recorded.
pub const TRIGGER_STEP_ID: &str = "trigger";

/// Parses a recipe version from its stored YAML source (for runs recorded
/// with a version this process has not loaded, e.g. before a restart).
pub type VersionLoader = dyn Fn(&str) -> Option<Recipe> + Send + Sync;

/// What executing a run needs.
#[derive(Clone)]
pub struct Executor {
    /// The run history.
    pub store: Store,
    /// The expression engine.
    pub expr: Arc<ExprEngine>,
    /// Loaded recipes and versions.
    pub recipes: RecipeBook,
    /// Live connections.
    pub connections: Connections,
    /// Longest in-process wait before a retry; longer waits give the run back to the queue.
    pub max_inline_retry_wait: Duration,
    /// Loads recorded versions this process has not seen.
    pub version_loader: Option<Arc<VersionLoader>>,
}

/// How a run's execution ended on this node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunEnd {
    /// The run finished with this status.
    Finished(RunStatus),
    /// A step will be retried later: the run went back to the queue.
    Rescheduled,
    /// Another node holds the run now (our lease expired); nothing more was written.
    LeaseLost,
}

/// An error that stops executing a run on this node without finishing it.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// The store failed; the run stays leased and will be rescued.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Executor {
    /// Executes `run` to its end (or until it must wait for a retry).
    ///
    /// # Errors
    /// A store failure other than a lost lease.
    pub async fn execute(&self, run: &ClaimedRun) -> Result<RunEnd, ExecError> {
        let lease = run.lease();
        match self.execute_leased(run, &lease).await {
            Err(ExecError::Store(StoreError::LeaseLost { .. })) => Ok(RunEnd::LeaseLost),
            other => other,
        }
    }

    async fn execute_leased(&self, run: &ClaimedRun, lease: &RunLease) -> Result<RunEnd, ExecError> {
        let pending = PendingSteps::default();
        let Some(recipe) = self.recipe_for(run).await? else {
            let error =
                format!("recipe `{}` version {} is not available on this node", run.recipe, short(&run.recipe_version));
            return self.finish(run, lease, &pending, RunStatus::Failed, Some(&error)).await;
        };
        // A run claimed without step records (its first attempt) has nothing to resume.
        let done: HashMap<String, StepRecord> = if run.has_steps {
            self.store.steps_of(&run.id).await?.into_iter().map(|s| (s.step_id.clone(), s)).collect()
        } else {
            HashMap::new()
        };
        let (done, pending) = (&done, &pending);

        // 1. The trigger event, completed by its connector (recorded as step `trigger`).
        let trigger = match self.completed_trigger(run, &recipe, done, pending).await {
            Ok(payload) => payload,
            Err(failure) => return self.fail_or_reschedule(run, lease, &recipe, failure, done, pending).await,
        };
        let run_facts = json!({
            "id": run.id,
            "recipe": run.recipe,
            "started_at": run.started_at.unwrap_or_else(Utc::now).to_rfc3339(),
            "attempt": run.attempt,
        });
        let mut scope = Scope::new(&trigger, &run_facts);

        // 2. The trigger's parameters (webhooks carry every event) and the `when:` filter.
        if let Trigger::Connector(t) = &recipe.trigger {
            let matches = self
                .connections
                .get(&t.connection)
                .is_none_or(|live| live.connection.event_matches(&t.event, &t.params, &trigger));
            if !matches {
                return self.finish(run, lease, pending, RunStatus::Skipped, None).await;
            }
            if let Some(when) = &t.when {
                match crate::evaluation::off_thread(&self.expr, when, &scope, ExprEngine::eval_condition).await {
                    Ok(true) => {}
                    Ok(false) => return self.finish(run, lease, pending, RunStatus::Skipped, None).await,
                    Err(e) => {
                        let failure = StepFailure::permanent(format!("when: {e}"));
                        return self.fail_or_reschedule(run, lease, &recipe, failure, done, pending).await;
                    }
                }
            }
        }

        // 3. The steps.
        let walker = steps::StepWalker { executor: self, run, lease, done, pending };
        match walker.walk(&recipe.steps, "", &mut scope).await? {
            Ok(()) => self.finish(run, lease, pending, RunStatus::Succeeded, None).await,
            Err(failure) => self.fail_or_reschedule(run, lease, &recipe, failure, done, pending).await,
        }
    }

    /// The recipe version the run was recorded with (loaded from the store if this node has not seen it).
    async fn recipe_for(&self, run: &ClaimedRun) -> Result<Option<Arc<Recipe>>, ExecError> {
        if let Some(recipe) = self.recipes.version(&run.recipe_version) {
            return Ok(Some(recipe));
        }
        // A version recorded before a restart (or on another node): parse its stored source.
        let Some(loader) = &self.version_loader else { return Ok(None) };
        let Some((_, source)) = self.store.recipe_version_source(&run.recipe_version).await? else {
            return Ok(None);
        };
        Ok(loader(&source).filter(|r| r.version == run.recipe_version).map(|r| self.recipes.remember_version(r)))
    }

    /// The trigger payload, completed by the connector once. Completing it only reads, so nothing fences it:
    /// its record (step `trigger`, with the payload it started from) rides with the run's next write.
    async fn completed_trigger(
        &self,
        run: &ClaimedRun,
        recipe: &Recipe,
        done: &HashMap<String, StepRecord>,
        pending: &PendingSteps,
    ) -> Result<Value, StepFailure> {
        let Trigger::Connector(t) = &recipe.trigger else {
            return Ok(run.payload.clone());
        };
        if let Some(record) = done.get(TRIGGER_STEP_ID).filter(|r| r.status == StepStatus::Succeeded) {
            return Ok(record.output.clone().unwrap_or(Value::Null));
        }
        let Some(live) = self.connections.get(&t.connection) else {
            return Err(StepFailure::permanent(format!("connection `{}` is not configured", t.connection)));
        };
        let action = format!("{}.{}", t.connector, t.event);
        let attempts = done.get(TRIGGER_STEP_ID).map_or(0, |r| u32::try_from(r.attempts).unwrap_or(0)) + 1;
        let started_at = Utc::now();
        let event = TriggerEvent {
            trigger: t.event.clone(),
            event_id: run.event_id.clone().unwrap_or_default(),
            occurred_at: run.event_at,
            payload: run.payload.clone(),
            candidate_id: run.candidate_id.as_deref().and_then(|s| s.parse().ok()),
            application_id: run.application_id.as_deref().and_then(|s| s.parse().ok()),
            job_id: run.job_id.as_deref().and_then(|s| s.parse().ok()),
        };
        let (result, outcome) = match live.connection.enrich_event(event).await {
            Ok(event) => {
                let outcome = StepOutcome::Succeeded(event.payload.clone());
                (Ok(event.payload), outcome)
            }
            Err(e) => {
                let failure =
                    StepFailure::from_action_error(TRIGGER_STEP_ID, &action, &e, attempts, &Default::default());
                let outcome = if failure.retry_at.is_some() {
                    StepOutcome::Retrying(failure.message.clone())
                } else {
                    StepOutcome::Failed(failure.message.clone())
                };
                (Err(failure), outcome)
            }
        };
        pending.hold(StepWrite::Whole {
            step_id: TRIGGER_STEP_ID.to_owned(),
            action,
            input: run.payload.clone(),
            started_at,
            outcome,
            attempts,
        });
        result
    }

    /// A failed step either waits for its retry (the run goes back to the queue) or fails the run.
    async fn fail_or_reschedule(
        &self,
        run: &ClaimedRun,
        lease: &RunLease,
        recipe: &Recipe,
        failure: StepFailure,
        done: &HashMap<String, StepRecord>,
        pending: &PendingSteps,
    ) -> Result<RunEnd, ExecError> {
        if let Some(at) = failure.retry_at {
            self.store.reschedule_run_after(lease, pending.take_with(None), at, Some(&failure.message)).await?;
            return Ok(RunEnd::Rescheduled);
        }
        if !recipe.on_error.is_empty() {
            let run_facts = json!({
                "id": run.id,
                "recipe": run.recipe,
                "started_at": run.started_at.unwrap_or_else(Utc::now).to_rfc3339(),
                "error": failure.message,
            });
            let mut scope = Scope::new(&run.payload, &run_facts);
            let walker = steps::StepWalker { executor: self, run, lease, done, pending };
            if let Err(on_error_failure) = walker.walk(&recipe.on_error, "on_error.", &mut scope).await? {
                tracing::warn!(run_id = %run.id, recipe = %run.recipe, error = %on_error_failure.message, "on_error step failed");
            }
        }
        self.finish(run, lease, pending, RunStatus::Failed, Some(&failure.message)).await
    }

    /// Ends the run, with the step writes held for its next write in the same transaction.
    async fn finish(
        &self,
        run: &ClaimedRun,
        lease: &RunLease,
        pending: &PendingSteps,
        status: RunStatus,
        error: Option<&str>,
    ) -> Result<RunEnd, ExecError> {
        self.store.finish_run_after(lease, pending.take_with(None), status, error).await?;
        metrics::counter!(RUNS_FINISHED_TOTAL, "recipe" => run.recipe.clone(), "status" => status.as_str())
            .increment(1);
        match status {
            RunStatus::Failed => {
                tracing::warn!(run_id = %run.id, recipe = %run.recipe, error = error.unwrap_or_default(), "run failed");
            }
            _ => tracing::info!(run_id = %run.id, recipe = %run.recipe, status = status.as_str(), "run finished"),
        }
        Ok(RunEnd::Finished(status))
    }
}

fn short(version: &str) -> &str {
    version.get(..12).unwrap_or(version)
}
