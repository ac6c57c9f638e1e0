//! A scratch project for a benchmark: `hirewire.yaml` with every connection pointed at the
//! bench sandbox, the scenario's recipes, and a fresh SQLite file or Postgres database.

use std::time::Duration;

use hirewire_store::scratch::ScratchDatabase;
use serde::Serialize;

use super::BenchError;
use hirewire_runtime::DaemonOptions;
use hirewire_runtime::worker::WorkerOptions;

/// The webhook secret of the bench project's Greenhouse connection.
pub const BENCH_WEBHOOK_SECRET: &str = "bench-webhook-secret";

/// Which database a pass runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// A SQLite file in a temporary directory.
    Sqlite,
    /// A fresh database on the local Postgres (`HIREWIRE_TEST_POSTGRES_URL`).
    Postgres,
}

impl Backend {
    /// `sqlite` or `postgres`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// A fresh database of `backend`.
///
/// # Errors
/// When the temporary directory or the Postgres database cannot be made.
pub async fn fresh_database(backend: Backend) -> Result<ScratchDatabase, BenchError> {
    match backend {
        Backend::Sqlite => ScratchDatabase::sqlite().map_err(|e| BenchError::setup("creating a SQLite database", e)),
        Backend::Postgres => {
            ScratchDatabase::postgres().await.map_err(|e| BenchError::setup("creating a Postgres database", e))
        }
    }
}

/// A project directory with its own database.
pub struct BenchProject {
    /// The project directory.
    pub dir: tempfile::TempDir,
    /// Its database URL.
    pub url: String,
    database: Option<ScratchDatabase>,
}

impl BenchProject {
    /// A project on `backend` whose connections point at `sandbox_url`, with `recipes` (file name, YAML).
    ///
    /// # Errors
    /// When files or the database cannot be made.
    pub async fn new(backend: Backend, sandbox_url: &str, recipes: &[(String, String)]) -> Result<Self, BenchError> {
        let database = fresh_database(backend).await?;
        let dir = tempfile::Builder::new()
            .prefix("hirewire-bench-")
            .tempdir()
            .map_err(|e| BenchError::setup("creating the bench project", e))?;
        let recipes_dir = dir.path().join("recipes");
        std::fs::create_dir_all(&recipes_dir).map_err(|e| BenchError::setup(&recipes_dir.display().to_string(), e))?;
        let config = project_yaml(&database.url, sandbox_url);
        let config_path = dir.path().join("hirewire.yaml");
        std::fs::write(&config_path, config).map_err(|e| BenchError::setup(&config_path.display().to_string(), e))?;
        for (file, yaml) in recipes {
            let path = recipes_dir.join(file);
            std::fs::write(&path, yaml).map_err(|e| BenchError::setup(&path.display().to_string(), e))?;
        }
        Ok(Self { url: database.url.clone(), dir, database: Some(database) })
    }

    /// Daemon options for this project: loopback port, no Prometheus recorder, `max_in_flight` workers.
    #[must_use]
    pub fn options(&self, node: &str, max_in_flight: usize) -> DaemonOptions {
        let mut options = DaemonOptions::new(self.dir.path());
        options.listen = Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
        options.install_metrics = false;
        options.scheduler_tick = Duration::from_millis(50);
        options.worker = WorkerOptions {
            node: node.to_owned(),
            lease: Duration::from_secs(30),
            max_in_flight,
            idle_poll: Duration::from_millis(50),
            shutdown_deadline: Duration::from_secs(10),
        };
        options
    }

    /// Drops the Postgres database (a SQLite file goes with its directory).
    pub async fn cleanup(mut self) {
        if let Some(database) = self.database.take()
            && let Err(e) = database.drop_database().await
        {
            tracing::warn!(error = %e, "could not drop a bench database");
        }
    }
}

/// `hirewire.yaml` with Greenhouse, BambooHR and Slack on the sandbox at `sandbox`.
fn project_yaml(database: &str, sandbox: &str) -> String {
    format!(
        "database: {database}\nlisten: 127.0.0.1:0\nretention: 90d\nconnections:\n  greenhouse:\n    connector: greenhouse\n    \
         environment: sandbox\n    client_id: ${{BENCH_GREENHOUSE_CLIENT_ID:-sandbox-client}}\n    \
         client_secret: ${{BENCH_GREENHOUSE_CLIENT_SECRET:-sandbox-secret}}\n    user_email: recruiting-ops@acme.example\n    \
         webhook_secret: ${{BENCH_GREENHOUSE_WEBHOOK_SECRET:-{BENCH_WEBHOOK_SECRET}}}\n    \
         base_url: {sandbox}/greenhouse\n    auth_url: {sandbox}/greenhouse/token\n  bamboohr:\n    connector: bamboohr\n    \
         company_domain: acme\n    api_key: ${{BENCH_BAMBOOHR_API_KEY:-sandbox-key}}\n    base_url: {sandbox}/bamboohr\n  \
         slack:\n    connector: slack\n    token: ${{BENCH_SLACK_TOKEN:-xoxb-sandbox}}\n    base_url: {sandbox}/slack\n"
    )
}

/// The throughput recipe: a hire becomes a BambooHR employee and #people-ops hears about it.
#[must_use]
pub fn hired_recipe(name: &str, delivery: &str, extra_trigger: &str, concurrency: u32) -> String {
    format!(
        r##"name: {name}
trigger:
  connection: greenhouse
  event: candidate_hired
  delivery: {delivery}
{extra_trigger}key: "{{{{ trigger.application.id }}}}"
concurrency: {concurrency}
steps:
  - id: employee
    action: bamboohr.upsert_employee
    connection: bamboohr
    with:
      firstName: "{{{{ trigger.candidate.first_name }}}}"
      lastName: "{{{{ trigger.candidate.last_name }}}}"
      workEmail: "{{{{ trigger.candidate | work_email }}}}"
      jobTitle: "{{{{ trigger.job.name }}}}"
      hireDate: "{{{{ trigger.offer.starts_on }}}}"
  - id: notify
    action: slack.post_message
    connection: slack
    with:
      channel: "#people-ops"
      text: "{{{{ trigger.candidate | full_name }}}} joins as {{{{ trigger.job.name }}}}"
"##
    )
}
