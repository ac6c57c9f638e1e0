//! Execution: steps in order, retries with attempts recorded, permanent errors
//! with `on_error`, `for_each`, `if`, `when`, and resuming after a crash.

use std::time::Duration;

use hirewire_sdk::ErrorKind;
use hirewire_store::{RunStatus, StepStatus};
use hirewire_tests::engine::{Db, TestProject, wait_for_finished};
use hirewire_tests::memory::{self, Backend};
use serde_json::json;

use super::{bucket, memory_connection, on_both_databases};

const PIPELINE: &str = r#"
name: pipeline
trigger:
  connection: mem
  event: event
  delivery: poll
  every: 1s
  when: "{{ (trigger.kind | default('')) != 'ignore' }}"
steps:
  - id: first
    action: memory.record
    connection: mem
    with:
      name: "{{ trigger.name }}"
      enriched: "{{ trigger.enriched }}"
  - id: second
    if: "{{ trigger.notify | default(false) }}"
    action: memory.record
    connection: mem
    with: { n: "{{ steps.first.n }}" }
    retry: { attempts: 3, backoff: fixed, initial: 1s, max: 1s }
  - id: each
    for_each: "{{ trigger.people }}"
    as: person
    steps:
      - id: hello
        action: memory.record
        connection: mem
        with: { to: "{{ person }}" }
on_error:
  - id: alert
    action: memory.record
    connection: mem
    with: { text: "{{ run.recipe }} failed: {{ run.error }}" }
"#;

async fn pipeline_project(db: Db, test: &str) -> (TestProject, std::sync::Arc<Backend>) {
    let bucket = bucket(test);
    let project = TestProject::new(db, &memory_connection(&bucket)).await;
    project.write_recipe("pipeline.yaml", PIPELINE);
    (project, Backend::get(&bucket))
}

async fn steps_and_retries(db: Db) {
    let (project, backend) = pipeline_project(db, "steps").await;
    backend.fail("second", 2, ErrorKind::Transient, "503 upstream unavailable");
    backend.push_event(memory::event("e1", json!({ "name": "Ada", "notify": true, "people": ["a@x", "b@x"] })));
    backend.push_event(memory::event("e2", json!({ "name": "Bob", "notify": false, "people": [] })));
    backend.push_event(memory::event("e3", json!({ "name": "Cy", "kind": "ignore", "people": [] })));
    let daemon = project.start("n1", vec![memory::descriptor()]).await;
    let store = project.store().await;
    let runs = wait_for_finished(&store, "pipeline", 3, Duration::from_secs(30)).await;
    daemon.stop().await;

    let by_event = |id: &str| runs.iter().find(|r| r.event_id.as_deref() == Some(id)).expect("run for event").clone();
    let ada = store.get_run(&by_event("e1").id).await.expect("get").expect("run");
    assert_eq!(ada.run.status, RunStatus::Succeeded, "{:?}", ada.run.error);
    let second = ada.steps.iter().find(|s| s.step_id == "second").expect("second step");
    assert_eq!(second.attempts, 3, "two transient failures then success");
    assert_eq!(second.status, StepStatus::Succeeded);
    assert_eq!(backend.calls_of("second").len(), 3);
    let first = &backend.calls_of("first")[0];
    assert_eq!(first.input, json!({ "name": "Ada", "enriched": true }), "trigger completed before steps");
    let hellos: Vec<_> = backend.all_calls().into_iter().filter(|c| c.step_id.starts_with("each[")).collect();
    assert_eq!(hellos.len(), 2);
    assert_eq!(hellos[1].step_id, "each[1].hello");
    assert_eq!(hellos[1].input, json!({ "to": "b@x" }));

    let bob = store.get_run(&by_event("e2").id).await.expect("get").expect("run");
    assert_eq!(bob.run.status, RunStatus::Succeeded);
    let skipped = bob.steps.iter().find(|s| s.step_id == "second").expect("second recorded");
    assert_eq!(skipped.status, StepStatus::Skipped, "`if` false records a skipped step");

    assert_eq!(by_event("e3").status, RunStatus::Skipped, "`when` false records a skipped run");
    assert!(backend.calls_of("alert").is_empty(), "no run failed");
    project.cleanup().await;
}

async fn permanent_error_fires_on_error_once(db: Db) {
    let (project, backend) = pipeline_project(db, "permanent").await;
    backend.fail("first", 10, ErrorKind::InvalidInput, "409 department 'Enginering' is not an existing option");
    backend.push_event(memory::event("e1", json!({ "name": "Ada", "notify": true, "people": [] })));
    let daemon = project.start("n1", vec![memory::descriptor()]).await;
    let store = project.store().await;
    let runs = wait_for_finished(&store, "pipeline", 1, Duration::from_secs(30)).await;
    daemon.stop().await;
    assert_eq!(runs[0].status, RunStatus::Failed);
    let error = runs[0].error.clone().expect("error recorded");
    assert_eq!(
        error, "step `first`: memory.record: 409 department 'Enginering' is not an existing option",
        "the remote's message reaches the run history"
    );
    assert_eq!(backend.calls_of("first").len(), 1, "a permanent error is not retried");
    let alerts = backend.calls_of("on_error.alert");
    assert_eq!(alerts.len(), 1, "on_error fires once");
    assert_eq!(alerts[0].input, json!({ "text": format!("pipeline failed: {error}") }));
    project.cleanup().await;
}

async fn crash_resumes_at_first_unfinished_step(db: Db) {
    let (project, backend) = pipeline_project(db, "crash").await;
    let gate = backend.gate("second");
    backend.push_event(memory::event("e1", json!({ "name": "Ada", "notify": true, "people": ["p"] })));
    let first_node = project.start("crashing-node", vec![memory::descriptor()]).await;
    // Wait until the run is inside `second`, then crash the node.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while backend.calls_of("second").is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "second step never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    first_node.kill();
    // Aborting the node's tasks is asynchronous: let it finish before the gate opens.
    tokio::time::sleep(Duration::from_millis(500)).await;
    gate.add_permits(1000);
    let second_node = project.start("rescuer-node", vec![memory::descriptor()]).await;
    let store = project.store().await;
    let runs = wait_for_finished(&store, "pipeline", 1, Duration::from_secs(40)).await;
    second_node.stop().await;
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].status, RunStatus::Succeeded, "{:?}", runs[0].error);
    assert_eq!(runs[0].node.as_deref(), Some("rescuer-node"));
    assert_eq!(backend.calls_of("first").len(), 1, "a finished step is not sent again");
    assert_eq!(backend.calls_of("second").len(), 2, "the interrupted step runs again");
    assert_eq!(backend.calls_of("each[0].hello").len(), 1);
    assert_eq!(*backend.enrichments.lock().unwrap(), 1, "the completed trigger is reused");
    project.cleanup().await;
}

on_both_databases!(steps_and_retries, permanent_error_fires_on_error_once, crash_resumes_at_first_unfinished_step);
