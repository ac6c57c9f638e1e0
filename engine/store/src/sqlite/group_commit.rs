//! Group commit for SQLite: one writer task runs the writes of many callers in one transaction and answers
//! each caller only after that transaction's COMMIT.
//!
//! SQLite allows one writer at a time, and every commit writes the changed pages to the WAL again: eight
//! commits per run cost more than the statements themselves. Callers hand their write to the writer (a thread
//! of its own) as a job; the writer takes the jobs waiting (up to [`MAX_JOBS_PER_COMMIT`]), runs them one
//! after another inside one `BEGIN IMMEDIATE … COMMIT` on the store's writing connection, then tells each
//! caller its result. A caller is never answered before its write is durable, so "answer a webhook only after
//! its run is recorded" still holds. Under no load a batch is one job, so nothing waits for company.
//!
//! A job runs after the jobs before it in its batch and sees their writes; a job that writes more than one
//! statement wraps them in `conn.begin()` (a savepoint inside the batch), so a failing job undoes only its own
//! writes and the rest of the batch still commits. If the COMMIT fails, every caller in the batch gets the
//! error and nothing of the batch is written. Jobs own their inputs (`'static`), so a caller that stops
//! waiting (a dropped webhook request) never leaves a job pointing at freed data: the job still runs, and
//! its result is dropped.

use std::panic::AssertUnwindSafe;

use futures::FutureExt as _;
use futures::future::BoxFuture;
use sqlx::Connection as _;
use sqlx::sqlite::{SqliteConnection, SqlitePool};
use tokio::sync::{mpsc, oneshot};

use crate::error::StoreError;

/// The most writes one transaction carries: bounds how long the first caller of a batch waits.
pub(crate) const MAX_JOBS_PER_COMMIT: usize = 64;

/// What a job hands back after running: delivers its result once the batch's outcome is known (`Err` carries
/// why the batch failed).
type Deliver = Box<dyn for<'r> FnOnce(Result<(), &'r str>) + Send>;

/// A caller's write: runs on the writing connection (or is told why the batch could not start) and returns
/// its delivery.
type Job = Box<dyn for<'c> FnOnce(Result<&'c mut SqliteConnection, &'c str>) -> BoxFuture<'c, Deliver> + Send>;

/// The handle callers send their writes through. Cheap to clone.
#[derive(Clone)]
pub(crate) struct GroupCommitter {
    /// Writes someone outside is waiting on (a webhook's acknowledgement): they get short batches of their own.
    urgent: mpsc::UnboundedSender<Job>,
    /// Everything else, first come first served.
    normal: mpsc::UnboundedSender<Job>,
}

/// Which queue a write joins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lane {
    /// In a batch of urgent writes, taking turns with normal batches (and riding along with one already
    /// being gathered).
    Urgent,
    /// In arrival order.
    Normal,
}

impl GroupCommitter {
    /// Starts the writer over `pool` (the one-connection writing pool). The connection is taken for one batch
    /// at a time, so other users of the pool (migrations, rare writes) run between batches.
    ///
    /// The writer runs on a thread and runtime of its own: each statement is a hand-off to SQLite's
    /// connection thread and back, and on the daemon's runtime every one of those wake-ups would queue behind
    /// the runs' tasks, stretching every batch (and every webhook acknowledgement) under load. The thread
    /// ends when every handle is dropped.
    ///
    /// # Errors
    /// When the thread cannot be started.
    pub(crate) fn start(pool: SqlitePool) -> std::io::Result<Self> {
        let (urgent, urgent_queue) = mpsc::unbounded_channel();
        let (normal, normal_queue) = mpsc::unbounded_channel();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        std::thread::Builder::new()
            .name("hirewire-sqlite-writer".to_owned())
            .spawn(move || runtime.block_on(commit_batches(pool, urgent_queue, normal_queue)))?;
        Ok(Self { urgent, normal })
    }

    /// Runs `write` on the writing connection inside a group transaction and returns its result after that
    /// transaction committed. `operation` names the store function in errors; `lane` says whether it goes
    /// ahead of other waiting writes.
    ///
    /// # Errors
    /// What `write` returns; `CommitFailed` when the batch could not begin or commit, or the store was closed
    /// (nothing of this write is stored).
    pub(crate) async fn write<T, F>(&self, lane: Lane, operation: &'static str, write: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, Result<T, StoreError>> + Send + 'static,
    {
        let (answer, answered) = oneshot::channel::<Result<T, StoreError>>();
        let job: Job = Box::new(move |conn| {
            Box::pin(async move {
                let outcome = match conn {
                    // A panicking write loses its own answer (the caller sees `CommitFailed`), not the task.
                    Ok(conn) => AssertUnwindSafe(write(conn)).catch_unwind().await.ok(),
                    Err(reason) => Some(Err(commit_failed(operation, reason))),
                };
                Box::new(move |batch: Result<(), &str>| {
                    let Some(outcome) = outcome else { return };
                    let result = match (batch, outcome) {
                        // The write's own error wins: it is what went wrong with this write, which wrote nothing.
                        (_, Err(error)) => Err(error),
                        (Err(reason), Ok(_)) => Err(commit_failed(operation, reason)),
                        (Ok(()), Ok(value)) => Ok(value),
                    };
                    // The caller may have stopped waiting; then nobody needs the answer.
                    let _ = answer.send(result);
                }) as Deliver
            })
        });
        let queue = match lane {
            Lane::Urgent => &self.urgent,
            Lane::Normal => &self.normal,
        };
        queue.send(job).map_err(|_| commit_failed(operation, "the store is closed"))?;
        answered
            .await
            .map_err(|_| commit_failed(operation, "the write was abandoned (the store closed or the write panicked)"))?
    }
}

/// The writer task: takes the waiting jobs, runs them in one transaction, commits, answers. Waiting urgent
/// writes get a short batch of their own, so a webhook waits for at most the batch in progress and then only
/// for its own kind; urgent and normal batches take turns when both wait, so neither can starve the other.
/// Ends when the handles are gone, after finishing what is queued.
async fn commit_batches(
    pool: SqlitePool,
    mut urgent: mpsc::UnboundedReceiver<Job>,
    mut normal: mpsc::UnboundedReceiver<Job>,
) {
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_JOBS_PER_COMMIT);
    let mut urgent_turn = true;
    loop {
        let (lane, first) = if urgent_turn {
            tokio::select! {
                biased;
                job = urgent.recv() => (Lane::Urgent, job),
                job = normal.recv() => (Lane::Normal, job),
            }
        } else {
            tokio::select! {
                biased;
                job = normal.recv() => (Lane::Normal, job),
                job = urgent.recv() => (Lane::Urgent, job),
            }
        };
        let Some(first) = first else {
            // Both senders live in the same handles, so every handle is gone: finish what is still queued.
            while normal.recv_many(&mut batch, MAX_JOBS_PER_COMMIT).await > 0
                || urgent.recv_many(&mut batch, MAX_JOBS_PER_COMMIT).await > 0
            {
                commit_batch(&pool, batch.drain(..)).await;
            }
            return;
        };
        batch.push(first);
        match lane {
            Lane::Urgent => top_up(&mut batch, &mut urgent, MAX_JOBS_PER_COMMIT),
            Lane::Normal => {
                top_up(&mut batch, &mut normal, MAX_JOBS_PER_COMMIT / 2);
                // Urgent writes already waiting ride along rather than wait for the next batch.
                top_up(&mut batch, &mut urgent, MAX_JOBS_PER_COMMIT);
            }
        }
        urgent_turn = lane == Lane::Normal;
        commit_batch(&pool, batch.drain(..)).await;
    }
}

/// Moves jobs already waiting in `queue` into `batch` until it holds `up_to`.
fn top_up(batch: &mut Vec<Job>, queue: &mut mpsc::UnboundedReceiver<Job>, up_to: usize) {
    while batch.len() < up_to {
        let Ok(job) = queue.try_recv() else { break };
        batch.push(job);
    }
}

/// Runs one batch of jobs in one transaction and delivers every result.
async fn commit_batch(pool: &SqlitePool, jobs: impl ExactSizeIterator<Item = Job>) {
    let mut deliveries: Vec<Deliver> = Vec::with_capacity(jobs.len());
    let mut conn = match pool.acquire().await {
        Ok(conn) => conn,
        Err(error) => return refuse_batch(jobs, &error.to_string()).await,
    };
    let mut tx = match conn.begin_with(super::sql::BEGIN_WRITE).await {
        Ok(tx) => tx,
        Err(error) => return refuse_batch(jobs, &error.to_string()).await,
    };
    for job in jobs {
        deliveries.push(job(Ok(&mut *tx)).await);
    }
    match tx.commit().await {
        Ok(()) => deliveries.into_iter().for_each(|deliver| deliver(Ok(()))),
        Err(error) => {
            // The connection's transaction state is unknown after a failed COMMIT: open a fresh one next time.
            conn.close_on_drop();
            let reason = error.to_string();
            deliveries.into_iter().for_each(|deliver| deliver(Err(&reason)));
        }
    }
}

/// Answers every job of a batch that could not start with `reason`.
async fn refuse_batch(jobs: impl Iterator<Item = Job>, reason: &str) {
    for job in jobs {
        (job(Err(reason)).await)(Err(reason));
    }
}

/// The error a caller gets when its batch failed: nothing of its write was stored.
fn commit_failed(operation: &'static str, reason: &str) -> StoreError {
    StoreError::CommitFailed { operation, reason: reason.to_owned() }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

    use sqlx::sqlite::SqlitePoolOptions;

    use super::*;

    /// A one-connection database file with table `t(x UNIQUE)`, and a commit hook that counts commits and
    /// refuses them while `refuse` is set. (A file, not `:memory:`: a failed commit reopens the connection.)
    async fn database() -> (SqlitePool, Arc<AtomicU64>, Arc<AtomicBool>) {
        static DIR: std::sync::LazyLock<tempfile::TempDir> =
            std::sync::LazyLock::new(|| tempfile::tempdir().expect("temporary directory"));
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let path = DIR.path().join(format!("{}.db", NEXT.fetch_add(1, Ordering::SeqCst)));
        let commits = Arc::new(AtomicU64::new(0));
        let refuse = Arc::new(AtomicBool::new(false));
        let (hook_commits, hook_refuse) = (commits.clone(), refuse.clone());
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .after_connect(move |conn, _| {
                let (commits, refuse) = (hook_commits.clone(), hook_refuse.clone());
                Box::pin(async move {
                    conn.lock_handle().await?.set_commit_hook(move || {
                        commits.fetch_add(1, Ordering::SeqCst);
                        !refuse.load(Ordering::SeqCst)
                    });
                    Ok(())
                })
            })
            .connect_with(sqlx::sqlite::SqliteConnectOptions::new().filename(&path).create_if_missing(true))
            .await
            .expect("database file");
        sqlx::query("CREATE TABLE t (x INTEGER NOT NULL UNIQUE)").execute(&pool).await.expect("table");
        (pool, commits, refuse)
    }

    async fn rows(pool: &SqlitePool) -> Vec<i64> {
        sqlx::query_scalar("SELECT x FROM t ORDER BY x").fetch_all(pool).await.expect("rows")
    }

    /// Inserts `x` through the committer.
    async fn insert(committer: &GroupCommitter, x: i64) -> Result<u64, StoreError> {
        committer
            .write(Lane::Normal, "insert", move |conn| {
                Box::pin(async move {
                    Ok(sqlx::query("INSERT INTO t (x) VALUES ($1)")
                        .bind(x)
                        .execute(&mut *conn)
                        .await
                        .map_err(crate::error::db("insert"))?
                        .rows_affected())
                })
            })
            .await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writes_share_commits_and_each_gets_its_own_result() {
        let (pool, commits, _) = database().await;
        let committer = GroupCommitter::start(pool.clone()).expect("writer thread");
        let before = commits.load(Ordering::SeqCst);
        let mut writes = tokio::task::JoinSet::new();
        for x in 0..200 {
            let committer = committer.clone();
            writes.spawn(async move { (x, insert(&committer, x).await) });
        }
        // A duplicate fails alone: its statement is undone, the rest of its batch commits.
        let duplicate = {
            let committer = committer.clone();
            tokio::spawn(async move { insert(&committer, 7).await })
        };
        while let Some(joined) = writes.join_next().await {
            let (x, result) = joined.expect("write task");
            assert_eq!(result.expect("insert"), 1, "insert of {x}");
        }
        let duplicate = duplicate.await.expect("duplicate task");
        assert!(matches!(&duplicate, Err(StoreError::Database { operation: "insert", .. })), "{duplicate:?}");
        assert_eq!(rows(&pool).await, (0..200).collect::<Vec<_>>());
        let used = commits.load(Ordering::SeqCst) - before;
        assert!(used < 200, "201 writes took {used} commits: none were grouped");
    }

    #[tokio::test]
    async fn a_failing_write_undoes_its_savepoint_and_not_its_neighbours() {
        let (pool, _, _) = database().await;
        let committer = GroupCommitter::start(pool.clone()).expect("writer thread");
        let first = insert(&committer, 1);
        let two_statements = committer.write(Lane::Normal, "two_statements", |conn| {
            Box::pin(async move {
                let mut tx = conn.begin().await.map_err(crate::error::db("two_statements"))?;
                sqlx::query("INSERT INTO t (x) VALUES (2)")
                    .execute(&mut *tx)
                    .await
                    .map_err(crate::error::db("two_statements"))?;
                // Collides with `first`, queued before it in the same batch.
                sqlx::query("INSERT INTO t (x) VALUES (1)")
                    .execute(&mut *tx)
                    .await
                    .map_err(crate::error::db("two_statements"))?;
                tx.commit().await.map_err(crate::error::db("two_statements"))
            })
        });
        let third = insert(&committer, 3);
        let (first, two_statements, third) = tokio::join!(first, two_statements, third);
        assert_eq!(first.expect("first"), 1);
        assert!(two_statements.is_err(), "{two_statements:?}");
        assert_eq!(third.expect("third"), 1);
        assert_eq!(rows(&pool).await, vec![1, 3], "the failed write's first statement was undone");
    }

    #[tokio::test]
    async fn an_urgent_write_goes_ahead_of_waiting_ones() {
        let (pool, _, _) = database().await;
        let committer = GroupCommitter::start(pool.clone()).expect("writer thread");
        // Hold the only connection: the writer takes its first job and waits for it.
        let held = pool.acquire().await.expect("connection");
        let insert_in = |lane: Lane, x: i64| {
            let committer = committer.clone();
            tokio::spawn(async move {
                committer
                    .write(lane, "insert", move |conn| {
                        Box::pin(async move {
                            sqlx::query("INSERT INTO t (x) VALUES ($1)")
                                .bind(x)
                                .execute(&mut *conn)
                                .await
                                .map_err(crate::error::db("insert"))
                                .map(|_| ())
                        })
                    })
                    .await
            })
        };
        let mut writes = vec![insert_in(Lane::Normal, 0)];
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        writes.extend((1..=5).map(|x| insert_in(Lane::Normal, x)));
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        writes.push(insert_in(Lane::Urgent, 100));
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        drop(held);
        for write in writes {
            write.await.expect("write task").expect("insert");
        }
        let order: Vec<i64> =
            sqlx::query_scalar("SELECT x FROM t ORDER BY rowid").fetch_all(&pool).await.expect("rows");
        assert_eq!(order, vec![0, 100, 1, 2, 3, 4, 5]);
    }

    #[tokio::test]
    async fn a_failed_commit_fails_every_write_of_its_batch_and_stores_nothing() {
        let (pool, _, refuse) = database().await;
        let committer = GroupCommitter::start(pool.clone()).expect("writer thread");
        refuse.store(true, Ordering::SeqCst);
        let (a, b) = tokio::join!(insert(&committer, 1), insert(&committer, 2));
        for result in [a, b] {
            let error = result.expect_err("the commit was refused");
            assert!(matches!(error, StoreError::CommitFailed { operation: "insert", .. }), "{error:?}");
        }
        refuse.store(false, Ordering::SeqCst);
        assert_eq!(rows(&pool).await, Vec::<i64>::new());
        // The committer goes on with a fresh connection.
        assert_eq!(insert(&committer, 4).await.expect("after the failure"), 1);
        assert_eq!(rows(&pool).await, vec![4]);
    }

    #[tokio::test]
    async fn a_write_whose_caller_stopped_waiting_still_completes() {
        let (pool, _, _) = database().await;
        let committer = GroupCommitter::start(pool.clone()).expect("writer thread");
        {
            let mut abandoned = std::pin::pin!(insert(&committer, 5));
            // Polled once (the job is handed over), then dropped.
            assert!(futures::poll!(abandoned.as_mut()).is_pending());
        }
        // Writes go in order: once the next one is answered, the abandoned one has committed.
        assert_eq!(insert(&committer, 6).await.expect("next write"), 1);
        assert_eq!(rows(&pool).await, vec![5, 6]);
    }
}
