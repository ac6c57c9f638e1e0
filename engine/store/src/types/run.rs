//! Runs going in (`NewRun`), coming out of the queue (`ClaimedRun`) and out of the history (`RunSummary`,
//! `RunDetail`), and the filter for listing them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use super::{RunStatus, StepRecord};

/// A run to record, from a trigger event (webhook, poll or cron tick).
#[derive(Debug, Clone, PartialEq)]
pub struct NewRun {
    /// The recipe's name.
    pub recipe: String,
    /// The content hash of the recipe version that will run it.
    pub recipe_version: String,
    /// The trigger's name, e.g. `candidate_hired` or `schedule`.
    pub trigger: String,
    /// The trigger event's id: one run per (recipe, event id).
    pub event_id: Option<String>,
    /// The rendered `key:`: one run per (recipe, business key).
    pub business_key: Option<String>,
    /// The Greenhouse candidate id, where known.
    pub candidate_id: Option<String>,
    /// The Greenhouse application id, where known.
    pub application_id: Option<String>,
    /// The Greenhouse job id, where known.
    pub job_id: Option<String>,
    /// The trigger's output, as the recipe sees it under `trigger`.
    pub payload: Value,
    /// When the event happened; a recipe with concurrency 1 runs its events in this order.
    pub event_at: DateTime<Utc>,
    /// The earliest time the run may start.
    pub run_at: DateTime<Utc>,
    /// `Queued`, or `Skipped` when the trigger's `when` filtered it out (recorded, never claimed).
    pub status: RunStatus,
}

impl NewRun {
    /// A queued run of `recipe` at `recipe_version` for `trigger`, with the event and start time set to now.
    #[must_use]
    pub fn new(
        recipe: impl Into<String>,
        recipe_version: impl Into<String>,
        trigger: impl Into<String>,
        payload: Value,
    ) -> Self {
        let now = Utc::now();
        Self {
            recipe: recipe.into(),
            recipe_version: recipe_version.into(),
            trigger: trigger.into(),
            event_id: None,
            business_key: None,
            candidate_id: None,
            application_id: None,
            job_id: None,
            payload,
            event_at: now,
            run_at: now,
            status: RunStatus::Queued,
        }
    }

    /// Sets the trigger event id.
    #[must_use]
    pub fn with_event_id(mut self, event_id: impl Into<String>) -> Self {
        self.event_id = Some(event_id.into());
        self
    }

    /// Sets the business key.
    #[must_use]
    pub fn with_business_key(mut self, key: impl Into<String>) -> Self {
        self.business_key = Some(key.into());
        self
    }

    /// Sets the candidate id.
    #[must_use]
    pub fn with_candidate_id(mut self, id: impl Into<String>) -> Self {
        self.candidate_id = Some(id.into());
        self
    }

    /// Sets the application id.
    #[must_use]
    pub fn with_application_id(mut self, id: impl Into<String>) -> Self {
        self.application_id = Some(id.into());
        self
    }

    /// Sets the job id.
    #[must_use]
    pub fn with_job_id(mut self, id: impl Into<String>) -> Self {
        self.job_id = Some(id.into());
        self
    }

    /// Sets when the event happened.
    #[must_use]
    pub fn with_event_at(mut self, at: DateTime<Utc>) -> Self {
        self.event_at = at;
        self
    }

    /// Sets the earliest start.
    #[must_use]
    pub fn with_run_at(mut self, at: DateTime<Utc>) -> Self {
        self.run_at = at;
        self
    }

    /// Records the run as `skipped` (filtered out by `when`).
    #[must_use]
    pub fn skipped(mut self) -> Self {
        self.status = RunStatus::Skipped;
        self
    }
}

/// What happened to one `NewRun`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum EnqueueOutcome {
    /// A new run was recorded.
    Enqueued {
        /// Its id.
        run_id: String,
    },
    /// A run for the same (recipe, event id) or (recipe, business key) exists; nothing was recorded.
    Duplicate {
        /// The existing run (None if it was pruned in between).
        existing_run_id: Option<String>,
    },
}

impl EnqueueOutcome {
    /// The new run's id, if one was recorded.
    #[must_use]
    pub fn run_id(&self) -> Option<&str> {
        match self {
            Self::Enqueued { run_id } => Some(run_id),
            Self::Duplicate { .. } => None,
        }
    }
}

/// A run a node claimed, with everything needed to execute it.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedRun {
    /// The run id.
    pub id: String,
    /// The recipe's name.
    pub recipe: String,
    /// The recipe version (content hash) to run.
    pub recipe_version: String,
    /// The trigger's name.
    pub trigger: String,
    /// The trigger event id.
    pub event_id: Option<String>,
    /// The business key.
    pub business_key: Option<String>,
    /// The candidate id.
    pub candidate_id: Option<String>,
    /// The application id.
    pub application_id: Option<String>,
    /// The job id.
    pub job_id: Option<String>,
    /// The trigger payload.
    pub payload: Value,
    /// 1 on the first claim, incremented by each claim (rescued runs keep counting).
    pub attempt: i32,
    /// When the event happened.
    pub event_at: DateTime<Utc>,
    /// When the run first started.
    pub started_at: Option<DateTime<Utc>>,
    /// When the lease ends unless renewed by `heartbeat`.
    pub lease_expires_at: DateTime<Utc>,
    /// The node holding the lease.
    pub node: String,
    /// The run this one retries.
    pub retry_of: Option<String>,
    /// Whether the run had step records when it was claimed (an earlier attempt's, or those a retry copied
    /// from the run it retries); without any, the executor need not read them.
    pub has_steps: bool,
}

impl ClaimedRun {
    /// The lease that fences every later write about this run.
    #[must_use]
    pub fn lease(&self) -> RunLease {
        RunLease { run_id: self.id.clone(), node: self.node.clone(), attempt: self.attempt }
    }
}

/// Proof of holding a run: writes with a lease that is no longer current fail with `StoreError::LeaseLost`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunLease {
    /// The run.
    pub run_id: String,
    /// The node that claimed it.
    pub node: String,
    /// The attempt the claim started.
    pub attempt: i32,
}

/// A run as listed in the history (without payload and steps).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunSummary {
    /// The run id.
    pub id: String,
    /// The recipe's name.
    pub recipe: String,
    /// The recipe version (content hash).
    pub recipe_version: String,
    /// The trigger's name.
    pub trigger: String,
    /// The trigger event id.
    pub event_id: Option<String>,
    /// The business key.
    pub business_key: Option<String>,
    /// The candidate id.
    pub candidate_id: Option<String>,
    /// The application id.
    pub application_id: Option<String>,
    /// The job id.
    pub job_id: Option<String>,
    /// Where the run stands.
    pub status: RunStatus,
    /// How many times it was claimed.
    pub attempt: i32,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// When it first started.
    pub started_at: Option<DateTime<Utc>>,
    /// When it ended.
    pub finished_at: Option<DateTime<Utc>>,
    /// Why it failed (or the last error before a retry).
    pub error: Option<String>,
    /// The run it retries.
    pub retry_of: Option<String>,
    /// Who asked for the retry.
    pub requested_by: Option<String>,
    /// The node that ran it last.
    pub node: Option<String>,
}

/// One run with its payload and steps (`runs show`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunDetail {
    /// The run's summary fields.
    #[serde(flatten)]
    pub run: RunSummary,
    /// The trigger payload.
    pub payload: Value,
    /// The earliest start (for queued runs: when a retry is due).
    pub run_at: DateTime<Utc>,
    /// When the event happened.
    pub event_at: DateTime<Utc>,
    /// The node holding the lease, while running.
    pub lease_owner: Option<String>,
    /// When that lease ends.
    pub lease_expires_at: Option<DateTime<Utc>>,
    /// When `forget-candidate` removed personal data from this run.
    pub redacted_at: Option<DateTime<Utc>>,
    /// The steps, in the order they started.
    pub steps: Vec<StepRecord>,
}

/// Which runs `list_runs` returns, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunFilter {
    /// Only this recipe.
    pub recipe: Option<String>,
    /// Only this status.
    pub status: Option<RunStatus>,
    /// Only runs recorded at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only runs recorded before this time.
    pub until: Option<DateTime<Utc>>,
    /// Only runs about this candidate.
    pub candidate_id: Option<String>,
    /// Only runs about this application.
    pub application_id: Option<String>,
    /// Only runs about this job.
    pub job_id: Option<String>,
    /// At most this many runs.
    pub limit: u32,
    /// Pagination: only runs older than this run id (the last id of the previous page).
    pub before: Option<String>,
}

impl Default for RunFilter {
    fn default() -> Self {
        Self {
            recipe: None,
            status: None,
            since: None,
            until: None,
            candidate_id: None,
            application_id: None,
            job_id: None,
            limit: 50,
            before: None,
        }
    }
}

/// Which recipe version a retried run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequeueVersion {
    /// The version the run first ran with.
    Original,
    /// The most recently recorded version of the recipe.
    Current,
}
