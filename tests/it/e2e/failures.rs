//! Failing HR APIs end to end: a few injected BambooHR 500s are retried; an
//! outage (500s for a minute) is retried durably, across a crash, until it
//! ends, with the attempts shown by `hirewire runs show` and one employee per
//! hire; a permanent error fails the run once with the remote's message and
//! fires `on_error`; the example hire recipe's policy outlasts such an outage.

use std::process::Command;
use std::time::Duration;

use hirewire_core::recipe::{RetryPolicy, StepKind};
use hirewire_store::{RunStatus, StepRecord, StepStatus, Store};
use hirewire_tests::engine::{Db, TestProject, wait_for_finished};
use hirewire_tests::hirewire_binary;
use hirewire_tests::sandbox::Sandbox;
use serde_json::{Value, json};

use super::{HIRED, on_both_databases, runs_of_application, start, wait_for_application};

/// The retry jitter's lower bound (the executor waits 0.8 to 1.2 times the policy's delay).
const JITTER_LOW: f64 = 0.8;

/// The outage the SPEC names: 500s for a minute.
const ONE_MINUTE: Duration = Duration::from_secs(60);

fn step<'a>(steps: &'a [StepRecord], id: &str) -> &'a StepRecord {
    steps.iter().find(|s| s.step_id == id).unwrap_or_else(|| panic!("no step `{id}` in {steps:#?}"))
}

/// The shortest total wait before the last attempt under `policy`.
fn shortest_total_backoff(policy: &RetryPolicy) -> Duration {
    (2..=policy.attempts).map(|attempt| policy.delay_before(attempt)).sum::<Duration>().mul_f64(JITTER_LOW)
}

/// Webhook delivery only: with the reconciling poll, the Greenhouse fake's seeded hire would get a run too,
/// and its upsert (earlier in event order, concurrency 1) would take the injected faults.
async fn failing_hr_api_is_retried_until_it_recovers(db: Db) {
    let sandbox = Sandbox::start().await;
    let project = TestProject::example(db).await;
    project.write_recipe("hired.yaml", &HIRED.replace("delivery: auto", "delivery: webhook"));
    sandbox.inject_fault("bamboohr", json!({ "path_prefix": "/api", "status": 500, "count": 3 })).await;
    let daemon = start(&project, &sandbox, "e2e").await;
    let store = project.store().await;
    let app = sandbox.hire("Mary", "Jackson", "mary.jackson@acme.example").await;
    sandbox.send_webhook(&format!("http://{}", daemon.addr), "hire_candidate", app, 1).await;
    let runs = wait_for_application(&store, app, 1).await;
    daemon.stop().await;
    assert_eq!(runs.len(), 1, "{runs:?}");
    let run = store.get_run(&runs[0].id).await.expect("get").expect("run");
    assert_eq!(run.run.status, RunStatus::Succeeded, "{:?}", run.run.error);
    let employee = step(&run.steps, "employee");
    assert_eq!(employee.status, StepStatus::Succeeded);
    assert_eq!(employee.error, None);
    // Each attempt reads the directory first: three 500s, then the fourth attempt finds nobody and creates.
    assert_eq!(employee.attempts, 4, "three 500s, then success");
    assert_eq!(sandbox.count_requests("bamboohr", "GET", "/v1/employees/directory").await, 4);
    assert_eq!(sandbox.count_requests("bamboohr", "POST", "/v1/employees").await, 1, "one create");
    assert_eq!(sandbox.bamboohr_employees_with("mary.jackson@acme.example").await, 1);
    project.cleanup().await;
}

/// Retries that wait up to 20 s between attempts: long enough for a minute of 500s (8 attempts wait at
/// least 72 s in all), with waits past the executor's inline limit (15 s) going back to the queue.
const OUTAGE_RETRY: &str = "retry: { attempts: 8, backoff: exponential, initial: 2s, max: 20s }";

/// BambooHR answers 500 to everything for `outage` (a real minute on Postgres, 12 s on SQLite); three hires
/// arrive during it; the daemon crashes mid-outage and another takes over. Every run succeeds after retrying,
/// `hirewire runs show` shows each upsert's attempts, and BambooHR received one create per hire.
async fn an_hr_api_outage_is_retried_durably_until_it_recovers(db: Db) {
    let outage = if db == Db::Postgres { ONE_MINUTE } else { Duration::from_secs(12) };
    let sandbox = Sandbox::start().await;
    let project = TestProject::example(db).await;
    let recipe = HIRED
        .replace("delivery: auto", "delivery: webhook")
        .replace("retry: { attempts: 6, backoff: fixed, initial: 1s, max: 1s }", OUTAGE_RETRY)
        .replace("key: ", "concurrency: 3\nkey: ");
    assert!(recipe.contains(OUTAGE_RETRY) && recipe.contains("concurrency: 3"), "{recipe}");
    project.write_recipe("hired.yaml", &recipe);
    let policy = RetryPolicy {
        attempts: 8,
        backoff: hirewire_core::recipe::Backoff::Exponential,
        initial: Duration::from_secs(2),
        max: Duration::from_secs(20),
    };
    assert!(shortest_total_backoff(&policy) > ONE_MINUTE, "the policy outlasts a minute of 500s");
    let emails: Vec<String> = (0..3).map(|i| format!("outage.hire{i}@acme.example")).collect();
    let mut apps = Vec::new();
    for (i, email) in emails.iter().enumerate() {
        apps.push(sandbox.hire("Outage", &format!("Hire{i}"), email).await);
    }
    sandbox
        .inject_fault("bamboohr", json!({ "path_prefix": "/api", "status": 500, "for_ms": outage.as_millis() }))
        .await;
    let daemon = start(&project, &sandbox, "node-a").await;
    let store = project.store().await;
    for app in &apps {
        assert_eq!(
            sandbox.send_webhook(&format!("http://{}", daemon.addr), "hire_candidate", *app, 1).await,
            vec![200]
        );
    }
    // Every upsert has failed at least once: crash, and let another node take over the retries.
    wait_until_every_upsert_is_retrying(&store, &apps).await;
    daemon.kill();
    let daemon = start(&project, &sandbox, "node-b").await;
    let runs = wait_for_finished(&store, "hired", apps.len(), outage + Duration::from_secs(180)).await;
    daemon.stop().await;
    assert_eq!(runs.len(), apps.len(), "one run per hire: {runs:?}");
    let binary = hirewire_binary();
    let mut total_attempts = 0;
    for summary in &runs {
        let run = store.get_run(&summary.id).await.expect("get").expect("run");
        assert_eq!(run.run.status, RunStatus::Succeeded, "{:?}", run.run.error);
        let employee = step(&run.steps, "employee");
        assert_eq!(employee.status, StepStatus::Succeeded);
        assert_eq!(employee.output.as_ref().and_then(|o| o.get("created")), Some(&json!(true)));
        assert!((2..=8).contains(&employee.attempts), "retried within the policy: {} attempts", employee.attempts);
        total_attempts += usize::try_from(employee.attempts).expect("attempts");
        let shown = runs_show(&binary, &project, &sandbox, &summary.id, false);
        let row = shown
            .lines()
            .find(|line| line.contains("bamboohr.upsert_employee") && line.contains("succeeded"))
            .unwrap_or_else(|| panic!("no upsert row in `runs show`:\n{shown}"));
        let cells: Vec<&str> = row.split(['│', '┆']).map(str::trim).filter(|c| !c.is_empty()).collect();
        assert_eq!(
            cells[..4],
            ["employee", "bamboohr.upsert_employee", "succeeded", &employee.attempts.to_string()],
            "{row}"
        );
        let json: Value =
            serde_json::from_str(&runs_show(&binary, &project, &sandbox, &summary.id, true)).expect("runs show --json");
        let shown_step = json["steps"].as_array().and_then(|s| s.iter().find(|s| s["id"] == "employee")).cloned();
        assert_eq!(shown_step.map(|s| s["attempts"].clone()), Some(json!(employee.attempts)), "{json}");
    }
    // Every attempt reads the directory once (an attempt cut short by the crash may not be recorded).
    assert!(sandbox.count_requests("bamboohr", "GET", "/v1/employees/directory").await >= total_attempts);
    assert_eq!(sandbox.count_requests("bamboohr", "POST", "/v1/employees").await, apps.len(), "one create per hire");
    for email in &emails {
        assert_eq!(sandbox.bamboohr_employees_with(email).await, 1, "{email}: one employee");
    }
    let announced = sandbox
        .slack_messages()
        .await
        .iter()
        .filter(|m| m["text"].as_str().is_some_and(|t| t.starts_with("Outage Hire")))
        .count();
    assert_eq!(announced, apps.len(), "each hire announced once");
    project.cleanup().await;
}

async fn wait_until_every_upsert_is_retrying(store: &Store, apps: &[i64]) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let mut retrying = 0;
        for app in apps {
            for run in runs_of_application(store, *app).await {
                let detail = store.get_run(&run.id).await.expect("get").expect("run");
                if detail.steps.iter().any(|s| s.step_id == "employee" && s.status == StepStatus::Retrying) {
                    retrying += 1;
                }
            }
        }
        if retrying == apps.len() {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "only {retrying} of {} upserts are retrying", apps.len());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `hirewire runs show <id> [--json]` on the project, as an operator runs it.
fn runs_show(binary: &std::path::Path, project: &TestProject, sandbox: &Sandbox, run_id: &str, json: bool) -> String {
    let mut command = Command::new(binary);
    command.args(["runs", "show", run_id]).arg("--dir").arg(project.dir.path());
    if json {
        command.arg("--json");
    }
    let output =
        command.envs(sandbox.env_overrides(&project.url)).env_remove("RUST_LOG").output().expect("run hirewire");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "runs show: {}\n{stdout}", String::from_utf8_lossy(&output.stderr));
    stdout
}

async fn permanent_error_fails_once_and_fires_on_error(db: Db) {
    let sandbox = Sandbox::start().await;
    let project = TestProject::example(db).await;
    project.write_recipe("hired.yaml", HIRED);
    let daemon = start(&project, &sandbox, "e2e").await;
    let store = project.store().await;
    let app = sandbox.hire("Dorothy", "Typo", "dorothy.vaughan@acme.example").await;
    sandbox.send_webhook(&format!("http://{}", daemon.addr), "hire_candidate", app, 1).await;
    let runs = wait_for_application(&store, app, 1).await;
    // The reconciling poll (every second) sees the hire again: still one run, not retried.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    daemon.stop().await;
    assert_eq!(runs_of_application(&store, app).await.len(), 1);
    assert_eq!(runs[0].status, RunStatus::Failed);
    let expected = "step `employee`: bamboohr.upsert_employee: 409 department 'Enginering' is not an existing option";
    assert_eq!(runs[0].error.as_deref(), Some(expected), "the remote's own message");
    let run = store.get_run(&runs[0].id).await.expect("get").expect("run");
    let employee = step(&run.steps, "employee");
    assert_eq!((employee.status, employee.attempts), (StepStatus::Failed, 1), "a permanent error is not retried");
    assert_eq!(employee.error.as_deref(), Some(expected));
    assert_eq!(step(&run.steps, "on_error.alert").status, StepStatus::Succeeded, "on_error ran: {:#?}", run.steps);
    assert!(run.steps.iter().all(|s| s.step_id != "notify"), "the steps after the failure did not run");
    // The create was refused once, never sent again.
    let creates: Vec<Value> = sandbox
        .requests("bamboohr")
        .await
        .into_iter()
        .filter(|r| r["method"] == "POST" && r["path"].as_str().is_some_and(|p| p.ends_with("/v1/employees")))
        .filter(|r| r["body"]["workEmail"] == "dorothy.vaughan@acme.example")
        .collect();
    assert_eq!(creates.len(), 1, "{creates:?}");
    assert_eq!(creates[0]["body"]["department"], "Enginering");
    // The on_error action's request: one message to #hr-automation carrying the run's error.
    let hr_automation = sandbox.slack_channel_id("hr-automation").await;
    let alerts: Vec<Value> =
        sandbox.slack_messages().await.into_iter().filter(|m| m["channel"] == hr_automation.as_str()).collect();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["text"], json!(format!("hired failed: {expected}")));
    assert_eq!(sandbox.bamboohr_employees_with("dorothy.vaughan@acme.example").await, 0);
    project.cleanup().await;
}

/// The example recipe `recipes/hired-to-bamboohr.yaml` retries its upsert for longer than a minute, so a
/// minute of BambooHR 500s delays its runs but does not fail them.
#[test]
fn the_example_hire_recipe_outlasts_a_minute_of_500s() {
    let root = hirewire_tests::workspace_root();
    let project = match hirewire_core::validate::load_project(&root, &hirewire_connectors::all(), &|_| None) {
        Ok(project) => project,
        Err(report) => panic!("the example project loads: {report:?}"),
    };
    let recipe = project.recipes.iter().find(|r| r.name == "hired-to-bamboohr").expect("the example hire recipe");
    let upsert = recipe.steps.iter().find(|s| s.id == "employee").expect("its employee step");
    let StepKind::Action(action) = &upsert.kind else { panic!("employee is an action") };
    assert_eq!(format!("{}.{}", action.connector, action.action), "bamboohr.upsert_employee");
    let waited = shortest_total_backoff(&action.retry);
    assert!(waited > ONE_MINUTE, "{} attempts wait at least {waited:?}", action.retry.attempts);
}

on_both_databases!(
    failing_hr_api_is_retried_until_it_recovers,
    an_hr_api_outage_is_retried_durably_until_it_recovers,
    permanent_error_fails_once_and_fires_on_error
);
