//! Wake-ups between nodes: on Postgres, recording runs sends `NOTIFY
//! hirewire_runs` and every node's workers `LISTEN`, so a run recorded on one
//! node is claimed at once by any (`record_webhook` and `record_poll` send it in
//! their own transaction); polling remains the fallback (and the only mechanism
//! on SQLite, which serves one daemon).

use sqlx::postgres::PgListener;

use crate::error::{StoreError, db};
use crate::postgres::sql::NOTIFY_RUNS;
use crate::store::{Pool, Store};

/// The channel runs are announced on.
pub const RUNS_CHANNEL: &str = "hirewire_runs";

/// A subscription to [`RUNS_CHANNEL`] on a dedicated connection.
pub struct RunsListener {
    listener: PgListener,
}

impl RunsListener {
    /// Waits for the next announcement (reconnects transparently after a lost connection).
    ///
    /// # Errors
    /// `Database` when the connection cannot be re-established.
    pub async fn next(&mut self) -> Result<(), StoreError> {
        self.listener.recv().await.map(|_| ()).map_err(db("listen_for_runs"))
    }
}

impl Store {
    /// Announces that runs were recorded (Postgres); nothing on SQLite.
    ///
    /// # Errors
    /// `Database`.
    pub async fn notify_runs_recorded(&self) -> Result<(), StoreError> {
        if let Pool::Postgres(pool) = &self.pool {
            sqlx::query(NOTIFY_RUNS).bind(RUNS_CHANNEL).execute(pool).await.map_err(db("notify_runs_recorded"))?;
        }
        Ok(())
    }

    /// Subscribes to announcements (Postgres); `None` on SQLite.
    ///
    /// # Errors
    /// `Database`.
    pub async fn listen_for_runs(&self) -> Result<Option<RunsListener>, StoreError> {
        let Pool::Postgres(pool) = &self.pool else { return Ok(None) };
        let mut listener = PgListener::connect_with(pool).await.map_err(db("listen_for_runs"))?;
        listener.listen(RUNS_CHANNEL).await.map_err(db("listen_for_runs"))?;
        Ok(Some(RunsListener { listener }))
    }
}
