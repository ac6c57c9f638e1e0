//! `hirewire demo`: the sandbox, the engine and the example recipes on a
//! scratch SQLite database, end to end. A candidate is hired in the
//! Greenhouse fake, which sends the signed `hire_candidate` webhook (twice: a
//! redelivery); the `hired-to-bamboohr` recipe creates one BambooHR employee,
//! tells #people-ops and thanks each interviewer on Slack.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use hirewire_runtime::{Daemon, DaemonOptions};
use hirewire_store::{RunFilter, RunStatus, Store};
use serde_json::{Value, json};

use hirewire_runtime::sandbox::{example_project_env, sandbox_app};

/// The recipe whose run the demo follows.
const DEMO_RECIPE: &str = "hired-to-bamboohr";
/// The webhook secret of the example project's Greenhouse connection (its sandbox default).
const WEBHOOK_SECRET: &str = "sandbox-webhook-secret";

/// Arguments of `hirewire demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Seed of the sandbox's generated data.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// How long to wait for the runs, in seconds.
    #[arg(long, default_value_t = 60)]
    pub timeout: u64,
}

/// Runs the demo on the project in `dir` (the repository's example project by default).
pub async fn run(dir: &Path, args: &DemoArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        dir.join("hirewire.yaml").is_file(),
        "{} has no hirewire.yaml: run the demo from the repository root (or pass --dir)",
        dir.display()
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let sandbox_url = format!("http://{}", listener.local_addr()?);
    let app = sandbox_app(&hirewire_connectors::all(), &sandbox_url, args.seed);
    let sandbox = tokio::spawn(async move { axum::serve(listener, app).await });
    println!("sandbox      {sandbox_url}");

    let scratch = tempfile::tempdir().context("creating a scratch directory")?;
    let database = format!("sqlite://{}", scratch.path().join("demo.db").display());
    let mut options = DaemonOptions::new(dir);
    options.listen = Some("127.0.0.1:0".parse()?);
    options.worker.node = "demo".to_owned();
    options.install_metrics = false;
    options.env_overrides = example_project_env(&sandbox_url, &database, WEBHOOK_SECRET);
    let daemon = Daemon::start(options, Arc::new(hirewire_connectors::all())).await?;
    let daemon_url = format!("http://{}", daemon.addr);
    println!("hirewire     {daemon_url} (history: {database})");

    let outcome = drive(&sandbox_url, &daemon_url, &daemon.store, Duration::from_secs(args.timeout)).await;
    daemon.stop().await;
    sandbox.abort();
    match outcome {
        Ok(()) => {
            println!("\ndemo succeeded: one hire, one BambooHR employee, Slack told, redelivery ignored");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("\ndemo FAILED: {e:#}");
            Ok(ExitCode::from(1))
        }
    }
}

async fn drive(sandbox: &str, daemon: &str, store: &Store, timeout: Duration) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    let post = |path: &str, body: Value| {
        let http = http.clone();
        let url = format!("{sandbox}{path}");
        async move {
            let response = http.post(&url).json(&body).send().await.with_context(|| format!("POST {url}"))?;
            let status = response.status();
            let value: Value = response.json().await.unwrap_or(Value::Null);
            anyhow::ensure!(status.is_success(), "POST {url}: {status} {value}");
            Ok::<Value, anyhow::Error>(value)
        }
    };
    let id = |v: &Value| v.get("id").and_then(Value::as_i64).unwrap_or_default();

    println!("\n1. Greenhouse: Katherine Johnson applies, interviews with two engineers, gets an offer and is hired");
    let alan = post(
        "/greenhouse/_control/users",
        json!({"first_name": "Alan", "last_name": "Turing", "primary_email": "alan.turing@acme.example"}),
    )
    .await?;
    let grace = post(
        "/greenhouse/_control/users",
        json!({"first_name": "Grace", "last_name": "Hopper", "primary_email": "grace.hopper@acme.example"}),
    )
    .await?;
    // Slack knows everyone who interviews in the sandbox's Greenhouse (including its seeded users).
    for (email, slack_id) in [
        ("alan.turing@acme.example", "U0ALAN"),
        ("grace.hopper@acme.example", "U0GRACE"),
        ("ada.lacey@acme.example", "U0ADALACEY"),
        ("carl.buddha@acme.example", "U0CARL"),
    ] {
        post("/slack/_control/users", json!({"id": slack_id, "email": email, "name": email})).await?;
    }
    let job = post("/greenhouse/_control/jobs", json!({"name": "Flight Software Engineer"})).await?;
    let candidate = post(
        "/greenhouse/_control/candidates",
        json!({
            "first_name": "Katherine", "last_name": "Johnson", "title": "Research Mathematician",
            "email_addresses": [{"value": "katherine.johnson@acme.example", "type": "work"},
                                {"value": "kj@example.com", "type": "personal"}],
            "tags": ["referral"],
            "educations": [{"degree": "Bachelor's Degree", "discipline": "Mathematics", "school_name": "West Virginia State"}]
        }),
    )
    .await?;
    let application =
        post("/greenhouse/_control/applications", json!({"candidate_id": id(&candidate), "job_id": id(&job)})).await?;
    let app_id = id(&application);
    post(
        "/greenhouse/_control/interviews",
        json!({"application_id": app_id, "starts_at": "2026-11-20T15:00:00.000Z", "ends_at": "2026-11-20T16:00:00.000Z",
               "status": "complete", "interviewer_ids": [id(&alan), id(&grace)]}),
    )
    .await?;
    post("/greenhouse/_control/offers", json!({"application_id": app_id, "starts_on": "2027-01-04"})).await?;
    post(&format!("/greenhouse/_control/applications/{app_id}/hire"), json!({})).await?;

    println!("2. Greenhouse sends the signed hire_candidate webhook, and redelivers it once");
    let sent = post(
        "/greenhouse/_control/webhooks",
        json!({"url": format!("{daemon}/webhooks/greenhouse"), "secret": WEBHOOK_SECRET,
               "action": "hire_candidate", "id": app_id, "deliveries": 2}),
    )
    .await?;
    println!("   deliveries answered: {}", sent.get("statuses").cloned().unwrap_or(Value::Null));

    println!("3. hirewire runs the recipe `{DEMO_RECIPE}`");
    let run = wait_for_run(store, &app_id.to_string(), timeout).await?;
    let detail = store.get_run(&run).await?.context("the run disappeared")?;
    println!("   run {} {}", detail.run.id, detail.run.status.as_str());
    for step in &detail.steps {
        println!("   - {:<22} {:<26} {} (attempts {})", step.step_id, step.action, step.status.as_str(), step.attempts);
    }
    anyhow::ensure!(
        detail.run.status == RunStatus::Succeeded,
        "the run ended {}: {}",
        detail.run.status.as_str(),
        detail.run.error.as_deref().unwrap_or("no error recorded")
    );

    println!("4. What the other systems received");
    let employees: Value = http.get(format!("{sandbox}/bamboohr/_control/employees")).send().await?.json().await?;
    let matching: Vec<&Value> = employees
        .as_array()
        .map(|all| all.iter().filter(|e| e.to_string().contains("katherine.johnson@acme.example")).collect())
        .unwrap_or_default();
    println!("   BambooHR employees for katherine.johnson@acme.example: {}", matching.len());
    let messages: Value = http.get(format!("{sandbox}/slack/_control/messages")).send().await?.json().await?;
    for message in messages.as_array().into_iter().flatten() {
        println!(
            "   Slack {}: {}",
            message.get("channel").unwrap_or(&Value::Null),
            message.get("text").unwrap_or(&Value::Null)
        );
    }
    anyhow::ensure!(matching.len() == 1, "expected exactly one BambooHR employee, found {}", matching.len());
    let runs = store
        .list_runs(&RunFilter {
            recipe: Some(DEMO_RECIPE.to_owned()),
            application_id: Some(app_id.to_string()),
            ..RunFilter::default()
        })
        .await?;
    anyhow::ensure!(runs.len() == 1, "expected one run for the hire, found {}", runs.len());
    Ok(())
}

/// Waits for the demo recipe's run about `application_id` to finish; returns its id.
async fn wait_for_run(store: &Store, application_id: &str, timeout: Duration) -> anyhow::Result<String> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let filter = RunFilter {
            recipe: Some(DEMO_RECIPE.to_owned()),
            application_id: Some(application_id.to_owned()),
            ..RunFilter::default()
        };
        if let Some(run) = store.list_runs(&filter).await?.into_iter().find(|r| r.status.is_finished()) {
            return Ok(run.id);
        }
        anyhow::ensure!(tokio::time::Instant::now() < deadline, "no finished run of {DEMO_RECIPE} within {timeout:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
