//! A process-wide count of SQLite commits, for the benchmarks' "commits per run": every pool
//! connection gets a commit hook (`sqlite3_commit_hook`) that bumps one atomic. Postgres counts
//! its own (`pg_stat_database.xact_commit`).

use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::sqlite::SqliteConnection;

static SQLITE_COMMITS: AtomicU64 = AtomicU64::new(0);

/// SQLite transactions committed by this process's stores so far (explicit and autocommit).
#[must_use]
pub fn sqlite_commits() -> u64 {
    SQLITE_COMMITS.load(Ordering::Relaxed)
}

/// Installs the counting commit hook on a new SQLite connection.
pub(crate) async fn count_commits_of(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    handle.set_commit_hook(|| {
        SQLITE_COMMITS.fetch_add(1, Ordering::Relaxed);
        // sqlx turns a commit whose hook returns `false` into a rollback.
        true
    });
    Ok(())
}

/// Transactions committed in the Postgres database at `url` (`pg_stat_database.xact_commit`, read-only
/// transactions included). Sessions report their counts when they end (or go idle for a while), so close
/// the pools being measured before reading.
///
/// # Errors
/// `InvalidUrl` or `Database`.
pub async fn postgres_commits(url: &str) -> Result<u64, crate::StoreError> {
    use std::str::FromStr as _;

    use sqlx::{ConnectOptions as _, Connection as _};

    let options = sqlx::postgres::PgConnectOptions::from_str(url)
        .map_err(|e| crate::StoreError::InvalidUrl { url: crate::redact_url(url), reason: e.to_string() })?;
    let mut conn = options.connect().await.map_err(crate::error::db("postgres_commits"))?;
    let commits: i64 =
        sqlx::query_scalar("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
            .fetch_one(&mut conn)
            .await
            .map_err(crate::error::db("postgres_commits"))?;
    conn.close().await.map_err(crate::error::db("postgres_commits"))?;
    Ok(u64::try_from(commits).unwrap_or(0))
}
