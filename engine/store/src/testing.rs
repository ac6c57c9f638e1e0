//! Test support (the `test-util` feature): throwaway databases and checks of the store's connection setup.

pub use crate::scratch::{DEFAULT_POSTGRES_ADMIN_URL, ScratchDatabase as TestDatabase};

use crate::error::{StoreError, db};

/// Whether a connection of `store`'s Postgres pool sends without delay (Nagle's algorithm off on its TCP socket,
/// `postgres::tuning`); `None` on SQLite, over a Unix socket, or when its socket is not found.
///
/// # Errors
/// `Database` when no connection can be had or its socket option cannot be read.
pub async fn postgres_sends_without_delay(store: &crate::Store) -> Result<Option<bool>, StoreError> {
    let crate::store::Pool::Postgres(pool) = &store.pool else { return Ok(None) };
    let mut conn = pool.acquire().await.map_err(db("postgres_sends_without_delay"))?;
    crate::postgres::tuning::sends_without_delay(&mut conn).await.map_err(db("postgres_sends_without_delay"))
}
