//! The backend interface: each backend's statements whose text differs (`Dialect`) and its pools and write
//! path (`Backend`), implemented by the SQLite and the Postgres backend.

use futures::future::BoxFuture;
use sqlx::{Database, Pool};

use crate::error::{StoreError, db};
use crate::sqlite::SqlitePools;
use crate::sqlite::group_commit::Lane;

/// A write over the backend's connection, which owns what it uses (on SQLite it runs on the group
/// committer's task).
pub(crate) type WriteJob<DB, T> =
    Box<dyn for<'c> FnOnce(&'c mut <DB as Database>::Connection) -> BoxFuture<'c, Result<T, StoreError>> + Send>;

/// The statements whose text differs between the backends (see `sqlite::sql` and `postgres::sql`).
pub(crate) trait Dialect: Database {
    /// Claims due runs under a lease.
    const CLAIM_RUNS: &'static str;
    /// Renews a node's leases.
    const HEARTBEAT: &'static str;
    /// Moves a poll cursor.
    const ADVANCE_CURSOR: &'static str;
    /// Announces recorded runs to other nodes, if the backend does.
    const ANNOUNCE_RECORDED_RUNS: Option<&'static str>;
    /// Records a webhook delivery and its one run in one statement, if the backend can.
    const RECORD_WEBHOOK_WITH_RUN: Option<&'static str>;
}

impl Dialect for sqlx::Sqlite {
    const CLAIM_RUNS: &'static str = crate::sqlite::sql::CLAIM_RUNS;
    const HEARTBEAT: &'static str = crate::sqlite::sql::HEARTBEAT;
    const ADVANCE_CURSOR: &'static str = crate::sqlite::sql::ADVANCE_CURSOR;
    const ANNOUNCE_RECORDED_RUNS: Option<&'static str> = crate::sqlite::sql::ANNOUNCE_RECORDED_RUNS;
    const RECORD_WEBHOOK_WITH_RUN: Option<&'static str> = crate::sqlite::sql::RECORD_WEBHOOK_WITH_RUN;
}

impl Dialect for sqlx::Postgres {
    const CLAIM_RUNS: &'static str = crate::postgres::sql::CLAIM_RUNS;
    const HEARTBEAT: &'static str = crate::postgres::sql::HEARTBEAT;
    const ADVANCE_CURSOR: &'static str = crate::postgres::sql::ADVANCE_CURSOR;
    const ANNOUNCE_RECORDED_RUNS: Option<&'static str> = crate::postgres::sql::ANNOUNCE_RECORDED_RUNS;
    const RECORD_WEBHOOK_WITH_RUN: Option<&'static str> = crate::postgres::sql::RECORD_WEBHOOK_WITH_RUN;
}

/// One backend's way of running a write.
pub(crate) trait Backend: Send + Sync + 'static {
    /// The backend's database.
    type DB: Dialect;

    /// Runs `job` and returns its result. On SQLite the write joins a group commit: it runs on the writing
    /// connection inside a transaction shared with other callers' writes, and its result is returned only
    /// after that transaction committed, so `job` must wrap more than one statement in `Connection::begin`
    /// (a savepoint there); `Lane::Urgent` puts it ahead of other waiting writes (someone outside waits on
    /// it: a webhook's acknowledgement). On Postgres it runs on a pooled connection in autocommit, and
    /// `begin` is a transaction.
    fn write<T: Send + 'static>(
        &self,
        lane: Lane,
        operation: &'static str,
        job: WriteJob<Self::DB, T>,
    ) -> impl Future<Output = Result<T, StoreError>> + Send;
}

impl Backend for SqlitePools {
    type DB = sqlx::Sqlite;

    async fn write<T: Send + 'static>(
        &self,
        lane: Lane,
        operation: &'static str,
        job: WriteJob<sqlx::Sqlite, T>,
    ) -> Result<T, StoreError> {
        self.committer.write(lane, operation, job).await
    }
}

impl Backend for Pool<sqlx::Postgres> {
    type DB = sqlx::Postgres;

    async fn write<T: Send + 'static>(
        &self,
        _lane: Lane,
        operation: &'static str,
        job: WriteJob<sqlx::Postgres, T>,
    ) -> Result<T, StoreError> {
        let mut pooled = self.acquire().await.map_err(db(operation))?;
        job(&mut pooled).await
    }
}
