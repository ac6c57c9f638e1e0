//! Operations shared by the HTTP API, the web page and the CLI, written once so that the three agree: run
//! filters (one parser from query strings, forms and command-line arguments into the store's `RunFilter`),
//! retry (one implementation, which wakes the workers through the one [`crate::notify::Wakeup`]) and the
//! classes of store errors (the HTTP status, CLI exit code and message of each).

mod error_class;
mod retry;
mod run_query;
mod since;

pub use error_class::ErrorClass;
pub use retry::{RetryRequest, parse_version, retry_run};
pub use run_query::{FilterProblems, PageSize, RunQuery, parse_limit, parse_status};
pub use since::{MAX_LOOKBACK_DAYS, SinceError, parse_since, parse_since_now};
