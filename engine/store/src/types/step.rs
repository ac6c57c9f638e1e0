//! Step records: one row per step id of a run (`employee`, `interviewers[1].dm`).

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use super::StepStatus;

/// A step as recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepRecord {
    /// The step id, including for_each indexes (`interviewers[1].dm`).
    pub step_id: String,
    /// 1 for the first step started in the run, then 2, ...
    pub ordinal: i32,
    /// The action, e.g. `bamboohr.upsert_employee`.
    pub action: String,
    /// Where the step stands.
    pub status: StepStatus,
    /// How many times it was sent.
    pub attempts: i32,
    /// The rendered input.
    pub input: Option<Value>,
    /// The output, once succeeded.
    pub output: Option<Value>,
    /// The last error.
    pub error: Option<String>,
    /// When it (last) started.
    pub started_at: Option<DateTime<Utc>>,
    /// When it finished.
    pub finished_at: Option<DateTime<Utc>>,
}

/// How a step attempt ended.
#[derive(Debug, Clone, PartialEq)]
pub enum StepOutcome {
    /// It succeeded with this output.
    Succeeded(Value),
    /// It failed for good with this error.
    Failed(String),
    /// It failed and will be tried again.
    Retrying(String),
    /// Its `if` was false.
    Skipped,
}

impl StepOutcome {
    /// The status this outcome records.
    #[must_use]
    pub fn status(&self) -> StepStatus {
        match self {
            Self::Succeeded(_) => StepStatus::Succeeded,
            Self::Failed(_) => StepStatus::Failed,
            Self::Retrying(_) => StepStatus::Retrying,
            Self::Skipped => StepStatus::Skipped,
        }
    }
}

/// One write to a run's step records. Several are applied together, in order, in one transaction
/// (`Store::record_steps`, `Store::finish_run_after`): the engine records a step's end together with the next
/// step's start, so the end is durable before the next step sends anything, at one commit instead of two.
#[derive(Debug, Clone, PartialEq)]
pub enum StepWrite {
    /// The step starts sending `action` with the rendered `input` (recorded before the send). Starting a step
    /// again (a retry) keeps its attempt count and ordinal.
    Start {
        /// The step id.
        step_id: String,
        /// The action, e.g. `bamboohr.upsert_employee`.
        action: String,
        /// The rendered input.
        input: Value,
    },
    /// The step's attempt ended with `outcome` after `attempts` sends.
    Finish {
        /// The step id.
        step_id: String,
        /// The action.
        action: String,
        /// How it ended.
        outcome: StepOutcome,
        /// Sends so far.
        attempts: u32,
    },
    /// A step that has no effect to fence (the trigger event's enrichment, a read), recorded whole once it
    /// ended: started at `started_at` with `input`, ended with `outcome` after `attempts` tries.
    Whole {
        /// The step id.
        step_id: String,
        /// The action.
        action: String,
        /// The input it read with.
        input: Value,
        /// When it started.
        started_at: DateTime<Utc>,
        /// How it ended.
        outcome: StepOutcome,
        /// Tries so far.
        attempts: u32,
    },
}

impl StepWrite {
    /// The step id written.
    #[must_use]
    pub fn step_id(&self) -> &str {
        match self {
            Self::Start { step_id, .. } | Self::Finish { step_id, .. } | Self::Whole { step_id, .. } => step_id,
        }
    }
}
