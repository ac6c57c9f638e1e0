//! The guarantees of docs/contract.md section 5 end to end: a hire by webhook (redelivered), by
//! reconciling poll and by `runs retry` makes one BambooHR employee; killing
//! the daemon at random points loses nothing; stage filters apply to webhooks.

use std::time::Duration;

use hirewire_store::{RequeueVersion, RunStatus};
use hirewire_tests::engine::{Db, TestProject, wait_for_finished};
use hirewire_tests::sandbox::Sandbox;
use serde_json::{Value, json};

use super::{HIRED, on_both_databases, runs_of_application, start, wait_for_application};

async fn webhook_poll_and_retry_make_one_employee(db: Db) {
    let sandbox = Sandbox::start().await;
    sandbox.seed_slack_users().await;
    let project = TestProject::example(db).await;
    project.write_recipe("hired.yaml", HIRED);
    let daemon = start(&project, &sandbox, "e2e").await;
    let store = project.store().await;
    let app = sandbox.hire("Katherine", "Johnson", "katherine.johnson@acme.example").await;
    let statuses = sandbox.send_webhook(&format!("http://{}", daemon.addr), "hire_candidate", app, 3).await;
    assert_eq!(statuses, vec![200, 200, 200]);
    let runs = wait_for_application(&store, app, 1).await;
    // The reconciling poll (every second) sees the same hire: still one run.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(runs_of_application(&store, app).await.len(), 1, "webhook x3 + poll = one run");
    assert_eq!(runs[0].status, RunStatus::Succeeded, "{:?}", runs[0].error);
    // An operator retries the succeeded run: the upsert finds the employee.
    let retry = store.requeue_run(&runs[0].id, None, RequeueVersion::Original, Some("test")).await.expect("retry");
    let runs = wait_for_application(&store, app, 2).await;
    daemon.stop().await;
    let retried = store.get_run(&retry).await.expect("get").expect("retry run");
    assert_eq!(retried.run.status, RunStatus::Succeeded, "{:?}", retried.run.error);
    let employee = retried.steps.iter().find(|s| s.step_id == "employee").expect("employee step");
    assert_eq!(employee.output.as_ref().and_then(|o| o.get("created")), Some(&json!(false)), "{:#?}", retried.steps);
    assert_eq!(runs.len(), 2);
    assert_eq!(sandbox.bamboohr_employees_with("katherine.johnson@acme.example").await, 1, "one employee");
    let trigger = store.get_run(&runs[1].id).await.expect("get").expect("run");
    let payload =
        trigger.steps.iter().find(|s| s.step_id == "trigger").and_then(|s| s.output.clone()).unwrap_or(Value::Null);
    assert_eq!(payload["candidate"]["first_name"], json!("Katherine"), "the trigger output is the documented shape");
    project.cleanup().await;
}

async fn killing_the_daemon_at_random_points_loses_nothing(db: Db) {
    let sandbox = Sandbox::start().await;
    let project = TestProject::example(db).await;
    project.write_recipe("hired.yaml", &HIRED.replace("delivery: auto", "delivery: webhook"));
    let store = project.store().await;
    let mut apps = Vec::new();
    for i in 0..30 {
        apps.push(sandbox.hire("Hire", &format!("Number{i}"), &format!("hire{i}@acme.example")).await);
    }
    let mut pending: Vec<i64> = apps.clone();
    let mut daemon = start(&project, &sandbox, "node-0").await;
    let mut rng_state: u64 = 0x9e37_79b9_7f4a_7c15;
    for round in 1..=4 {
        // Greenhouse redelivers until it gets a 2xx: send what has not been acknowledged yet.
        let url = format!("http://{}", daemon.addr);
        let mut acknowledged = Vec::new();
        for app in pending.iter().take(10) {
            if sandbox.send_webhook(&url, "hire_candidate", *app, 1).await == vec![200] {
                acknowledged.push(*app);
            }
        }
        pending.retain(|a| !acknowledged.contains(a));
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        tokio::time::sleep(Duration::from_millis(50 + rng_state % 400)).await;
        daemon.kill();
        daemon = start(&project, &sandbox, &format!("node-{round}")).await;
    }
    let url = format!("http://{}", daemon.addr);
    while let Some(app) = pending.first().copied() {
        assert_eq!(sandbox.send_webhook(&url, "hire_candidate", app, 1).await, vec![200]);
        pending.remove(0);
    }
    let runs = wait_for_finished(&store, "hired", apps.len(), Duration::from_secs(120)).await;
    daemon.stop().await;
    assert_eq!(runs.len(), apps.len(), "one run per hire");
    assert!(
        runs.iter().all(|r| r.status == RunStatus::Succeeded),
        "{:?}",
        runs.iter().map(|r| (&r.status, &r.error)).collect::<Vec<_>>()
    );
    for (i, _) in apps.iter().enumerate() {
        assert_eq!(sandbox.bamboohr_employees_with(&format!("hire{i}@acme.example")).await, 1, "hire {i}");
    }
    project.cleanup().await;
}

async fn stage_change_webhooks_respect_to_stage(db: Db) {
    let sandbox = Sandbox::start().await;
    let project = TestProject::example(db).await;
    project.write_recipe(
        "offer-stage.yaml",
        r##"
name: offer-stage
trigger:
  connection: greenhouse
  event: application_stage_changed
  delivery: webhook
  to_stage: Offer
steps:
  - id: notify
    action: slack.post_message
    connection: slack
    with: { channel: "#people-ops", text: "{{ trigger.candidate.first_name }} reached {{ trigger.to_stage.name }}" }
"##,
    );
    let daemon = start(&project, &sandbox, "e2e").await;
    let store = project.store().await;
    let id = |v: &Value| v.get("id").and_then(Value::as_i64).expect("id");
    let job = sandbox.post("/greenhouse/_control/jobs", json!({ "name": "Engineer" })).await;
    let candidate = sandbox
        .post(
            "/greenhouse/_control/candidates",
            json!({ "first_name": "Annie", "last_name": "Easley", "email_addresses": [] }),
        )
        .await;
    let app = id(&sandbox
        .post("/greenhouse/_control/applications", json!({ "candidate_id": id(&candidate), "job_id": id(&job) }))
        .await);
    let url = format!("http://{}", daemon.addr);
    for stage in ["Onsite", "Offer"] {
        sandbox.post(&format!("/greenhouse/_control/applications/{app}/move"), json!({ "to_stage_name": stage })).await;
        let sent = sandbox
            .post(
                "/greenhouse/_control/webhooks",
                json!({ "url": format!("{url}/webhooks/greenhouse"), "secret": hirewire_tests::sandbox::WEBHOOK_SECRET,
                        "action": "candidate_stage_change", "id": app, "event_id": format!("move-{stage}") }),
            )
            .await;
        assert_eq!(sent["statuses"], json!([200]));
    }
    let runs = wait_for_finished(&store, "offer-stage", 2, Duration::from_secs(60)).await;
    daemon.stop().await;
    let mut statuses: Vec<RunStatus> = runs.iter().map(|r| r.status).collect();
    statuses.sort_by_key(|s| s.as_str());
    assert_eq!(statuses, vec![RunStatus::Skipped, RunStatus::Succeeded], "{runs:?}");
    let texts: Vec<Value> = sandbox.slack_messages().await.into_iter().map(|m| m["text"].clone()).collect();
    assert_eq!(texts, vec![json!("Annie reached Offer")]);
    project.cleanup().await;
}

on_both_databases!(
    stage_change_webhooks_respect_to_stage,
    webhook_poll_and_retry_make_one_employee,
    killing_the_daemon_at_random_points_loses_nothing
);
