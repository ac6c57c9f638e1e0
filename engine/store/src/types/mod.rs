//! The values the store takes and returns: runs, steps, trigger state and reports.

mod report;
mod run;
mod status;
mod step;
mod trigger;

pub use report::{ForgetReport, NodeRecord, PruneReport};
pub use run::{ClaimedRun, EnqueueOutcome, NewRun, RequeueVersion, RunDetail, RunFilter, RunLease, RunSummary};
pub use status::{RunStatus, StepStatus, UnknownStatus};
pub use step::{StepOutcome, StepRecord, StepWrite};
pub use trigger::{PollOutcome, TriggerState, WebhookOutcome};
