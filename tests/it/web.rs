//! The run-history web page (docs/contract.md section 7): login and sessions, filters, the run page, CSRF on
//! retry and escaping through the router without a socket, and a real headless Chromium driving the whole flow
//! against a running daemon.

pub(crate) mod app;
mod browser;
mod pages;
mod router;
mod security;

use std::sync::Arc;
use std::time::Duration;

use hirewire_runtime::Daemon;
use hirewire_sdk::{ErrorKind, TriggerEvent};
use hirewire_store::{RunStatus, RunSummary, Store};
use hirewire_tests::engine::{Db, TestProject, wait_for_finished};
use hirewire_tests::memory::{self, Backend};
use serde_json::{Value, json};

use crate::engine::{bucket, memory_connection};
use app::AppHarness;

/// The api token of the test daemons.
pub(crate) const TOKEN: &str = "web-token-9f8e7d6c5b4a3210";
/// The recipe the tests run.
pub(crate) const RECIPE: &str = "hired-to-hris";

/// A daemon with the web project's two finished runs (see [`web_project`]), for the browser.
pub(crate) struct WebFixture {
    pub(crate) project: TestProject,
    pub(crate) daemon: Daemon,
    pub(crate) store: Store,
    pub(crate) backend: std::sync::Arc<Backend>,
    pub(crate) base: String,
    pub(crate) failed: RunSummary,
}

fn hire_event(id: &str, candidate: i64, payload: Value, seconds_ago: i64) -> TriggerEvent {
    TriggerEvent {
        candidate_id: Some(candidate),
        occurred_at: chrono::Utc::now() - chrono::Duration::seconds(seconds_ago),
        ..memory::event(id, payload)
    }
}

/// A project with one recipe (described as `description`) and a memory connection holding two hires:
/// candidate 101 (`ada_name`, Ada@acme.example) whose run fails at step `welcome`, and candidate 102 (Bob,
/// bob@acme.example) whose run succeeds.
async fn web_project(db: Db, test: &str, description: &str, ada_name: &str) -> (TestProject, Arc<Backend>) {
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
    (project, backend)
}

/// The failed run (candidate 101) and the succeeded one (candidate 102) among `runs`.
fn failed_and_succeeded(runs: &[RunSummary]) -> (RunSummary, RunSummary) {
    let by_candidate = |id: &str| runs.iter().find(|r| r.candidate_id.as_deref() == Some(id)).cloned().expect("run");
    let (failed, succeeded) = (by_candidate("101"), by_candidate("102"));
    assert_eq!((failed.status, succeeded.status), (RunStatus::Failed, RunStatus::Succeeded), "{runs:?}");
    (failed, succeeded)
}

impl WebFixture {
    /// Starts the daemon on the web project (see [`web_project`]) and waits for both runs.
    pub(crate) async fn start(db: Db, test: &str, description: &str, ada_name: &str) -> Self {
        let (project, backend) = web_project(db, test, description, ada_name).await;
        let daemon = project.start("web-node", vec![memory::descriptor()]).await;
        let store = project.store().await;
        let runs = wait_for_finished(&store, RECIPE, 2, Duration::from_secs(60)).await;
        let (failed, _) = failed_and_succeeded(&runs);
        let base = format!("http://{}", daemon.addr);
        Self { project, daemon, store, backend, base, failed }
    }

    /// Stops the daemon and drops the database.
    pub(crate) async fn stop(self) {
        self.daemon.stop().await;
        self.project.cleanup().await;
    }
}

/// The web project (see [`web_project`]) behind its router without a socket, both runs recorded and executed.
pub(crate) struct AppFixture {
    pub(crate) project: TestProject,
    pub(crate) app: AppHarness,
    pub(crate) store: Store,
    pub(crate) backend: std::sync::Arc<Backend>,
    pub(crate) failed: RunSummary,
    pub(crate) succeeded: RunSummary,
}

impl AppFixture {
    /// Loads the web project, polls its trigger and executes both runs.
    pub(crate) async fn start(db: Db, test: &str, description: &str, ada_name: &str) -> Self {
        let (project, backend) = web_project(db, test, description, ada_name).await;
        let store = project.store().await;
        let app = AppHarness::new(project.dir.path(), store.clone(), "web-node", vec![memory::descriptor()]).await;
        app.poll_triggers().await;
        app.run_due().await;
        let runs = wait_for_finished(&store, RECIPE, 2, Duration::from_secs(5)).await;
        let (failed, succeeded) = failed_and_succeeded(&runs);
        Self { project, app, store, backend, failed, succeeded }
    }

    /// Drops the database.
    pub(crate) async fn stop(self) {
        self.project.cleanup().await;
    }
}
