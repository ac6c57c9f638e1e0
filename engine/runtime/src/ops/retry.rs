//! Retrying a finished run, for the API, the web page and the CLI: the store queues a new run (from the start
//! or from a step, on the original or current recipe version, recording who asked) and the workers of the
//! whole cluster are woken for it.

use hirewire_store::{RequeueVersion, Store, StoreError};

use crate::notify::{Reach, Wakeup};

/// A retry as asked for.
#[derive(Debug, Clone)]
pub struct RetryRequest {
    /// Retry from this step (earlier steps keep their results).
    pub from_step: Option<String>,
    /// Which recipe version runs the retry.
    pub version: RequeueVersion,
    /// Who asked (recorded with the new run).
    pub requested_by: String,
}

/// `original` (also when absent) or `current`.
///
/// # Errors
/// What is wrong with `text`.
pub fn parse_version(text: Option<&str>) -> Result<RequeueVersion, String> {
    match text {
        None | Some("original") => Ok(RequeueVersion::Original),
        Some("current") => Ok(RequeueVersion::Current),
        Some(other) => Err(format!("version: `{other}` is not `original` or `current`")),
    }
}

/// Queues a retry of run `run_id` and wakes the workers; returns the new run's id.
///
/// # Errors
/// The store's refusal (classify it with [`super::ErrorClass`]).
pub async fn retry_run(
    store: &Store,
    wake: &Wakeup,
    run_id: &str,
    request: &RetryRequest,
) -> Result<String, StoreError> {
    let new_id =
        store.requeue_run(run_id, request.from_step.as_deref(), request.version, Some(&request.requested_by)).await?;
    wake.runs_waiting(Reach::Cluster).await;
    Ok(new_id)
}
