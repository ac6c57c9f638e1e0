//! The engine's guarantees (docs/contract.md section 5), each test on SQLite and on Postgres, with
//! the in-memory test connector: nothing lost, nothing doubled, crash-safe,
//! retries, `on_error`, `for_each`, `when`, edits that keep cursors.

mod api;
mod execution;
mod triggers;

/// Defines `<name>::sqlite` and `<name>::postgres`, each calling `<name>(Db)`.
macro_rules! on_both_databases {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn sqlite() {
                    super::$name(hirewire_tests::engine::Db::Sqlite).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn postgres() {
                    super::$name(hirewire_tests::engine::Db::Postgres).await;
                }
            }
        )+
    };
}
pub(crate) use on_both_databases;

/// `connections:` with one memory connection named `mem` on a bucket of its own.
pub(crate) fn memory_connection(bucket: &str) -> String {
    format!("  mem:\n    connector: memory\n    bucket: {bucket}\n    webhook_secret: s3cret-hook\n")
}

/// A unique bucket name.
pub(crate) fn bucket(test: &str) -> String {
    format!("{test}-{}", std::process::id()) + &format!("-{}", rand_suffix())
}

fn rand_suffix() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or_default()
}
