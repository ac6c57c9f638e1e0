//! Counting SQLite commits, for the benchmarks' "commits per run": off unless
//! [`crate::diagnostics::count_sqlite_commits`] turned it on, then every connection opened afterwards gets a
//! commit hook (`sqlite3_commit_hook`) that bumps one process-wide atomic.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use sqlx::sqlite::SqliteConnection;

/// Whether connections opened from now on count their commits.
static ENABLED: AtomicBool = AtomicBool::new(false);
/// Commits counted so far.
static COMMITS: AtomicU64 = AtomicU64::new(0);

/// Makes connections opened from now on count their commits.
pub(crate) fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
}

/// Commits counted so far (explicit and autocommit).
pub(crate) fn commits() -> u64 {
    COMMITS.load(Ordering::Relaxed)
}

/// Installs the counting commit hook on a new connection when counting is on.
pub(crate) async fn count_commits_if_enabled(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    if !ENABLED.load(Ordering::Relaxed) {
        return Ok(());
    }
    let mut handle = conn.lock_handle().await?;
    handle.set_commit_hook(|| {
        COMMITS.fetch_add(1, Ordering::Relaxed);
        // sqlx turns a commit whose hook returns `false` into a rollback.
        true
    });
    Ok(())
}
