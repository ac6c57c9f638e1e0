//! Per-connection SQLite setup: the commit counter (when a benchmark turned it on) and the query planner
//! stability guarantee.
//!
//! Without QPSG, SQLite marks a prepared statement for re-preparation whenever a bound value could change its
//! plan: a bound `LIMIT $n`, or a parameter compared with a partial index's condition. The claim's
//! `LIMIT $4` changes with the free worker slots, so the store's statements were re-parsed and re-planned on
//! most executions (18 % of the CPU of the `ceiling` bench under `perf`). With QPSG every statement keeps the
//! plan it was prepared with; the store's plans do not depend on bound values (the history filters and the
//! queue use literal partial-index conditions), so nothing is lost.

use sqlx::sqlite::SqliteConnection;

/// Sets up a new SQLite connection of the store's pools.
pub(crate) async fn tune_connection(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    super::commit_count::count_commits_if_enabled(conn).await?;
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle().as_ptr();
    // SAFETY: `db` is the live connection handle, held exclusively through `handle` for the duration of the
    // call; SQLITE_DBCONFIG_ENABLE_QPSG takes an int (1: on) and an optional `int*` for the new setting,
    // which may be null.
    #[allow(unsafe_code)]
    let rc = unsafe {
        libsqlite3_sys::sqlite3_db_config(
            db,
            libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG,
            1 as std::ffi::c_int,
            std::ptr::null_mut::<std::ffi::c_int>(),
        )
    };
    if rc == libsqlite3_sys::SQLITE_OK {
        Ok(())
    } else {
        Err(sqlx::Error::Configuration(
            format!("enabling SQLite's query planner stability guarantee failed ({rc})").into(),
        ))
    }
}
