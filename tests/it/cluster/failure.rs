//! The failure test (SPEC 9): three `hirewire run` processes and a sandbox process on one
//! private Postgres; hires arrive by webhook and by poll while one node is killed (SIGKILL),
//! another restarted (SIGTERM + start) and Postgres restarted. Afterwards every hire has exactly
//! one BambooHR employee and one succeeded run, nothing is stuck and the poll cursor caught up.
//! Prints runs/s with 1 and 3 nodes and how long a dead node's runs took to finish elsewhere.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use hirewire_store::{RunFilter, RunStatus, RunSummary, Store};
use serde_json::{Value, json};

use super::private_postgres::PrivatePostgres;
use super::processes::{Process, free_port};
use super::project::{EMAIL_DOMAIN, RECIPE, WEBHOOK_SECRET, daemon_env, write_project};

/// Seconds a run stays leased without a heartbeat (short, so that recovery is quick).
const LEASE_SECS: &str = "3";

/// What one scenario measured.
#[derive(Debug)]
pub struct Figures {
    /// Runs per second with one node.
    pub one_node_runs_per_sec: f64,
    /// Runs per second with three nodes.
    pub three_node_runs_per_sec: f64,
    /// Runs the killed node held, and how long until the last of them finished elsewhere.
    pub recovered: (usize, Option<Duration>),
    /// 429 answers from the Greenhouse fake during the whole scenario.
    pub greenhouse_429s: u64,
    /// Hires in total.
    pub hires: usize,
}

/// The cluster under test: its processes and what the test knows about it.
struct Cluster {
    binary: PathBuf,
    project: tempfile::TempDir,
    postgres: PrivatePostgres,
    sandbox: Process,
    nodes: BTreeMap<String, Process>,
    http: reqwest::Client,
    job_id: i64,
    /// Work email of each hire, by application id.
    hires: BTreeMap<i64, String>,
}

impl Cluster {
    fn logs(&self) -> PathBuf {
        self.project.path().join("logs")
    }

    async fn start_node(&mut self, name: &str) {
        let port = free_port();
        let args: Vec<String> = [
            "--dir",
            path_str(self.project.path()),
            "run",
            "--node-id",
            name,
            "--lease-secs",
            LEASE_SECS,
            "--workers",
            "16",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        let env = daemon_env(&self.postgres.url(), &self.sandbox.url, port);
        let process = Process::start(&self.binary, name, &args, &env, port, "/readyz", &self.logs()).await;
        self.nodes.insert(name.to_owned(), process);
    }

    async fn control(&self, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.sandbox.url);
        let response = self
            .http
            .post(&url)
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
        let status = response.status();
        let value: Value = response.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "POST {url}: {status} {value}");
        value
    }

    async fn read(&self, url: &str) -> Value {
        let response = self
            .http
            .get(url)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        response
            .json()
            .await
            .unwrap_or_else(|e| panic!("GET {url}: not JSON: {e}"))
    }

    /// Hires `count` new candidates in Greenhouse (four at a time); every other hire's webhook is sent
    /// to a live node (the rest arrive by poll). Returns the application ids.
    async fn hire(&mut self, count: usize) -> Vec<i64> {
        let first = self.hires.len();
        let targets: Vec<String> = self
            .nodes
            .values()
            .map(|n| format!("{}/webhooks/greenhouse", n.url))
            .collect();
        let mut tasks = tokio::task::JoinSet::new();
        for n in first..first + count {
            let http = self.http.clone();
            let sandbox = self.sandbox.url.clone();
            let job = self.job_id;
            let webhook = (n % 2 == 0).then(|| targets[n % targets.len()].clone());
            tasks.spawn(async move { hire_one(&http, &sandbox, job, n, webhook).await });
            if tasks.len() >= 4 {
                let (app, email) = tasks.join_next().await.expect("a task").expect("hire task");
                self.hires.insert(app, email);
            }
        }
        while let Some(done) = tasks.join_next().await {
            let (app, email) = done.expect("hire task");
            self.hires.insert(app, email);
        }
        self.hires.keys().copied().skip(first).collect()
    }

    fn tails(&self) -> String {
        let mut out: Vec<String> = self.nodes.values().map(Process::log_tail).collect();
        out.push(self.sandbox.log_tail());
        out.push(format!("--- postgres ---\n{}", self.postgres.log_tail()));
        out.join("\n")
    }
}

/// Creates candidate, application, offer and hire; sends the webhook when asked. Returns (application id, email).
async fn hire_one(http: &reqwest::Client, sandbox: &str, job: i64, n: usize, webhook: Option<String>) -> (i64, String) {
    let post = |path: String, body: Value| {
        let url = format!("{sandbox}/greenhouse/_control{path}");
        let http = http.clone();
        async move {
            let response = http
                .post(&url)
                .json(&body)
                .send()
                .await
                .unwrap_or_else(|e| panic!("POST {url}: {e}"));
            let status = response.status();
            let value: Value = response.json().await.unwrap_or(Value::Null);
            assert!(status.is_success(), "POST {url}: {status} {value}");
            value
        }
    };
    let id = |v: &Value| v.get("id").and_then(Value::as_i64).expect("an id");
    let email = format!("hire{n}@{EMAIL_DOMAIN}");
    let candidate = post(
        "/candidates".into(),
        json!({"first_name": format!("Hire{n}"), "last_name": "Cluster",
               "email_addresses": [{"value": email, "type": "work"}]}),
    )
    .await;
    let application = post(
        "/applications".into(),
        json!({"candidate_id": id(&candidate), "job_id": job}),
    )
    .await;
    let app = id(&application);
    post(
        "/offers".into(),
        json!({"application_id": app, "starts_on": "2027-03-01"}),
    )
    .await;
    post(format!("/applications/{app}/hire"), json!({})).await;
    if let Some(url) = webhook {
        // A node that is down answers nothing: the poll finds the hire anyway.
        let _ = http
            .post(format!("{sandbox}/greenhouse/_control/webhooks"))
            .json(&json!({"url": url, "secret": WEBHOOK_SECRET, "action": "hire_candidate", "id": app}))
            .send()
            .await;
    }
    (app, email)
}

/// Every run of the recipe.
async fn all_runs(store: &Store) -> Vec<RunSummary> {
    store
        .list_runs(&RunFilter {
            recipe: Some(RECIPE.to_owned()),
            limit: 100_000,
            ..RunFilter::default()
        })
        .await
        .unwrap_or_default()
}

/// Waits until each of `apps` has a succeeded run; returns the runs of those applications.
async fn wait_for_hires(store: &Store, apps: &[i64], timeout: Duration, cluster: &Cluster) -> Vec<RunSummary> {
    let deadline = Instant::now() + timeout;
    let wanted: std::collections::BTreeSet<String> = apps.iter().map(ToString::to_string).collect();
    loop {
        let runs: Vec<RunSummary> = all_runs(store)
            .await
            .into_iter()
            .filter(|r| r.application_id.as_ref().is_some_and(|a| wanted.contains(a)))
            .collect();
        let succeeded: std::collections::BTreeSet<&String> = runs
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
fn runs_per_sec(runs: &[RunSummary]) -> f64 {
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

/// Runs the whole scenario with `hires` hires; with `slow_hr`, every BambooHR answer takes 200 ms.
///
/// Returns `None` when this machine cannot run a private Postgres.
pub async fn run_scenario(hires: usize, slow_hr: bool) -> Option<Figures> {
    hirewire_sdk::http_client::install_crypto_provider();
    let binary = tokio::task::spawn_blocking(hirewire_tests::hirewire_binary)
        .await
        .expect("build hirewire");
    let postgres = PrivatePostgres::start()?;
    let project = tempfile::tempdir().expect("project dir");
    let started_at = Utc::now();
    write_project(project.path(), started_at - chrono::Duration::minutes(1));
    std::fs::create_dir_all(project.path().join("logs")).expect("logs dir");
    let port = free_port();
    let args: Vec<String> = ["sandbox", "--listen", &format!("127.0.0.1:{port}")]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let sandbox = Process::start(&binary, "sandbox", &args, &[], port, "/", &project.path().join("logs")).await;
    let mut cluster = Cluster {
        binary,
        project,
        postgres,
        sandbox,
        nodes: BTreeMap::new(),
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("http client"),
        job_id: 0,
        hires: BTreeMap::new(),
    };
    // A generous budget so that the figures measure the engine; it is still shared between nodes.
    cluster
        .control(
            "/greenhouse/_control/settings",
            json!({"rate_limit": 1000, "window_secs": 1}),
        )
        .await;
    if slow_hr {
        cluster
            .control("/bamboohr/_control/faults", json!({"delay_ms": 200}))
            .await;
    }
    let job = cluster
        .control("/greenhouse/_control/jobs", json!({"name": "Cluster Engineer"}))
        .await;
    cluster.job_id = job.get("id").and_then(Value::as_i64).expect("job id");

    cluster.start_node("node-a").await;
    let store = Store::open(&cluster.postgres.url())
        .await
        .expect("open the cluster's store");
    let timeout = Duration::from_secs(if slow_hr { 240 } else { 180 });

    // 1 node.
    let apps = cluster.hire(hires / 4).await;
    let one = runs_per_sec(&wait_for_hires(&store, &apps, timeout, &cluster).await);

    // 3 nodes.
    cluster.start_node("node-b").await;
    cluster.start_node("node-c").await;
    let apps = cluster.hire(hires / 4).await;
    let three = runs_per_sec(&wait_for_hires(&store, &apps, timeout, &cluster).await);

    // Failures while hires keep arriving: Postgres restarts, node-b dies, node-c restarts.
    let remaining = hires - 2 * (hires / 4);
    let batch = remaining.div_ceil(10).max(1);
    let mut recovery: Option<(Vec<String>, Instant)> = None;
    let mut chaos_apps = Vec::new();
    for round in 0..10 {
        let count = batch.min(remaining - chaos_apps.len());
        chaos_apps.extend(cluster.hire(count).await);
        match round {
            2 => {
                let postgres_down = Instant::now();
                cluster.postgres.restart();
                eprintln!(
                    "[{}] postgres restarted in {:?}",
                    scenario_name(slow_hr),
                    postgres_down.elapsed()
                );
            }
            5 => {
                cluster.nodes.remove("node-b").expect("node-b runs").kill();
                let killed_at = Instant::now();
                // Dead, node-b cannot finish anything: what it holds now must be recovered by the others.
                recovery = Some((runs_held_by(&store, "node-b").await, killed_at));
                let node_c = cluster.nodes.remove("node-c").expect("node-c runs");
                node_c.terminate(Duration::from_secs(60)).await;
                cluster.start_node("node-c").await;
            }
            _ => tokio::time::sleep(Duration::from_millis(300)).await,
        }
    }
    let (held, killed_at) = recovery.expect("node-b was killed");
    let recovered_in = wait_until_finished(&store, &held, timeout, &cluster)
        .await
        .map(|at| at.duration_since(killed_at));
    let all_apps: Vec<i64> = cluster.hires.keys().copied().collect();
    wait_for_hires(&store, &all_apps, timeout, &cluster).await;

    assert_exactly_once(&cluster, &store).await;
    assert_cursor_caught_up(&cluster).await;
    let requests = cluster
        .read(&format!("{}/greenhouse/_control/requests", cluster.sandbox.url))
        .await;
    let greenhouse_429s = requests
        .pointer("/counters/throttled")
        .and_then(Value::as_u64)
        .unwrap_or_default();
    let figures = Figures {
        one_node_runs_per_sec: one,
        three_node_runs_per_sec: three,
        recovered: (held.len(), recovered_in),
        greenhouse_429s,
        hires,
    };
    for (_, node) in std::mem::take(&mut cluster.nodes) {
        node.terminate(Duration::from_secs(60)).await;
    }
    store.close().await;
    Some(figures)
}

fn scenario_name(slow_hr: bool) -> &'static str {
    if slow_hr { "slow HR API" } else { "fast HR API" }
}

/// Ids of the runs `node` holds right now.
async fn runs_held_by(store: &Store, node: &str) -> Vec<String> {
    all_runs(store)
        .await
        .into_iter()
        .filter(|r| r.status == RunStatus::Running && r.node.as_deref() == Some(node))
        .map(|r| r.id)
        .collect()
}

/// Waits until every run in `ids` is finished; returns when (None when there was nothing to wait for).
async fn wait_until_finished(store: &Store, ids: &[String], timeout: Duration, cluster: &Cluster) -> Option<Instant> {
    if ids.is_empty() {
        return None;
    }
    let deadline = Instant::now() + timeout;
    loop {
        let runs = all_runs(store).await;
        let open: Vec<&RunSummary> = runs
            .iter()
            .filter(|r| ids.contains(&r.id) && !r.status.is_finished())
            .collect();
        if open.is_empty() {
            return Some(Instant::now());
        }
        assert!(
            Instant::now() < deadline,
            "the dead node's runs {:?} did not finish elsewhere within {timeout:?}\n{}",
            open.iter().map(|r| (&r.id, r.status, &r.node)).collect::<Vec<_>>(),
            cluster.tails()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One employee per hire, one succeeded run per hire, nothing else, nothing stuck.
async fn assert_exactly_once(cluster: &Cluster, store: &Store) {
    let runs = all_runs(store).await;
    let stuck: Vec<(&String, RunStatus)> = runs
        .iter()
        .filter(|r| !r.status.is_finished())
        .map(|r| (&r.id, r.status))
        .collect();
    assert!(
        stuck.is_empty(),
        "runs not finished after every hire succeeded: {stuck:?}"
    );
    let mut per_app: BTreeMap<String, Vec<&RunSummary>> = BTreeMap::new();
    for run in &runs {
        per_app
            .entry(run.application_id.clone().unwrap_or_default())
            .or_default()
            .push(run);
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
        assert_eq!(
            runs.len(),
            1,
            "seeded application {app}: expected exactly one run, found {summary:?}"
        );
    }

    let employees = cluster
        .read(&format!("{}/bamboohr/_control/employees", cluster.sandbox.url))
        .await;
    let mut per_email: BTreeMap<String, usize> = BTreeMap::new();
    for employee in employees.as_array().into_iter().flatten() {
        if let Some(email) = employee
            .get("workEmail")
            .and_then(Value::as_str)
            .filter(|e| e.ends_with(EMAIL_DOMAIN))
        {
            *per_email.entry(email.to_lowercase()).or_default() += 1;
        }
    }
    for (app, email) in &cluster.hires {
        let count = per_email.remove(email).unwrap_or_default();
        assert_eq!(
            count, 1,
            "application {app}: expected exactly one BambooHR employee with {email}, found {count}"
        );
    }
    assert!(
        per_email.is_empty(),
        "BambooHR employees nobody was hired for: {per_email:?}"
    );
}

/// The poll cursor reaches past the last hire, and no dead node holds the trigger.
async fn assert_cursor_caught_up(cluster: &Cluster) {
    let last_hire: DateTime<Utc> = Utc::now();
    let node = cluster.nodes.values().next().expect("a live node");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let recipes = cluster.read(&format!("{}/api/recipes", node.url)).await;
        let state = recipes
            .get("recipes")
            .and_then(Value::as_array)
            .and_then(|all| {
                all.iter()
                    .find(|r| r.get("name").and_then(Value::as_str) == Some(RECIPE))
            })
            .and_then(|r| r.get("trigger_state"))
            .cloned()
            .unwrap_or(Value::Null);
        let until = state
            .pointer("/cursor/until")
            .and_then(Value::as_str)
            .and_then(|u| u.parse::<DateTime<Utc>>().ok());
        let owner = state.get("lease_owner").and_then(Value::as_str).map(str::to_owned);
        assert_ne!(
            owner.as_deref(),
            Some("node-b"),
            "the dead node still holds the poll trigger: {state}"
        );
        if until.is_some_and(|u| u >= last_hire) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the poll cursor did not pass {last_hire} within 60 s: {state}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}

/// Prints a scenario's figures.
pub fn print_figures(name: &str, f: &Figures) {
    let recovered = f
        .recovered
        .1
        .map_or_else(|| "no runs in flight at the kill".to_owned(), |d| format!("{d:.1?}"));
    println!(
        "[{name}] {} hires | runs/s: 1 node {:.1}, 3 nodes {:.1} | dead node's {} runs finished elsewhere after {recovered} | Greenhouse 429s: {}",
        f.hires, f.one_node_runs_per_sec, f.three_node_runs_per_sec, f.recovered.0, f.greenhouse_429s
    );
}
