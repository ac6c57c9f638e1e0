//! `Store`: one handle over either backend; opening, migrating and health.

use std::fmt;

use sqlx::postgres::PgPool;

use crate::error::{StoreError, db};
use crate::sqlite::SqlitePools;

/// The run history and work queue, on SQLite or Postgres. Cheap to clone (a pool handle).
#[derive(Clone)]
pub struct Store {
    pub(crate) pool: Pool,
    display_url: String,
}

/// The connection pool of the backend in use.
#[derive(Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePools),
    Postgres(PgPool),
}

/// Which database a `Store` uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite: one daemon.
    Sqlite,
    /// Postgres: several daemons may share it.
    Postgres,
}

/// Runs `$body` with `$pool` bound to the concrete pool and `$sql` to that backend's statements, so each store
/// function is written once and type-checked against both backends. On SQLite `$pool` is the writing
/// connection; a function that only reads says `on_pool!(read: self, ...)` and gets the reading pool, so reads
/// never wait behind the writer.
macro_rules! on_pool {
    (read: $store:expr, $pool:ident, $sql:ident => $body:expr) => {
        $crate::store::on_pool!(@read, $store, $pool, $sql => $body)
    };
    (@$side:ident, $store:expr, $pool:ident, $sql:ident => $body:expr) => {
        match &$store.pool {
            $crate::store::Pool::Sqlite(pools) => {
                #[allow(unused_imports)]
                use $crate::sqlite::sql as $sql;
                let $pool = &pools.$side;
                $body
            }
            $crate::store::Pool::Postgres($pool) => {
                #[allow(unused_imports)]
                use $crate::postgres::sql as $sql;
                $body
            }
        }
    };
    ($store:expr, $pool:ident, $sql:ident => $body:expr) => {
        $crate::store::on_pool!(@write, $store, $pool, $sql => $body)
    };
}
pub(crate) use on_pool;

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store").field("backend", &self.backend()).field("url", &self.display_url).finish()
    }
}

impl Store {
    /// Opens the database at `url` and applies any pending migrations.
    ///
    /// Accepted: `sqlite://PATH` (created if missing), `sqlite:PATH`, `sqlite::memory:` (one connection, gone on
    /// close), `postgres://...` / `postgresql://...`. SQLite runs with WAL, `busy_timeout` 30 s, foreign keys
    /// `secure_delete` and `auto_vacuum = INCREMENTAL` (set before the first table is created).
    ///
    /// # Errors
    /// `InvalidUrl` for an unknown scheme or bad URL, `Database` if it cannot connect, `Migrate` if the
    /// migrations fail. No error shows the URL's password.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let store = Self::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Connects without applying migrations.
    ///
    /// # Errors
    /// As `open`, without `Migrate`.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let display_url = redact_url(url);
        let invalid = |reason: String| StoreError::InvalidUrl { url: display_url.clone(), reason };
        let pool = if url.starts_with("sqlite:") {
            Pool::Sqlite(SqlitePools::open(url, &invalid).await?)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Pool::Postgres(crate::postgres::open(url, &invalid).await?)
        } else {
            return Err(invalid("expected sqlite://PATH, sqlite::memory: or postgres://...".to_owned()));
        };
        Ok(Self { pool, display_url })
    }

    /// Applies pending migrations (embedded from `migrations/sqlite` or `migrations/postgres`); idempotent.
    ///
    /// # Errors
    /// `Migrate` when a migration fails or an applied one was changed.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.pool {
            Pool::Sqlite(pools) => sqlx::migrate!("../../migrations/sqlite").run(&pools.write).await?,
            Pool::Postgres(pool) => sqlx::migrate!("../../migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    /// Which backend this store uses.
    #[must_use]
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// The database URL with any password replaced by `***`, for messages.
    #[must_use]
    pub fn display_url(&self) -> &str {
        &self.display_url
    }

    /// Checks that the database answers (for `/readyz`).
    ///
    /// # Errors
    /// `Database` when it does not.
    pub async fn ping(&self) -> Result<(), StoreError> {
        on_pool!(self, pool, sql => {
            sqlx::query(sql::PING).execute(pool).await.map_err(db("ping"))?;
        });
        Ok(())
    }

    /// Closes every connection (waits for queries in flight).
    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(pools) => pools.close().await,
            Pool::Postgres(pool) => pool.close().await,
        }
    }
}

/// `url` with its password, if any, replaced by `***`.
#[must_use]
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            if parsed.set_password(Some("***")).is_ok() {
                parsed.to_string()
            } else {
                "<unparseable database url>".to_owned()
            }
        }
        Ok(_) => url.to_owned(),
        Err(_) if url.contains('@') => "<unparseable database url>".to_owned(),
        Err(_) => url.to_owned(),
    }
}
