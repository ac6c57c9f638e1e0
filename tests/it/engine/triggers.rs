//! Triggers: webhooks recorded once (redeliveries, bad signatures), the
//! reconciling poll never doubling a webhook's run, paging polls, and edits
//! that never reset a cursor.

use std::time::Duration;

use hirewire_store::{RunFilter, RunStatus};
use hirewire_tests::engine::{Db, TestProject, wait_for_finished};
use hirewire_tests::memory::{self, Backend};
use serde_json::json;

use super::{bucket, memory_connection, on_both_databases};

fn recipe(name: &str, delivery: &str, description: &str) -> String {
    format!(
        r#"
name: {name}
description: {description}
trigger:
  connection: mem
  event: event
  delivery: {delivery}
  every: 1s
key: "{{{{ trigger.application_id }}}}"
steps:
  - id: employee
    action: memory.upsert
    connection: mem
    with: {{ email: "{{{{ trigger.email }}}}" }}
"#
    )
}

async fn post_webhook(addr: std::net::SocketAddr, signature: &str, body: &serde_json::Value) -> reqwest::StatusCode {
    reqwest::Client::new()
        .post(format!("http://{addr}/webhooks/mem"))
        .header("x-memory-signature", signature)
        .json(body)
        .send()
        .await
        .expect("webhook POST")
        .status()
}

async fn webhook_redelivery_and_reconciling_poll_make_one_run(db: Db) {
    let bucket = bucket("auto");
    let project = TestProject::new(db, &memory_connection(&bucket)).await;
    project.write_recipe("hired.yaml", &recipe("hired", "auto", "hire"));
    let backend = Backend::get(&bucket);
    let daemon = project.start("n1", vec![memory::descriptor()]).await;
    let event = memory::event("hire:42", json!({ "application_id": 42, "email": "ada@acme.example" }));
    let body = json!({ "delivery_id": "delivery-1", "events": [event] });
    assert_eq!(post_webhook(daemon.addr, "wrong", &body).await, reqwest::StatusCode::UNAUTHORIZED);
    for _ in 0..3 {
        assert_eq!(post_webhook(daemon.addr, "s3cret-hook", &body).await, reqwest::StatusCode::OK);
    }
    // The same happening under a new delivery id (Greenhouse retried after a timeout) and by poll.
    let again = json!({ "delivery_id": "delivery-2", "events": [event] });
    assert_eq!(post_webhook(daemon.addr, "s3cret-hook", &again).await, reqwest::StatusCode::OK);
    backend.push_event(event.clone());
    let store = project.store().await;
    let runs = wait_for_finished(&store, "hired", 1, Duration::from_secs(30)).await;
    // Give the reconciling poll time to run at least once.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let runs_after =
        store.list_runs(&RunFilter { recipe: Some("hired".into()), ..RunFilter::default() }).await.expect("list");
    daemon.stop().await;
    assert_eq!(runs.len(), 1);
    assert_eq!(runs_after.len(), 1, "webhook x3 + new delivery id + poll = one run");
    assert_eq!(runs_after[0].status, RunStatus::Succeeded);
    assert_eq!(backend.employees.lock().unwrap().len(), 1);
    assert_eq!(backend.calls_of("employee").len(), 1, "the upsert was sent once");
    project.cleanup().await;
}

async fn paging_poll_and_edits_keep_the_cursor(db: Db) {
    let bucket = bucket("poll");
    let project = TestProject::new(db, &memory_connection(&bucket)).await;
    project.write_recipe("sync.yaml", &recipe("sync", "poll", "first version"));
    let backend = Backend::get(&bucket);
    for i in 0..250 {
        backend
            .push_event(memory::event(&format!("ev:{i}"), json!({ "application_id": i, "email": format!("p{i}@x") })));
    }
    let daemon = project.start("n1", vec![memory::descriptor()]).await;
    let store = project.store().await;
    wait_for_finished(&store, "sync", 250, Duration::from_secs(60)).await;
    // Edit the recipe (a new version) while running: the cursor must not reset.
    project.write_recipe("sync.yaml", &recipe("sync", "poll", "second version"));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    backend.push_event(memory::event("ev:new", json!({ "application_id": 1000, "email": "new@x" })));
    let runs = wait_for_finished(&store, "sync", 251, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    daemon.stop().await;
    let runs_after = store
        .list_runs(&RunFilter { recipe: Some("sync".into()), limit: 1000, ..RunFilter::default() })
        .await
        .expect("list");
    assert_eq!(runs.len(), 251);
    assert_eq!(runs_after.len(), 251, "no event recorded twice after the edit");
    let versions: std::collections::BTreeSet<_> = runs_after.iter().map(|r| r.recipe_version.clone()).collect();
    assert_eq!(versions.len(), 2, "the edit made a new version for new runs");
    assert_eq!(backend.calls_of("employee").len(), 251);
    project.cleanup().await;
}

async fn invalid_edit_keeps_the_old_recipe(db: Db) {
    let bucket = bucket("invalid");
    let project = TestProject::new(db, &memory_connection(&bucket)).await;
    project.write_recipe("sync.yaml", &recipe("sync", "poll", "good"));
    let backend = Backend::get(&bucket);
    let daemon = project.start("n1", vec![memory::descriptor()]).await;
    project.write_recipe("sync.yaml", "name: sync\ntrigger: { connection: mem, event: nope }\nsteps: []\n");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    backend.push_event(memory::event("ev:1", json!({ "application_id": 1, "email": "a@x" })));
    let store = project.store().await;
    let runs = wait_for_finished(&store, "sync", 1, Duration::from_secs(30)).await;
    daemon.stop().await;
    assert_eq!(runs[0].status, RunStatus::Succeeded, "the old recipe kept running");
    project.cleanup().await;
}

on_both_databases!(
    webhook_redelivery_and_reconciling_poll_make_one_run,
    paging_poll_and_edits_keep_the_cursor,
    invalid_edit_keeps_the_old_recipe
);
