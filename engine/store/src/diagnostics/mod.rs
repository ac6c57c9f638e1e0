//! Diagnostics for benchmarks and operators, off the hot path and off unless asked for: counting commits,
//! filling a store with synthetic history, and the plans of the history queries.
//!
//! Nothing here changes how a store behaves; a daemon never calls it. `hirewire bench` does.

mod explain;
mod synthetic;

pub use synthetic::{SYNTHETIC_CANDIDATE, SYNTHETIC_RECIPE, SyntheticFill};

/// Makes every SQLite connection opened from now on, by any store of this process, count its commits (a
/// commit hook bumps one atomic); read them with [`sqlite_commits`]. Off by default: a daemon never pays for
/// the hook.
pub fn count_sqlite_commits() {
    crate::sqlite::commit_count::enable();
}

/// SQLite transactions committed (explicit and autocommit) by this process's stores on connections opened
/// after [`count_sqlite_commits`]; 0 when counting was never turned on.
#[must_use]
pub fn sqlite_commits() -> u64 {
    crate::sqlite::commit_count::commits()
}

/// Transactions committed in the Postgres database at `url` (`pg_stat_database.xact_commit`, read-only
/// transactions included), read on a connection of its own. Sessions report their counts when they end (or
/// go idle for a while), so close the pools being measured before reading.
///
/// # Errors
/// `InvalidUrl` or `Database`.
pub async fn postgres_commits(url: &str) -> Result<u64, crate::StoreError> {
    crate::postgres::commits_of_database(url).await
}
