//! The HTTP API through the daemon's router without a socket: bearer auth, runs list/show, retry (which never
//! makes a second employee), health, and secrets kept out of responses and the database.

use std::time::Duration;

use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use hirewire_store::RunStatus;
use hirewire_tests::engine::{Db, TestProject, wait_for_finished};
use hirewire_tests::memory::{self, Backend};
use serde_json::json;

use super::{bucket, memory_connection, on_both_databases};
use crate::web::app::{AppHarness, bearer};

const TOKEN: &str = "api-token-0123456789abcdef";

async fn api_lists_shows_and_retries_without_doubling(db: Db) {
    let bucket = bucket("api");
    let project = TestProject::new(db, &memory_connection(&bucket)).await;
    let config = std::fs::read_to_string(project.dir.path().join("hirewire.yaml")).expect("config");
    std::fs::write(project.dir.path().join("hirewire.yaml"), format!("api_token: {TOKEN}\n{config}")).expect("write");
    project.write_recipe(
        "hired.yaml",
        r#"
name: hired
trigger: { connection: mem, event: event, delivery: poll, every: 1s }
steps:
  - id: employee
    action: memory.upsert
    connection: mem
    with: { email: "{{ trigger.email }}" }
"#,
    );
    let backend = Backend::get(&bucket);
    backend.push_event(memory::event("hire:1", json!({ "email": "ada@acme.example" })));
    let store = project.store().await;
    let app = AppHarness::new(project.dir.path(), store.clone(), "api-node", vec![memory::descriptor()]).await;
    app.poll_triggers().await;
    app.run_due().await;
    let runs = wait_for_finished(&store, "hired", 1, Duration::from_secs(5)).await;
    let auth = bearer(TOKEN);
    let authorized = [(AUTHORIZATION, auth.as_str())];

    let unauthorized = app.get("/api/runs", &[]).await;
    assert_eq!(unauthorized.status, StatusCode::UNAUTHORIZED);
    let wrong = app.get("/api/runs", &[(AUTHORIZATION, "Bearer nope")]).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);

    let list = app.get("/api/runs?recipe=hired&status=succeeded", &authorized).await.json();
    assert_eq!(list["runs"].as_array().map(Vec::len), Some(1));
    assert_eq!(list["runs"][0]["id"], json!(runs[0].id));
    assert_eq!(list["runs"][0]["trigger_event"], json!("hire:1"));
    assert_eq!(list["runs"][0]["node"], json!("api-node"));

    let show = app.get(&format!("/api/runs/{}", runs[0].id), &authorized).await.json();
    let steps = show["steps"].as_array().expect("steps");
    let employee = steps.iter().find(|s| s["id"] == "employee").expect("employee step");
    assert_eq!(employee["input"], json!({ "email": "ada@acme.example" }));
    assert_eq!(employee["output"]["created"], json!(true));

    let retried = app
        .post_json(
            &format!("/api/runs/{}/retry", runs[0].id),
            &authorized,
            Some(&json!({ "requested_by": "ops@acme.example" })),
        )
        .await;
    assert_eq!(retried.status, StatusCode::ACCEPTED);
    let retried = retried.json();
    app.run_due().await;
    let runs = wait_for_finished(&store, "hired", 2, Duration::from_secs(5)).await;
    let retry = runs.iter().find(|r| Some(r.id.as_str()) == retried["run_id"].as_str()).expect("retry run");
    assert_eq!(retry.status, RunStatus::Succeeded);
    assert_eq!(
        retry.retry_of.as_deref(),
        Some(runs.iter().find(|r| r.retry_of.is_none()).expect("original").id.as_str())
    );
    assert_eq!(backend.employees.lock().unwrap().len(), 1, "a retried upsert never makes a second employee");

    let missing = app.get("/api/runs/nope", &authorized).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/healthz", &[]).await.status, StatusCode::OK);
    assert_eq!(app.get("/readyz", &[]).await.status, StatusCode::OK);
    let recipes = app.get("/api/recipes", &authorized).await.json();
    assert_eq!(recipes["recipes"][0]["name"], json!("hired"));
    assert!(recipes["recipes"][0]["trigger_state"]["cursor"].is_number());
    let everything = format!("{list}{show}{recipes}");
    assert!(!everything.contains("s3cret-hook") && !everything.contains(TOKEN), "no secret in API responses");
    store.close().await;
    if let Some(path) = project.database.as_ref().and_then(|d| d.sqlite_path.clone()) {
        for file in [path.clone(), path.with_extension("db-wal")] {
            let bytes = std::fs::read(&file).unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes);
            assert!(!text.contains("s3cret-hook") && !text.contains(TOKEN), "no secret in {}", file.display());
        }
    }
    project.cleanup().await;
}

on_both_databases!(api_lists_shows_and_retries_without_doubling);
