//! Throwaway databases for benchmarks and tests: a SQLite file in a temporary directory, or a fresh Postgres
//! database with a unique name on the server at `HIREWIRE_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), so runs in parallel never share state. `hirewire bench`
//! runs each pass on one; tests reach it as `testing::ScratchDatabase`.

use std::path::PathBuf;
use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;
use sqlx::{AssertSqlSafe, ConnectOptions, Connection};

use crate::error::{StoreError, db};

/// The admin URL used when `HIREWIRE_TEST_POSTGRES_URL` is not set.
pub const DEFAULT_POSTGRES_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database that exists for one benchmark pass or test. Call [`ScratchDatabase::drop_database`] at the end (a SQLite file goes
/// with its temporary directory anyway).
#[derive(Debug)]
pub struct ScratchDatabase {
    /// The URL to open.
    pub url: String,
    /// The SQLite file, for SQLite databases.
    pub sqlite_path: Option<PathBuf>,
    postgres_name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

fn admin_url() -> String {
    std::env::var("HIREWIRE_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_ADMIN_URL.to_owned())
}

impl ScratchDatabase {
    /// A new SQLite file `hirewire.db` in a fresh temporary directory.
    ///
    /// # Errors
    /// `InvalidUrl` when the temporary directory cannot be created.
    pub fn sqlite() -> Result<Self, StoreError> {
        let dir = tempfile::Builder::new()
            .prefix("hirewire-store-")
            .tempdir()
            .map_err(|e| StoreError::InvalidUrl { url: "sqlite://<temp>".to_owned(), reason: e.to_string() })?;
        let path = dir.path().join("hirewire.db");
        Ok(Self {
            url: format!("sqlite://{}", path.display()),
            sqlite_path: Some(path),
            postgres_name: None,
            _dir: Some(dir),
        })
    }

    /// A new, empty Postgres database with a unique name.
    ///
    /// # Errors
    /// `Database` when the server cannot be reached or refuses `CREATE DATABASE`.
    pub async fn postgres() -> Result<Self, StoreError> {
        let admin = admin_url();
        let options = PgConnectOptions::from_str(&admin)
            .map_err(|e| StoreError::InvalidUrl { url: crate::redact_url(&admin), reason: e.to_string() })?;
        let name = format!("hirewire_test_{}", uuid::Uuid::now_v7().simple());
        let mut conn = options.connect().await.map_err(db("create test database"))?;
        // The name is generated above (letters, digits, underscores): identifiers cannot be bound.
        sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .map_err(db("create test database"))?;
        conn.close().await.map_err(db("create test database"))?;
        let url = options.database(&name).to_url_lossy().to_string();
        Ok(Self { url, sqlite_path: None, postgres_name: Some(name), _dir: None })
    }

    /// Drops a Postgres test database (closing other sessions on it); nothing for SQLite.
    ///
    /// # Errors
    /// `Database` when the server refuses.
    pub async fn drop_database(self) -> Result<(), StoreError> {
        let Some(name) = self.postgres_name else { return Ok(()) };
        let admin = admin_url();
        let options = PgConnectOptions::from_str(&admin)
            .map_err(|e| StoreError::InvalidUrl { url: crate::redact_url(&admin), reason: e.to_string() })?;
        let mut conn = options.connect().await.map_err(db("drop test database"))?;
        sqlx::raw_sql(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
            .execute(&mut conn)
            .await
            .map_err(db("drop test database"))?;
        conn.close().await.map_err(db("drop test database"))?;
        Ok(())
    }
}
