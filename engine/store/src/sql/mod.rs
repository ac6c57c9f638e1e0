//! Every SQL statement of the store, one constant per query. `$N` placeholders work on both backends (sqlx
//! binds SQLite's `$N` by position), so most statements are shared; `sqlite` and `postgres` add the few that
//! differ (claiming, JSON arrays, sizes and vacuuming) and name the backend's `Db` and `BEGIN_WRITE`.

mod shared;

/// Statements for SQLite.
pub(crate) mod sqlite;

/// Statements for Postgres.
pub(crate) mod postgres;
