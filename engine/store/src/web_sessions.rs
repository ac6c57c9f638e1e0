//! Web sessions ended by logout, shared by every node and kept across restarts until they expire.

use chrono::{DateTime, Utc};

use crate::error::{StoreError, db};
use crate::store::{Store, on_pool};
use crate::timestamp::Timestamp;

impl Store {
    /// Records that the session `session_id` (whose cookie expires at `expires_at`) was ended by logout.
    /// Ending it twice is no error.
    ///
    /// # Errors
    /// `Database`.
    pub async fn end_web_session(&self, session_id: &str, expires_at: DateTime<Utc>) -> Result<(), StoreError> {
        on_pool!(self, pool, sql => {
            sqlx::query(sql::END_WEB_SESSION)
                .bind(session_id)
                .bind(Timestamp::new(expires_at))
                .execute(pool)
                .await
                .map_err(db("end_web_session"))?;
            Ok(())
        })
    }

    /// Whether the session `session_id` was ended by logout (on any node).
    ///
    /// # Errors
    /// `Database`.
    pub async fn web_session_ended(&self, session_id: &str) -> Result<bool, StoreError> {
        on_pool!(read: self, pool, sql => {
            sqlx::query_scalar(sql::WEB_SESSION_ENDED)
                .bind(session_id)
                .fetch_one(pool)
                .await
                .map_err(db("web_session_ended"))
        })
    }

    /// Forgets ended sessions whose cookies have expired by `now` (they are refused anyway); returns how many.
    ///
    /// # Errors
    /// `Database`.
    pub async fn prune_ended_web_sessions(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        on_pool!(self, pool, sql => {
            Ok(sqlx::query(sql::PRUNE_ENDED_WEB_SESSIONS)
                .bind(Timestamp::new(now))
                .execute(pool)
                .await
                .map_err(db("prune_ended_web_sessions"))?
                .rows_affected())
        })
    }
}
