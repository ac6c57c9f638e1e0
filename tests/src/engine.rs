//! A harness for engine tests: a project in a temp directory (hirewire.yaml +
//! recipes) on a fresh SQLite or Postgres database, a daemon started on a
//! loopback port with fast timings, and helpers to wait for runs.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hirewire_runtime::worker::WorkerOptions;
use hirewire_runtime::{Daemon, DaemonOptions};
use hirewire_sdk::ConnectorDescriptor;
use hirewire_store::testing::TestDatabase;
use hirewire_store::{RunFilter, RunStatus, RunSummary, Store};

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    /// A temp SQLite file.
    Sqlite,
    /// A fresh database on the local Postgres.
    Postgres,
}

/// A project directory with its own database.
pub struct TestProject {
    /// The project directory.
    pub dir: tempfile::TempDir,
    /// Its database.
    pub database: Option<TestDatabase>,
    /// The database URL.
    pub url: String,
}

impl TestProject {
    /// A project on `db` whose `hirewire.yaml` has `connections_yaml` (indented under `connections:`).
    ///
    /// # Panics
    /// When the temp directory or database cannot be made.
    pub async fn new(db: Db, connections_yaml: &str) -> Self {
        let database = match db {
            Db::Sqlite => TestDatabase::sqlite().expect("temp sqlite"),
            Db::Postgres => TestDatabase::postgres().await.expect("test postgres database"),
        };
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("recipes")).expect("recipes dir");
        let url = database.url.clone();
        let config = format!("database: {url}\nconnections:\n{connections_yaml}\n");
        std::fs::write(dir.path().join("hirewire.yaml"), config).expect("write hirewire.yaml");
        Self { dir, database: Some(database), url }
    }

    /// A project with the repository's example `hirewire.yaml` (every connection configurable through
    /// `${..._BASE_URL}` variables, see `Sandbox::env_overrides`) and no recipes yet.
    ///
    /// # Panics
    /// When the temp directory or database cannot be made.
    pub async fn example(db: Db) -> Self {
        let project = Self::new(db, "").await;
        let example =
            std::fs::read_to_string(crate::workspace_root().join("hirewire.yaml")).expect("example hirewire.yaml");
        std::fs::write(project.dir.path().join("hirewire.yaml"), example).expect("write hirewire.yaml");
        project
    }

    /// Writes `recipes/<file>`.
    ///
    /// # Panics
    /// When the file cannot be written.
    pub fn write_recipe(&self, file: &str, yaml: &str) -> PathBuf {
        let path = self.dir.path().join("recipes").join(file);
        std::fs::write(&path, yaml).expect("write recipe");
        path
    }

    /// Daemon options with fast timings for tests.
    #[must_use]
    pub fn options(&self, node: &str) -> DaemonOptions {
        let mut options = DaemonOptions::new(self.dir.path());
        options.listen = Some("127.0.0.1:0".parse().expect("addr"));
        options.install_metrics = false;
        options.scheduler_tick = Duration::from_millis(100);
        options.worker = WorkerOptions {
            node: node.to_owned(),
            lease: Duration::from_secs(2),
            max_in_flight: 8,
            idle_poll: Duration::from_millis(50),
            shutdown_deadline: Duration::from_secs(5),
        };
        options
    }

    /// Starts a daemon with the real connectors plus `extra` ones.
    ///
    /// # Panics
    /// When the daemon does not start.
    pub async fn start(&self, node: &str, extra: Vec<ConnectorDescriptor>) -> Daemon {
        self.start_with(self.options(node), extra).await
    }

    /// Starts a daemon with `options`.
    ///
    /// # Panics
    /// When the daemon does not start.
    pub async fn start_with(&self, options: DaemonOptions, extra: Vec<ConnectorDescriptor>) -> Daemon {
        let mut registry = hirewire_connectors::all();
        registry.extend(extra);
        match Daemon::start(options, Arc::new(registry)).await {
            Ok(d) => d,
            Err(e) => panic!("daemon starts: {e:#}"),
        }
    }

    /// Opens the project's store.
    ///
    /// # Panics
    /// When the database cannot be opened.
    pub async fn store(&self) -> Store {
        Store::open(&self.url).await.expect("open store")
    }

    /// Drops the test database.
    pub async fn cleanup(mut self) {
        if let Some(db) = self.database.take() {
            let _ = db.drop_database().await;
        }
    }
}

/// Waits until `recipe` has at least `count` runs in a final state; returns all its runs.
///
/// # Panics
/// After `timeout`, listing what there is.
pub async fn wait_for_finished(store: &Store, recipe: &str, count: usize, timeout: Duration) -> Vec<RunSummary> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let runs = store
            .list_runs(&RunFilter { recipe: Some(recipe.to_owned()), limit: 10_000, ..RunFilter::default() })
            .await
            .expect("list runs");
        let finished = runs.iter().filter(|r| r.status.is_finished()).count();
        if finished >= count {
            return runs;
        }
        if tokio::time::Instant::now() > deadline {
            let states: Vec<(String, RunStatus, Option<String>)> =
                runs.iter().map(|r| (r.id.clone(), r.status, r.error.clone())).collect();
            panic!("timed out waiting for {count} finished runs of {recipe}; have {states:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
