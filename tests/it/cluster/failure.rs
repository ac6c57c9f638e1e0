//! The failure test (docs/contract.md section 9): `hirewire run` processes and a sandbox process on one private
//! Postgres. Two measured phases run the same workload (a quarter of the hires, made while no
//! node runs, then found by the poll and, for every other hire, sent by webhook) on 1 node and
//! on 3 nodes. Then the other half of the hires arrive live (webhook for every other one, poll
//! for all) while Postgres restarts, one node is SIGKILLed while it holds runs and another is
//! restarted. Afterwards every hire has exactly one BambooHR employee and one succeeded run,
//! nothing is left running, the poll cursor covers the fake's newest record and runs were
//! recorded both from webhooks and from polls. Prints runs/s with 1 and 3 nodes and the time
//! from the SIGKILL until the runs the dead node held had all finished elsewhere.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::Utc;
use hirewire_store::Store;
use serde_json::{Value, json};

use super::outcome::{
    assert_cursor_caught_up, assert_exactly_once, runs_held_by, runs_per_sec, wait_for_hires, watch_recovery,
};
use super::private_postgres::PrivatePostgres;
use super::processes::{Process, free_port};
use super::project::write_project;
use super::test_cluster::TestCluster;

/// The node killed with SIGKILL half-way.
const KILLED: &str = "node-b";
/// How many runs the killed node should hold when it is killed.
const KILL_WHEN_HOLDING: usize = 3;
/// The node restarted (SIGTERM, then started again) half-way.
const RESTARTED: &str = "node-c";
/// Rounds of live hires in the failure phase (Postgres restarts in round 2, the kill is in round 5).
const ROUNDS: usize = 10;

/// What one scenario measured.
#[derive(Debug)]
pub struct Figures {
    /// Hires in total.
    pub hires: usize,
    /// Hires in each measured phase.
    pub measured: usize,
    /// Runs per second with one node.
    pub one_node_runs_per_sec: f64,
    /// Runs per second with three nodes, on the same workload.
    pub three_node_runs_per_sec: f64,
    /// How many of that workload's runs each of the three nodes finished.
    pub three_node_split: BTreeMap<String, usize>,
    /// Runs the killed node held, and how long from the SIGKILL until the last of them finished elsewhere.
    pub recovered: (usize, Option<Duration>),
    /// Runs the surviving nodes recorded from webhooks and from polls.
    pub recorded_by: BTreeMap<String, u64>,
    /// 429 answers from the Greenhouse fake during the whole scenario.
    pub greenhouse_429s: u64,
    /// The whole scenario, from the private Postgres's start to the last check (the build not included).
    pub took: Duration,
}

/// Runs the whole scenario with `hires` hires; with `slow_hr`, every BambooHR answer takes 200 ms.
///
/// Returns `None` when this machine cannot run a private Postgres.
pub async fn run_scenario(hires: usize, slow_hr: bool) -> Option<Figures> {
    let name = if slow_hr { "slow HR API" } else { "fast HR API" };
    hirewire_sdk::http_client::install_crypto_provider();
    let binary = tokio::task::spawn_blocking(hirewire_tests::hirewire_binary).await.expect("build hirewire");
    let began = Instant::now();
    let postgres = PrivatePostgres::start()?;
    let project = tempfile::tempdir().expect("project dir");
    write_project(project.path(), Utc::now() - chrono::Duration::minutes(1));
    std::fs::create_dir_all(project.path().join("logs")).expect("logs dir");
    let port = free_port();
    let args: Vec<String> =
        ["sandbox", "--listen", &format!("127.0.0.1:{port}")].iter().map(|s| (*s).to_owned()).collect();
    let sandbox = Process::start(&binary, "sandbox", &args, &[], port, "/", &project.path().join("logs")).await;
    let mut cluster = TestCluster {
        binary,
        project,
        postgres,
        sandbox,
        nodes: BTreeMap::new(),
        http: reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("http client"),
        job_id: 0,
        hires: BTreeMap::new(),
    };
    // A generous budget so that the figures measure the engine; it is still shared between nodes.
    cluster.control("/greenhouse/_control/settings", json!({"rate_limit": 1000, "window_secs": 1})).await;
    if slow_hr {
        cluster.control("/bamboohr/_control/faults", json!({"delay_ms": 200})).await;
    }
    let job = cluster.control("/greenhouse/_control/jobs", json!({"name": "Cluster Engineer"})).await;
    cluster.job_id = job.get("id").and_then(Value::as_i64).expect("job id");
    let store = Store::open(&cluster.postgres.url()).await.expect("open the cluster's store");
    let timeout = Duration::from_secs(if slow_hr { 300 } else { 180 });
    let measured = hires / 4;

    // The same workload on 1 node, then on 3: hires made while no node runs, then the nodes
    // start together; the poll finds every hire and every other one is also sent by webhook.
    let apps = cluster.hire(measured, &[]).await;
    cluster.start_nodes(&["node-a"]).await;
    cluster.deliver_webhooks(&apps).await;
    let one = runs_per_sec(&wait_for_hires(&store, &apps, timeout, &cluster).await);
    cluster.stop_node("node-a").await;
    let apps = cluster.hire(measured, &[]).await;
    cluster.start_nodes(&["node-a", KILLED, RESTARTED]).await;
    cluster.deliver_webhooks(&apps).await;
    let runs = wait_for_hires(&store, &apps, timeout, &cluster).await;
    let three = runs_per_sec(&runs);
    let mut three_node_split = BTreeMap::new();
    for run in runs {
        *three_node_split.entry(run.node.unwrap_or_default()).or_default() += 1;
    }

    // Failures while hires keep arriving: Postgres restarts, node-b dies, node-c restarts.
    let remaining = hires - 2 * measured;
    let batch = remaining.div_ceil(ROUNDS).max(1);
    let mut recovery = None;
    let mut made = 0;
    for round in 0..ROUNDS {
        let count = batch.min(remaining - made);
        made += count;
        let hiring = tokio::spawn(cluster.make_hires(count, &cluster.webhook_targets()));
        match round {
            2 => {
                tokio::time::sleep(Duration::from_millis(200)).await;
                let postgres_down = Instant::now();
                tokio::task::block_in_place(|| cluster.postgres.restart());
                eprintln!("[{name}] postgres restarted in {:?}", postgres_down.elapsed());
            }
            5 => {
                let killed = cluster.nodes.remove(KILLED).expect("node-b runs");
                // Killed while this round's hires arrive, once it holds a few runs (or what it holds after 20 s).
                let deadline = Instant::now() + Duration::from_secs(20);
                while runs_held_by(&store, KILLED).await.len() < KILL_WHEN_HOLDING && Instant::now() < deadline {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                killed.kill();
                let killed_at = Instant::now();
                // Dead, node-b cannot finish anything: what it holds now must be finished by the others.
                let held = runs_held_by(&store, KILLED).await;
                let count = held.len();
                recovery = Some((count, watch_recovery(store.clone(), KILLED, held, killed_at, timeout)));
                cluster.stop_node(RESTARTED).await;
                cluster.start_nodes(&[RESTARTED]).await;
            }
            _ => {}
        }
        cluster.record_hires(hiring.await.expect("hire task"));
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let (held, watcher) = recovery.expect("node-b was killed");
    let recovered_in = watcher.await.expect("the dead node's runs finished elsewhere");
    let all_apps: Vec<i64> = cluster.hires.keys().copied().collect();
    wait_for_hires(&store, &all_apps, timeout, &cluster).await;

    assert_exactly_once(&cluster, &store).await;
    assert_cursor_caught_up(&cluster, KILLED).await;
    let recorded_by = recorded_by_source(&cluster).await;
    assert!(
        recorded_by.get("webhook").is_some_and(|n| *n > 0) && recorded_by.get("poll").is_some_and(|n| *n > 0),
        "the surviving nodes recorded runs from webhooks and from polls: {recorded_by:?}"
    );
    let requests = cluster.read(&format!("{}/greenhouse/_control/requests", cluster.sandbox.url)).await;
    let greenhouse_429s = requests.pointer("/counters/throttled").and_then(Value::as_u64).unwrap_or_default();
    let figures = Figures {
        hires,
        measured,
        one_node_runs_per_sec: one,
        three_node_runs_per_sec: three,
        three_node_split,
        recovered: (held, recovered_in),
        recorded_by,
        greenhouse_429s,
        took: began.elapsed(),
    };
    for (_, node) in std::mem::take(&mut cluster.nodes) {
        node.terminate(Duration::from_secs(60)).await;
    }
    store.close().await;
    Some(figures)
}

/// `hirewire_runs_recorded_total` of the live nodes by `source` (webhook, poll).
async fn recorded_by_source(cluster: &TestCluster) -> BTreeMap<String, u64> {
    let mut by_source = BTreeMap::new();
    for node in cluster.nodes.values() {
        let url = format!("{}/metrics", node.url);
        let text = cluster
            .http
            .get(&url)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"))
            .text()
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        for line in text.lines().filter(|l| l.starts_with("hirewire_runs_recorded_total{")) {
            let source = line.split("source=\"").nth(1).and_then(|s| s.split('"').next());
            let value = line.rsplit(' ').next().and_then(|v| v.parse::<f64>().ok());
            if let (Some(source), Some(value)) = (source, value) {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let count = value as u64;
                *by_source.entry(source.to_owned()).or_default() += count;
            }
        }
    }
    by_source
}

/// Prints a scenario's figures.
pub fn print_figures(name: &str, f: &Figures) {
    let recovered = f.recovered.1.map_or_else(|| "no runs in flight at the kill".to_owned(), |d| format!("{d:.1?}"));
    println!(
        "[{name}] {} hires in {:.0?} | runs/s on {} hires: 1 node {:.1}, 3 nodes {:.1} (runs per node {:?}) | the killed node's {} runs \
         finished elsewhere {recovered} after the SIGKILL (lease {} s) | recorded by the survivors: {:?} | Greenhouse 429s: {}",
        f.hires,
        f.took,
        f.measured,
        f.one_node_runs_per_sec,
        f.three_node_runs_per_sec,
        f.three_node_split,
        f.recovered.0,
        super::test_cluster::LEASE_SECS,
        f.recorded_by,
        f.greenhouse_429s
    );
}
