//! `hirewire runs list|show`, `prune`, `forget-candidate` and `migrate` against a project directory, through
//! the built binary: the stable JSON, the table, the database URL resolution and secrets kept out of output.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use hirewire_store::{RunStatus, StepOutcome, Store};
use hirewire_tests::hirewire_binary;
use serde_json::{Value, json};

use super::hired_run;

/// Runs `hirewire --dir DIR ARGS...`; returns (exit code, stdout, stderr).
fn hirewire(binary: &Path, dir: &Path, args: &[&str], database_url: Option<&str>) -> (i32, String, String) {
    let mut command = Command::new(binary);
    command.arg("--dir").arg(dir).args(args).env_remove("HIREWIRE_DATABASE_URL");
    if let Some(url) = database_url {
        command.env("HIREWIRE_DATABASE_URL", url);
    }
    let output = command.output().expect("run hirewire");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn json_of(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

/// A project whose hirewire.yaml names `database: sqlite://history.db` (relative to the project) among other
/// settings, with one failed run (candidate 42, two steps) and one succeeded run (candidate 43).
fn project_with_runs() -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("hirewire.yaml"),
        "database: sqlite://history.db\nretention: 30d\nlisten: 127.0.0.1:8080\nconnections:\n  slack:\n    connector: slack\n    token: ${SLACK_BOT_TOKEN}\n",
    )
    .expect("write hirewire.yaml");
    let url = format!("sqlite://{}", dir.path().join("history.db").display());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (failed, succeeded) = runtime.block_on(async {
        let store = Store::open(&url).await.expect("open");
        store.set_recipe_concurrency("hired", 5).await.unwrap();
        store.enqueue_runs(&[hired_run("hired", 42, 420), hired_run("hired", 43, 430)]).await.unwrap();
        let mut claimed = store.claim_runs("node-1", 5, Duration::from_secs(60)).await.unwrap();
        claimed.sort_by_key(|run| run.candidate_id.clone());
        let (first, second) = (claimed[0].lease(), claimed[1].lease());
        let input = json!({"workEmail": "ada42@example.com", "firstName": "Ada42"});
        store.start_step(&first, "employee", "bamboohr.upsert_employee", &input).await.unwrap();
        let output = StepOutcome::Succeeded(json!({"id": "e1", "created": true}));
        store.finish_step(&first, "employee", "bamboohr.upsert_employee", &output, 1).await.unwrap();
        store.start_step(&first, "notify", "slack.post_message", &json!({"channel": "#people"})).await.unwrap();
        let failed = StepOutcome::Failed("Slack: channel_not_found".into());
        store.finish_step(&first, "notify", "slack.post_message", &failed, 3).await.unwrap();
        store.finish_run(&first, RunStatus::Failed, Some("step notify: Slack: channel_not_found")).await.unwrap();
        store.finish_run(&second, RunStatus::Succeeded, None).await.unwrap();
        store.close().await;
        (first.run_id, second.run_id)
    });
    (dir, failed, succeeded)
}

#[test]
fn runs_list_and_show_print_stable_json_and_tables() {
    let binary = hirewire_binary();
    let (dir, failed, succeeded) = project_with_runs();

    let (code, stdout, stderr) = hirewire(&binary, dir.path(), &["runs", "list", "--json"], None);
    assert_eq!(code, 0, "{stderr}");
    let list = json_of(&stdout);
    let ids: Vec<&str> = list.as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&failed.as_str()) && ids.contains(&succeeded.as_str()));
    let run = list.as_array().unwrap().iter().find(|r| r["id"] == json!(failed)).unwrap();
    for key in ["id", "recipe", "status", "started_at", "finished_at", "trigger_event", "candidate_id", "error"] {
        assert!(run.get(key).is_some(), "runs list --json lacks `{key}`: {run}");
    }
    assert_eq!(run["recipe"], "hired");
    assert_eq!(run["status"], "failed");
    assert_eq!(run["trigger_event"], "hire_candidate:420");
    assert_eq!(run["candidate_id"], "42");
    assert_eq!(run["error"], "step notify: Slack: channel_not_found");

    let filtered = |args: &[&str]| {
        let (code, stdout, stderr) = hirewire(&binary, dir.path(), args, None);
        assert_eq!(code, 0, "{args:?}: {stderr}");
        json_of(&stdout).as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(filtered(&["runs", "list", "--status", "failed", "--recipe", "hired", "--json"]), [failed.as_str()]);
    assert_eq!(filtered(&["runs", "list", "--candidate", "43", "--json"]), [succeeded.as_str()]);
    assert_eq!(filtered(&["runs", "list", "--since", "24h", "--limit", "1", "--json"]).len(), 1);
    assert!(filtered(&["runs", "list", "--recipe", "nope", "--json"]).is_empty());

    let (code, table, _) = hirewire(&binary, dir.path(), &["runs", "list", "--since", "7d"], None);
    assert_eq!(code, 0);
    assert!(table.contains("STATUS") && table.contains("failed") && table.contains("succeeded"), "{table}");
    let (code, _, stderr) = hirewire(&binary, dir.path(), &["runs", "list", "--since", "yesterday-ish"], None);
    assert_eq!(code, 2, "a bad --since is a usage error");
    assert!(stderr.contains("24h or 7d"), "{stderr}");

    let (code, stdout, stderr) = hirewire(&binary, dir.path(), &["runs", "show", &failed, "--json"], None);
    assert_eq!(code, 0, "{stderr}");
    let shown = json_of(&stdout);
    assert_eq!(shown["id"], json!(failed));
    let steps = shown["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0]["id"], "employee");
    assert_eq!(steps[0]["action"], "bamboohr.upsert_employee");
    assert_eq!(steps[0]["status"], "succeeded");
    assert_eq!(steps[0]["input"]["workEmail"], "ada42@example.com");
    assert_eq!(steps[0]["output"], json!({"id": "e1", "created": true}));
    assert_eq!(
        (steps[1]["attempts"].as_i64(), steps[1]["error"].as_str()),
        (Some(3), Some("Slack: channel_not_found"))
    );

    let (code, table, _) = hirewire(&binary, dir.path(), &["runs", "show", &failed], None);
    assert_eq!(code, 0);
    assert!(table.contains("channel_not_found") && table.contains("ada42@example.com"), "{table}");

    let (code, _, stderr) = hirewire(&binary, dir.path(), &["runs", "show", "no-such-run"], None);
    assert_eq!(code, 1);
    assert!(stderr.contains("run no-such-run not found"), "{stderr}");
}

#[test]
fn forget_prune_and_migrate_report_what_they_did() {
    let binary = hirewire_binary();
    let (dir, failed, _) = project_with_runs();

    let (code, stdout, stderr) = hirewire(&binary, dir.path(), &["forget-candidate", "42"], None);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("candidate 42: removed personal data from 1 runs and 2 steps"), "{stdout}");
    let (_, shown, _) = hirewire(&binary, dir.path(), &["runs", "show", &failed, "--json"], None);
    assert!(!shown.contains("ada42@example.com") && !shown.contains("Ada42"), "{shown}");

    let (code, stdout, stderr) = hirewire(&binary, dir.path(), &["prune", "--json"], None);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json_of(&stdout)["runs_deleted"], 0, "nothing is older than retention: 30d");
    let (code, stdout, stderr) = hirewire(&binary, dir.path(), &["prune", "--older-than", "0s"], None);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("pruned 2 runs (2 steps)"), "{stdout}");

    let (code, stdout, stderr) = hirewire(&binary, dir.path(), &["migrate"], None);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("history.db is migrated"), "{stdout}");
}

#[test]
fn the_database_url_comes_from_the_environment_first_and_its_password_never_shows() {
    let binary = hirewire_binary();
    let (dir, _, _) = project_with_runs();
    let other = format!("sqlite://{}", dir.path().join("other.db").display());
    let (code, stdout, _) = hirewire(&binary, dir.path(), &["runs", "list"], Some(&other));
    assert_eq!((code, stdout.trim()), (0, "no runs match"));

    let secret_url = "postgres://hirewire:pw-s3cr3t@127.0.0.1:1/hirewire";
    let (code, stdout, stderr) = hirewire(&binary, dir.path(), &["runs", "list"], Some(secret_url));
    assert_eq!(code, 1);
    assert!(stderr.contains("postgres://hirewire:***@127.0.0.1:1/hirewire"), "{stderr}");
    assert!(!stdout.contains("pw-s3cr3t") && !stderr.contains("pw-s3cr3t"), "{stderr}");

    // Without hirewire.yaml the default is sqlite://<dir>/hirewire.db.
    let empty = tempfile::tempdir().expect("temp dir");
    let (code, stdout, stderr) = hirewire(&binary, empty.path(), &["migrate"], None);
    assert_eq!(code, 0, "{stderr}");
    assert!(empty.path().join("hirewire.db").exists(), "{stdout}");
}

#[test]
fn runs_retry_queues_from_a_step_by_id_and_by_filter() {
    let binary = hirewire_binary();
    let (dir, failed, succeeded) = project_with_runs();

    let (code, stdout, stderr) = hirewire(
        &binary,
        dir.path(),
        &["runs", "retry", &failed, "--from-step", "notify", "--version", "original"],
        None,
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains(&format!("retry queued: {failed} -> ")), "{stdout}");
    assert!(stdout.contains("1 retried, 0 not retried"), "{stdout}");

    // By filter: the failed run already has a retry pending, the succeeded one is retried from the start.
    let (code, stdout, _) =
        hirewire(&binary, dir.path(), &["runs", "retry", "--recipe", "hired", "--status", "succeeded"], None);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains(&format!("retry queued: {succeeded} -> ")), "{stdout}");
    let (code, stdout, _) = hirewire(&binary, dir.path(), &["runs", "retry", &failed], None);
    assert_eq!(code, 1, "a second pending retry is refused: {stdout}");
    assert!(stdout.contains(&format!("not retried: {failed}")), "{stdout}");

    let (code, _, stderr) = hirewire(&binary, dir.path(), &["runs", "retry"], None);
    assert_eq!(code, 2, "{stderr}");
}
