//! The Postgres backend: its statements, per-connection tuning and how its pool is opened.

pub(crate) mod sql;
pub(crate) mod tuning;

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use crate::error::{StoreError, db};

/// Connections per pool.
const MAX_CONNECTIONS: u32 = 16;

/// Opens the pool of the Postgres database at `url`; `invalid` turns a parse error into the caller's
/// `InvalidUrl`.
pub(crate) async fn open(url: &str, invalid: impl Fn(String) -> StoreError) -> Result<PgPool, StoreError> {
    let options = PgConnectOptions::from_str(url).map_err(|e| invalid(e.to_string()))?;
    PgPoolOptions::new()
        .max_connections(MAX_CONNECTIONS)
        .after_connect(|conn, _| Box::pin(tuning::tune_connection(conn)))
        .connect_with(options)
        .await
        .map_err(db("open"))
}

/// Transactions committed in the database at `url` (`pg_stat_database.xact_commit`), on a connection of its
/// own.
pub(crate) async fn commits_of_database(url: &str) -> Result<u64, StoreError> {
    use sqlx::{ConnectOptions as _, Connection as _};

    let options = PgConnectOptions::from_str(url)
        .map_err(|e| StoreError::InvalidUrl { url: crate::redact_url(url), reason: e.to_string() })?;
    let mut conn = options.connect().await.map_err(db("postgres_commits"))?;
    let commits: i64 =
        sqlx::query_scalar(sql::COMMITS_OF_DATABASE).fetch_one(&mut conn).await.map_err(db("postgres_commits"))?;
    conn.close().await.map_err(db("postgres_commits"))?;
    Ok(u64::try_from(commits).unwrap_or(0))
}
