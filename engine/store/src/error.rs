//! `StoreError`: what can go wrong in the run store, naming the run, step or operation at fault.

use crate::types::RunStatus;

/// A failure of the run store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL could not be used (its password, if any, is never shown).
    #[error("database url `{url}`: {reason}")]
    InvalidUrl {
        /// The URL with any password replaced by `***`.
        url: String,
        /// Why it was rejected.
        reason: String,
    },
    /// The database reported an error while running `operation`.
    #[error("database error in {operation}: {source}")]
    Database {
        /// The store function that failed, e.g. `claim_runs`.
        operation: &'static str,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// The SQLite transaction that carried this write together with other callers' writes (group commit)
    /// could not begin or commit: nothing of this write was stored.
    #[error("database error in {operation}: the transaction carrying it failed, nothing was written: {reason}")]
    CommitFailed {
        /// The store function whose write was lost, e.g. `record_webhook`.
        operation: &'static str,
        /// The driver's error.
        reason: String,
    },
    /// Applying the embedded migrations failed.
    #[error("migrating the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The run is no longer leased by this node and attempt: its lease expired and it was rescued, or it was
    /// cancelled. The caller must stop working on it.
    #[error("run {run_id} is no longer leased by node `{node}` at attempt {attempt}")]
    LeaseLost {
        /// The run.
        run_id: String,
        /// The node that thought it held the lease.
        node: String,
        /// The attempt it was working on.
        attempt: i32,
    },
    /// No run has this id.
    #[error("run {0} not found")]
    RunNotFound(String),
    /// The run has no step with this id.
    #[error("run {run_id} has no step `{step_id}`")]
    StepNotFound {
        /// The run.
        run_id: String,
        /// The step id asked for.
        step_id: String,
    },
    /// Only finished runs can be retried.
    #[error("run {run_id} is {status}; only a finished run can be retried")]
    NotRetryable {
        /// The run.
        run_id: String,
        /// Its current status.
        status: RunStatus,
    },
    /// A retry of this run is already queued or running.
    #[error("run {0} already has a retry queued or running")]
    RetryPending(String),
    /// `--version current` was asked for a recipe whose versions were never recorded.
    #[error("recipe `{0}` has no recorded version")]
    NoRecipeVersion(String),
    /// A new run must start `queued` or `skipped`.
    #[error("a new run of recipe `{recipe}` must start queued or skipped, not {status}")]
    InvalidInitialStatus {
        /// The recipe.
        recipe: String,
        /// The status asked for.
        status: RunStatus,
    },
    /// `finish_run` needs a final status.
    #[error("a run cannot finish as {0}; use succeeded, failed, skipped or cancelled")]
    NotFinalStatus(RunStatus),
    /// A value stored in the database could not be understood.
    #[error("unreadable {what} in the database: {reason}")]
    Corrupt {
        /// What was being read, e.g. `run status`.
        what: &'static str,
        /// Why it could not be read.
        reason: String,
    },
}

/// Wraps a driver error with the store operation it happened in.
pub(crate) fn db(operation: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |source| StoreError::Database { operation, source }
}

/// Whether `error` is a unique-constraint violation.
pub(crate) fn is_unique_violation(error: &sqlx::Error) -> bool {
    error.as_database_error().is_some_and(sqlx::error::DatabaseError::is_unique_violation)
}
