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
