//! End to end against the sandbox with the real connectors, on SQLite and
//! Postgres: the guarantees of docs/contract.md section 5 (`guarantees`), failing HR APIs
//! (`failures`) and secrets that never leak from a real `hirewire run`
//! process (`secrets`).

mod failures;
mod guarantees;
mod secrets;

use std::time::Duration;

use hirewire_runtime::Daemon;
use hirewire_store::{RunFilter, RunSummary, Store};
use hirewire_tests::engine::TestProject;
use hirewire_tests::sandbox::Sandbox;

/// `<name>::sqlite` and `<name>::postgres` for each test, as in the engine tests.
pub(crate) use crate::engine::on_both_databases;

/// The hire recipe of docs/contract.md section 3: a hire (by webhook and reconciling poll) becomes one BambooHR
/// employee, #people-ops hears about it, a failure alerts #hr-automation. A last name `Typo` makes BambooHR
/// refuse the department.
pub(crate) const HIRED: &str = r##"
name: hired
trigger:
  connection: greenhouse
  event: candidate_hired
  delivery: auto
  every: 1s
  since: 2026-01-01T00:00:00Z
key: "{{ trigger.application.id }}"
steps:
  - id: employee
    action: bamboohr.upsert_employee
    connection: bamboohr
    with:
      firstName: "{{ trigger.candidate.first_name }}"
      lastName: "{{ trigger.candidate.last_name }}"
      workEmail: "{{ trigger.candidate | work_email }}"
      department: "{{ 'Enginering' if trigger.candidate.last_name == 'Typo' else 'Engineering' }}"
      hireDate: "{{ trigger.offer.starts_on }}"
    retry: { attempts: 6, backoff: fixed, initial: 1s, max: 1s }
  - id: notify
    action: slack.post_message
    connection: slack
    with: { channel: "#people-ops", text: "{{ trigger.candidate | full_name }} joins on {{ trigger.offer.starts_on }}" }
on_error:
  - id: alert
    action: slack.post_message
    connection: slack
    with: { channel: "#hr-automation", text: "{{ run.recipe }} failed: {{ run.error }}" }
"##;

/// A daemon with the real connectors, the example project's connections pointed at `sandbox`.
pub(crate) async fn start(project: &TestProject, sandbox: &Sandbox, node: &str) -> Daemon {
    let mut options = project.options(node);
    options.env_overrides = sandbox.env_overrides(&project.url);
    project.start_with(options, Vec::new()).await
}

/// The runs of recipe `hired` about Greenhouse application `application`.
pub(crate) async fn runs_of_application(store: &Store, application: i64) -> Vec<RunSummary> {
    store
        .list_runs(&RunFilter {
            recipe: Some("hired".into()),
            application_id: Some(application.to_string()),
            ..RunFilter::default()
        })
        .await
        .expect("list runs")
}

/// Waits (up to 60 s) until `application` has `count` finished `hired` runs; returns its runs.
pub(crate) async fn wait_for_application(store: &Store, application: i64, count: usize) -> Vec<RunSummary> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let runs = runs_of_application(store, application).await;
        if runs.iter().filter(|r| r.status.is_finished()).count() >= count {
            return runs;
        }
        assert!(tokio::time::Instant::now() < deadline, "application {application}: {runs:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
