//! The run-history web page (SPEC 7) over a running daemon: login and sessions, filters, the run page, CSRF
//! on retry, escaping, and a real headless Chromium driving the whole flow.

mod browser;
mod pages;
mod security;

use std::time::Duration;

use hirewire_runtime::Daemon;
use hirewire_sdk::{ErrorKind, TriggerEvent};
use hirewire_store::{RunStatus, RunSummary, Store};
use hirewire_tests::engine::{Db, TestProject, wait_for_finished};
use hirewire_tests::memory::{self, Backend};
use serde_json::{Value, json};

use crate::engine::{bucket, memory_connection};

/// The api token of the test daemons.
pub(crate) const TOKEN: &str = "web-token-9f8e7d6c5b4a3210";
/// The recipe the tests run.
pub(crate) const RECIPE: &str = "hired-to-hris";

/// A daemon with one recipe and two finished runs: candidate 101 (ada@acme.example) failed at step `welcome`,
/// candidate 102 (bob@acme.example) succeeded.
pub(crate) struct WebFixture {
    pub(crate) project: TestProject,
    pub(crate) daemon: Daemon,
    pub(crate) store: Store,
    pub(crate) backend: std::sync::Arc<Backend>,
    pub(crate) base: String,
    pub(crate) failed: RunSummary,
    pub(crate) succeeded: RunSummary,
}

fn hire_event(id: &str, candidate: i64, payload: Value, seconds_ago: i64) -> TriggerEvent {
    TriggerEvent {
        candidate_id: Some(candidate),
        occurred_at: chrono::Utc::now() - chrono::Duration::seconds(seconds_ago),
        ..memory::event(id, payload)
    }
}

impl WebFixture {
    /// Starts the daemon on `db` with a recipe whose description is `description` and waits for both runs;
    /// `ada_name` is the first candidate's name in the payload.
    pub(crate) async fn start(db: Db, test: &str, description: &str, ada_name: &str) -> Self {
        let bucket = bucket(test);
        let project = TestProject::new(db, &memory_connection(&bucket)).await;
        let config_path = project.dir.path().join("hirewire.yaml");
        let config = std::fs::read_to_string(&config_path).expect("config");
        std::fs::write(&config_path, format!("api_token: {TOKEN}\n{config}")).expect("write config");
        project.write_recipe(
            "hired.yaml",
            &format!(
                r#"
name: {RECIPE}
description: {}
trigger: {{ connection: mem, event: event, delivery: poll, every: 1s }}
steps:
  - id: employee
    action: memory.upsert
    connection: mem
    with: {{ email: "{{{{ trigger.candidate.email }}}}" }}
  - id: welcome
    action: memory.record
    connection: mem
    with: {{ text: "Welcome {{{{ trigger.candidate.name }}}}" }}
"#,
                serde_json::to_string(description).expect("yaml string")
            ),
        );
        let backend = Backend::get(&bucket);
        backend.fail("welcome", 1, ErrorKind::Permanent, "Slack said: channel_not_found");
        backend.push_event(hire_event(
            "hire:101",
            101,
            json!({ "candidate": { "name": ada_name, "email": "Ada@acme.example" } }),
            20,
        ));
        backend.push_event(hire_event(
            "hire:102",
            102,
            json!({ "candidate": { "name": "Bob", "email": "bob@acme.example" } }),
            10,
        ));
        let daemon = project.start("web-node", vec![memory::descriptor()]).await;
        let store = project.store().await;
        let runs = wait_for_finished(&store, RECIPE, 2, Duration::from_secs(60)).await;
        let by_candidate =
            |id: &str| runs.iter().find(|r| r.candidate_id.as_deref() == Some(id)).cloned().expect("run");
        let failed = by_candidate("101");
        let succeeded = by_candidate("102");
        assert_eq!((failed.status, succeeded.status), (RunStatus::Failed, RunStatus::Succeeded), "{runs:?}");
        let base = format!("http://{}", daemon.addr);
        Self { project, daemon, store, backend, base, failed, succeeded }
    }

    /// Stops the daemon and drops the database.
    pub(crate) async fn stop(self) {
        self.daemon.stop().await;
        self.project.cleanup().await;
    }
}
