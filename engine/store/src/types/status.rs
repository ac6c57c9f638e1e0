//! `RunStatus` and `StepStatus`, stored as lowercase text.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Where a run stands (SPEC 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Waiting in the queue (possibly until a later `run_at`).
    Queued,
    /// Claimed by a node under a lease.
    Running,
    /// Every step finished.
    Succeeded,
    /// Failed for good.
    Failed,
    /// Filtered out by the trigger's `when`.
    Skipped,
    /// Cancelled by an operator.
    Cancelled,
}

impl RunStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [Self; 6] =
        [Self::Queued, Self::Running, Self::Succeeded, Self::Failed, Self::Skipped, Self::Cancelled];

    /// The stored and displayed name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
            Self::Cancelled => "cancelled",
        }
    }

    /// Whether the run has ended (it can be retried and pruned).
    #[must_use]
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Skipped | Self::Cancelled)
    }
}

/// Where a step stands (SPEC 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    /// Known but not started.
    Pending,
    /// Being sent.
    Running,
    /// Done; its output is kept and never sent again.
    Succeeded,
    /// Failed for good.
    Failed,
    /// Its `if` was false.
    Skipped,
    /// Failed and will be tried again.
    Retrying,
}

impl StepStatus {
    /// Every status.
    pub const ALL: [Self; 6] =
        [Self::Pending, Self::Running, Self::Succeeded, Self::Failed, Self::Skipped, Self::Retrying];

    /// The stored and displayed name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
            Self::Retrying => "retrying",
        }
    }

    /// Whether the step is done for this run (resumption starts after it).
    #[must_use]
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Succeeded | Self::Skipped)
    }
}

/// A status name that is not one of the known ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown status `{given}` (expected one of: {expected})")]
pub struct UnknownStatus {
    /// What was given.
    pub given: String,
    /// The accepted names, comma separated.
    pub expected: String,
}

/// The status among `all` whose stored name (`name`) is `text`.
fn parse_status<T: Copy>(text: &str, all: &[T], name: fn(T) -> &'static str) -> Result<T, UnknownStatus> {
    all.iter().copied().find(|status| name(*status) == text).ok_or_else(|| UnknownStatus {
        given: text.to_owned(),
        expected: all.iter().map(|status| name(*status)).collect::<Vec<_>>().join(", "),
    })
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RunStatus {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_status(s, &Self::ALL, Self::as_str)
    }
}

impl TryFrom<String> for RunStatus {
    type Error = UnknownStatus;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl fmt::Display for StepStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for StepStatus {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_status(s, &Self::ALL, Self::as_str)
    }
}

impl TryFrom<String> for StepStatus {
    type Error = UnknownStatus;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_parse_from_their_stored_names_and_name_the_accepted_ones_otherwise() {
        for status in RunStatus::ALL {
            assert_eq!(status.to_string().parse::<RunStatus>(), Ok(status));
        }
        for status in StepStatus::ALL {
            assert_eq!(StepStatus::try_from(status.as_str().to_owned()), Ok(status));
        }
        let error = "done".parse::<RunStatus>().expect_err("not a run status");
        assert_eq!(error.expected, "queued, running, succeeded, failed, skipped, cancelled");
        assert_eq!(error.given, "done");
    }
}
