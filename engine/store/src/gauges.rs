//! Reads the daemon needs besides the queue itself: queue depth for metrics and
//! old recipe versions' sources for runs recorded before a restart.

use crate::error::{StoreError, db};
use crate::store::{Store, on_pool};
use crate::timestamp::Timestamp;

impl Store {
    /// How many queued runs are due now (the `hirewire_queue_depth` gauge).
    ///
    /// # Errors
    /// `Database`.
    pub async fn queue_depth(&self) -> Result<i64, StoreError> {
        on_pool!(read: self, pool, sql => {
            sqlx::query_scalar(sql::QUEUE_DEPTH)
                .bind(Timestamp::now())
                .fetch_one(pool)
                .await
                .map_err(db("queue_depth"))
        })
    }

    /// The recipe name and YAML source recorded for content hash `version`.
    ///
    /// # Errors
    /// `Database`.
    pub async fn recipe_version_source(&self, version: &str) -> Result<Option<(String, String)>, StoreError> {
        on_pool!(read: self, pool, sql => {
            sqlx::query_as(sql::RECIPE_VERSION_SOURCE)
                .bind(version)
                .fetch_optional(pool)
                .await
                .map_err(db("recipe_version_source"))
        })
    }
}
