//! What the failure test waits for and asserts, read from the cluster's store, its nodes' API and
//! the fakes: every hire's run succeeded, exactly one run and one BambooHR employee per hire,
//! nothing left running, the poll cursor past the fake's newest record, a dead node's runs
//! finished elsewhere.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use hirewire_store::{RunFilter, RunStatus, RunSummary, Store};
use serde_json::Value;

use super::project::{EMAIL_DOMAIN, RECIPE};
use super::test_cluster::TestCluster;

/// Every run of the recipe (optionally only those with `status`).
pub async fn all_runs(store: &Store, status: Option<RunStatus>) -> Vec<RunSummary> {
    store
        .list_runs(&RunFilter { recipe: Some(RECIPE.to_owned()), status, limit: 100_000, ..RunFilter::default() })
        .await
        .unwrap_or_default()
}

/// Waits until each of `apps` has a succeeded run; returns the runs of those applications.
pub async fn wait_for_hires(store: &Store, apps: &[i64], timeout: Duration, cluster: &TestCluster) -> Vec<RunSummary> {
    let deadline = Instant::now() + timeout;
    let wanted: BTreeSet<String> = apps.iter().map(ToString::to_string).collect();
    loop {
        let runs: Vec<RunSummary> = all_runs(store, None)
            .await
            .into_iter()
            .filter(|r| r.application_id.as_ref().is_some_and(|a| wanted.contains(a)))
            .collect();
        let succeeded: BTreeSet<&String> = runs
            .iter()
            .filter(|r| r.status == RunStatus::Succeeded)
            .filter_map(|r| r.application_id.as_ref())
            .collect();
        if succeeded.len() == wanted.len() {
            return runs;
        }
        if Instant::now() > deadline {
            let mut by_status: BTreeMap<&str, usize> = BTreeMap::new();
            for run in &runs {
                *by_status.entry(run.status.as_str()).or_default() += 1;
            }
            let errors: Vec<&String> = runs.iter().filter_map(|r| r.error.as_ref()).take(5).collect();
            panic!(
                "after {timeout:?}: {} of {} hires have a succeeded run; runs by status {by_status:?}; errors {errors:?}\n{}",
                succeeded.len(),
                wanted.len(),
                cluster.tails()
            );
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Runs per second over `runs`: from the first recorded to the last finished.
pub fn runs_per_sec(runs: &[RunSummary]) -> f64 {
    let first = runs.iter().map(|r| r.created_at).min();
    let last = runs.iter().filter_map(|r| r.finished_at).max();
    match (first, last) {
        (Some(first), Some(last)) if last > first => {
            #[allow(clippy::cast_precision_loss)]
            let count = runs.len() as f64;
            count / ((last - first).num_milliseconds().max(1) as f64 / 1000.0)
        }
        _ => 0.0,
    }
}

/// Ids of the runs `node` holds right now.
pub async fn runs_held_by(store: &Store, node: &str) -> Vec<String> {
    all_runs(store, Some(RunStatus::Running))
        .await
        .into_iter()
        .filter(|r| r.node.as_deref() == Some(node))
        .map(|r| r.id)
        .collect()
}

/// Watches the runs `dead` held when it was killed at `killed_at`, in the background, until each
/// is finished; the task answers how long that took (`None` when it held nothing). Panics when a
/// run ends other than succeeded, ends on the dead node, or is not finished within `timeout`.
pub fn watch_recovery(
    store: Store,
    dead: &'static str,
    held: Vec<String>,
    killed_at: Instant,
    timeout: Duration,
) -> tokio::task::JoinHandle<Option<Duration>> {
    tokio::spawn(async move {
        if held.is_empty() {
            return None;
        }
        let mut open: BTreeSet<String> = held.into_iter().collect();
        loop {
            for id in open.clone() {
                // During the Postgres restart reads fail: ask again on the next round.
                let Ok(Some(run)) = store.get_run(&id).await else {
                    continue;
                };
                if run.run.status.is_finished() {
                    assert_eq!(
                        (run.run.status, run.run.node.as_deref() == Some(dead)),
                        (RunStatus::Succeeded, false),
                        "run {id}, held by {dead} when it was killed, ended {} on {:?}",
                        run.run.status.as_str(),
                        run.run.node
                    );
                    open.remove(&id);
                }
            }
            if open.is_empty() {
                return Some(killed_at.elapsed());
            }
            assert!(
                killed_at.elapsed() < timeout,
                "runs {open:?} held by {dead} were not finished elsewhere within {timeout:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
}

/// One employee per hire, one succeeded run per hire, nothing else, nothing stuck.
pub async fn assert_exactly_once(cluster: &TestCluster, store: &Store) {
    let runs = all_runs(store, None).await;
    let stuck: Vec<(&String, RunStatus)> =
        runs.iter().filter(|r| !r.status.is_finished()).map(|r| (&r.id, r.status)).collect();
    assert!(stuck.is_empty(), "runs not finished after every hire succeeded: {stuck:?}");
    let mut per_app: BTreeMap<String, Vec<&RunSummary>> = BTreeMap::new();
    for run in &runs {
        per_app.entry(run.application_id.clone().unwrap_or_default()).or_default().push(run);
    }
    for app in cluster.hires.keys() {
        let runs = per_app.remove(&app.to_string()).unwrap_or_default();
        let summary: Vec<(&str, Option<&str>)> = runs.iter().map(|r| (r.status.as_str(), r.node.as_deref())).collect();
        assert!(
            runs.len() == 1 && runs[0].status == RunStatus::Succeeded,
            "application {app}: expected exactly one succeeded run, found {summary:?}"
        );
    }
    // The sandbox's seeded data has hires of its own: they too get exactly one run.
    for (app, runs) in &per_app {
        let summary: Vec<(&str, Option<&str>)> = runs.iter().map(|r| (r.status.as_str(), r.node.as_deref())).collect();
        assert_eq!(runs.len(), 1, "seeded application {app}: expected exactly one run, found {summary:?}");
    }

    let employees = cluster.read(&format!("{}/bamboohr/_control/employees", cluster.sandbox.url)).await;
    let mut per_email: BTreeMap<String, usize> = BTreeMap::new();
    for employee in employees.as_array().into_iter().flatten() {
        if let Some(email) = employee.get("workEmail").and_then(Value::as_str).filter(|e| e.ends_with(EMAIL_DOMAIN)) {
            *per_email.entry(email.to_lowercase()).or_default() += 1;
        }
    }
    for (app, email) in &cluster.hires {
        let count = per_email.remove(email).unwrap_or_default();
        assert_eq!(count, 1, "application {app}: expected exactly one BambooHR employee with {email}, found {count}");
    }
    assert!(per_email.is_empty(), "BambooHR employees nobody was hired for: {per_email:?}");
}

/// The recipe's poll cursor, as each live node's `/api/recipes` shows it, covers the Greenhouse
/// fake's newest hired application (its window ends at or after that record's `updated_at`, and
/// when the record is still inside the next poll's overlap the cursor remembers it as seen), and
/// no dead node holds the poll trigger. Waits up to 60 s for the next poll.
pub async fn assert_cursor_caught_up(cluster: &TestCluster, dead: &str) {
    let (newest_id, newest_stamp) = cluster.newest_hired_application().await;
    let newest_at: DateTime<Utc> = newest_stamp.parse().expect("updated_at is RFC 3339");
    let deadline = Instant::now() + Duration::from_secs(60);
    for node in cluster.nodes.values() {
        loop {
            let recipes = cluster.read(&format!("{}/api/recipes", node.url)).await;
            let state = recipes
                .get("recipes")
                .and_then(Value::as_array)
                .and_then(|all| all.iter().find(|r| r.get("name").and_then(Value::as_str) == Some(RECIPE)))
                .and_then(|r| r.get("trigger_state"))
                .cloned()
                .unwrap_or(Value::Null);
            let owner = state.get("lease_owner").and_then(Value::as_str);
            assert_ne!(owner, Some(dead), "{}: the dead node still holds the poll trigger: {state}", node.name);
            let until =
                state.pointer("/cursor/until").and_then(Value::as_str).and_then(|u| u.parse::<DateTime<Utc>>().ok());
            let seen = state
                .pointer("/cursor/seen")
                .and_then(Value::as_array)
                .is_some_and(|seen| seen.iter().any(|s| *s == serde_json::json!([newest_id, newest_stamp])));
            let in_overlap = until.is_some_and(|u| u - chrono::Duration::minutes(2) <= newest_at);
            if until.is_some_and(|u| u >= newest_at) && (seen || !in_overlap) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{}: the poll cursor does not cover application {newest_id} (updated_at {newest_stamp}) within 60 s: {state}",
                node.name
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}
