//! The SQLite backend: its statements, per-connection tuning, group commit and how its pools are opened.

pub(crate) mod commit_count;
pub(crate) mod group_commit;
pub(crate) mod sql;
pub(crate) mod tuning;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteAutoVacuum, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::error::{StoreError, db};
use group_commit::GroupCommitter;

/// How long a SQLite writer waits for the write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);
/// Reading connections. Each is an OS thread with its own page cache; reads are short index seeks, so a few
/// serve the workers (one `steps_of` per run) and the history pages.
const READERS: u32 = 4;
/// How long an unused reading connection stays open (an idle daemon keeps none).
const READER_IDLE: Duration = Duration::from_secs(30);

/// SQLite allows one writer at a time. Every write goes through ONE connection, so this process's writers
/// queue (first come, first served) instead of colliding on the file lock and sleeping in SQLite's busy
/// handler; reads run in parallel on their own connections (WAL). The writes of the run queue's hot path go
/// through `committer`, which commits many callers' writes in one transaction (`group_commit`).
#[derive(Clone)]
pub(crate) struct SqlitePools {
    /// The one writing connection.
    pub(crate) write: SqlitePool,
    /// Group commit over `write`.
    pub(crate) committer: GroupCommitter,
    /// Read-only work (history, `runs show`, gauges). The same pool as `write` for an in-memory database.
    pub(crate) read: SqlitePool,
}

impl SqlitePools {
    /// Opens the pools of the SQLite database at `url` (created if missing, readable by its owner only).
    /// `invalid` turns a parse error into the caller's `InvalidUrl`.
    pub(crate) async fn open(url: &str, invalid: impl Fn(String) -> StoreError) -> Result<Self, StoreError> {
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| invalid(e.to_string()))?
            .create_if_missing(true)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true)
            // Deleted and overwritten content (pruned runs, forgotten candidates) is zeroed, not left in
            // free pages.
            .pragma("secure_delete", "ON");
        if !in_memory {
            create_owner_only(options.get_filename()).map_err(|e| db("open")(sqlx::Error::Io(e)))?;
        }
        // The database's own settings are the writer's to make: setting them takes the write lock, which
        // the group committer holds most of the time under load, so a reader connecting would wait.
        let write_options = options.clone().auto_vacuum(SqliteAutoVacuum::Incremental).journal_mode(if in_memory {
            SqliteJournalMode::Memory
        } else {
            SqliteJournalMode::Wal
        });
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .after_connect(|conn, _| Box::pin(tuning::tune_connection(conn)))
            .connect_with(write_options)
            .await
            .map_err(db("open"))?;
        let read = if in_memory {
            write.clone()
        } else {
            // Opened lazily: the file exists (the writer created it) and readers connect on first use.
            SqlitePoolOptions::new()
                .max_connections(READERS)
                .idle_timeout(READER_IDLE)
                .after_connect(|conn, _| Box::pin(tuning::tune_connection(conn)))
                .connect_lazy_with(options)
        };
        let committer = GroupCommitter::start(write.clone()).map_err(|e| db("open")(sqlx::Error::Io(e)))?;
        Ok(Self { write, read, committer })
    }

    /// Closes every connection (waits for queries in flight).
    pub(crate) async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

/// Creates the database file `path` with mode 0600 if it does not exist: it holds candidates' personal data.
/// SQLite gives the `-wal` and `-shm` files it creates next to it the database file's mode. An existing
/// file's mode is left alone.
fn create_owner_only(path: &Path) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new();
    file.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut file, 0o600);
    match file.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        // A missing directory: SQLite reports it when it opens the file, as before.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use crate::Store;

    fn mode_of(path: &std::path::Path) -> u32 {
        std::fs::metadata(path).expect("file exists").permissions().mode() & 0o777
    }

    #[tokio::test]
    async fn a_new_database_and_its_wal_and_shm_are_readable_by_the_owner_only() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("new.db");
        let store = Store::open(&format!("sqlite://{}", path.display())).await.expect("open");
        store.upsert_node("node-a").await.expect("a write");
        for file in ["new.db", "new.db-wal", "new.db-shm"] {
            assert_eq!(mode_of(&dir.path().join(file)), 0o600, "{file}");
        }
        store.close().await;
    }

    #[tokio::test]
    async fn an_existing_database_keeps_its_mode() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("existing.db");
        std::fs::write(&path, b"").expect("empty database file");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        let store = Store::open(&format!("sqlite://{}", path.display())).await.expect("open");
        store.close().await;
        assert_eq!(mode_of(&path), 0o640);
    }
}
