//! The classes of store errors an operator can meet, each with its HTTP status, CLI exit code and the
//! message shown: written once for the API, the web page and the CLI.

use hirewire_store::StoreError;
use http::StatusCode;

/// What kind of failure a store error is, for whoever asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// The run (or step) asked for does not exist.
    NotFound,
    /// The request conflicts with the run's state (not finished, a retry pending, no recorded version).
    Conflict,
    /// The run history could not be read or written.
    Unavailable,
}

impl ErrorClass {
    /// The class of `error`.
    #[must_use]
    pub fn of(error: &StoreError) -> Self {
        match error {
            StoreError::RunNotFound(_) => Self::NotFound,
            StoreError::NotRetryable { .. }
            | StoreError::StepNotFound { .. }
            | StoreError::RetryPending { .. }
            | StoreError::NoRecipeVersion { .. } => Self::Conflict,
            _ => Self::Unavailable,
        }
    }

    /// The HTTP status answering it.
    #[must_use]
    pub fn http_status(self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Conflict => StatusCode::CONFLICT,
            Self::Unavailable => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The CLI's exit code for it (every store failure is a failed command, not a usage error).
    #[must_use]
    pub fn exit_code(self) -> u8 {
        1
    }

    /// A short title (the web page's heading).
    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            Self::NotFound => "No such run",
            Self::Conflict => "Retry refused",
            Self::Unavailable => "Run history unavailable",
        }
    }

    /// What to tell the person who asked about `error` on run `run_id`. An unavailable store's details stay
    /// in the log (they may name hosts); the others say exactly what is wrong.
    #[must_use]
    pub fn message(self, error: &StoreError, run_id: &str) -> String {
        match self {
            Self::NotFound => format!("no run `{run_id}`"),
            Self::Conflict => error.to_string(),
            Self::Unavailable => "the run history is unavailable".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_store_error_has_one_status_and_message() {
        let missing = StoreError::RunNotFound("r1".into());
        assert_eq!(ErrorClass::of(&missing).http_status(), StatusCode::NOT_FOUND);
        assert_eq!(ErrorClass::of(&missing).message(&missing, "r1"), "no run `r1`");
        let pending = StoreError::RetryPending("r1".into());
        assert_eq!(ErrorClass::of(&pending).http_status(), StatusCode::CONFLICT);
        assert_eq!(ErrorClass::of(&pending).message(&pending, "r1"), pending.to_string());
        let broken = StoreError::CommitFailed { operation: "requeue_run", reason: "disk full at /var/db".into() };
        assert_eq!(ErrorClass::of(&broken), ErrorClass::Unavailable);
        assert_eq!(ErrorClass::of(&broken).http_status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(ErrorClass::of(&broken).message(&broken, "r1"), "the run history is unavailable");
        assert_eq!(ErrorClass::of(&broken).exit_code(), 1);
    }
}
