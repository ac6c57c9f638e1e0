//! The `throughput` scenario: N signed `hire_candidate` webhooks sent at a fixed concurrency to a
//! daemon whose recipe enriches the hire in Greenhouse, upserts the BambooHR employee and posts to
//! Slack, all against the in-process sandbox; from the first webhook to the last run finished.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use hirewire_sdk::ConnectorDescriptor;
use hirewire_sdk::reexports::reqwest;
use hirewire_sdk::webhook::sign_hmac_sha256_hex;
use hirewire_store::{RunFilter, RunStatus, Store};
use serde::Serialize;

use super::BenchError;
use super::measure::{percentile_ms, reset_peak_rss, sample_self};
use super::project::{BENCH_WEBHOOK_SECRET, Backend, BenchProject, hired_recipe};
use super::sandbox::BenchSandbox;
use super::sql_count;
use hirewire_runtime::Daemon;

/// The bench recipe's name.
pub const THROUGHPUT_RECIPE: &str = "bench-hired";
/// Workers per daemon (runs executing at once).
const MAX_IN_FLIGHT: usize = 64;

/// The figures of one throughput pass.
#[derive(Debug, Clone, Serialize)]
pub struct ThroughputPass {
    /// The database.
    pub backend: Backend,
    /// Webhooks in flight at once.
    pub concurrency: usize,
    /// Webhooks sent (each acknowledged 200).
    pub webhooks: usize,
    /// Runs that ended `succeeded`.
    pub runs_succeeded: usize,
    /// Runs that ended otherwise.
    pub runs_not_succeeded: usize,
    /// The error of the first run that did not succeed, if any.
    pub first_error: Option<String>,
    /// From the first webhook sent to the last run finished, in seconds.
    pub wall_secs: f64,
    /// Runs finished per second over `wall_secs`.
    pub runs_per_sec: f64,
    /// Webhook acknowledgement latency, median, ms.
    pub ack_p50_ms: f64,
    /// Webhook acknowledgement latency, 99th percentile, ms.
    pub ack_p99_ms: f64,
    /// From sending the webhook to its run's `finished_at`, median, ms.
    pub event_to_finished_p50_ms: f64,
    /// From sending the webhook to its run's `finished_at`, 99th percentile, ms.
    pub event_to_finished_p99_ms: f64,
    /// Peak RSS of the whole bench process during the pass (engine, fakes, load generator), MiB.
    pub peak_rss_mib: f64,
    /// CPU seconds of the whole process per 1,000 runs.
    pub cpu_secs_per_1000_runs: f64,
    /// SQL statements per run (sqlx's statement log; transaction control not included).
    pub statements_per_run: f64,
    /// Commits per run (SQLite: commit hook; Postgres: `pg_stat_database.xact_commit`, read-only included).
    pub commits_per_run: f64,
}

/// One webhook to send: the application and its signed body.
#[derive(Debug, Clone)]
pub struct SignedHire {
    /// The application id (the run's business key).
    pub application_id: i64,
    /// The exact bytes sent.
    pub body: Arc<str>,
    /// `sha256 <hex>`.
    pub signature: Arc<str>,
}

/// Signs each body with the bench project's webhook secret.
#[must_use]
pub fn sign_hires(bodies: Vec<(i64, String)>) -> Vec<SignedHire> {
    bodies
        .into_iter()
        .map(|(application_id, body)| {
            let signature =
                format!("sha256 {}", sign_hmac_sha256_hex(BENCH_WEBHOOK_SECRET.as_bytes(), body.as_bytes()));
            SignedHire { application_id, body: body.into(), signature: signature.into() }
        })
        .collect()
}

/// What one sent webhook measured.
struct Sent {
    application_id: i64,
    sent_at: DateTime<Utc>,
    ack: Duration,
}

/// Runs one pass: a fresh project and daemon on `backend`, `hires` sent at `concurrency`.
///
/// # Errors
/// Setup failures, a webhook not acknowledged 200, or runs that do not finish within `timeout`.
pub async fn throughput_pass(
    registry: &Arc<Vec<ConnectorDescriptor>>,
    sandbox: &BenchSandbox,
    hires: &[SignedHire],
    backend: Backend,
    concurrency: usize,
    pass: usize,
    timeout: Duration,
) -> Result<ThroughputPass, BenchError> {
    let recipe = hired_recipe(THROUGHPUT_RECIPE, "webhook", "", u32::try_from(MAX_IN_FLIGHT).unwrap_or(64));
    let project = BenchProject::new(backend, &sandbox.url, &[("bench-hired.yaml".to_owned(), recipe)]).await?;
    let outcome = run_pass(registry, hires, backend, concurrency, pass, timeout, &project).await;
    project.cleanup().await;
    outcome
}

#[allow(clippy::too_many_arguments)]
async fn run_pass(
    registry: &Arc<Vec<ConnectorDescriptor>>,
    hires: &[SignedHire],
    backend: Backend,
    concurrency: usize,
    pass: usize,
    timeout: Duration,
    project: &BenchProject,
) -> Result<ThroughputPass, BenchError> {
    // The daemon's SQLite connections, opened below, count their commits from now on.
    hirewire_store::diagnostics::count_sqlite_commits();
    let commits_before = commits(backend, &project.url).await?;
    let daemon = Daemon::start(project.options(&format!("bench-{pass}"), MAX_IN_FLIGHT), registry.clone())
        .await
        .map_err(BenchError::Daemon)?;
    let url = format!("http://{}/webhooks/greenhouse", daemon.addr);
    reset_peak_rss();
    let before = sample_self();
    sql_count::set_counting(true);
    let statements_before = sql_count::statements();
    let started = Instant::now();
    let first_sent = Utc::now();
    let sent = send_webhooks_from_own_thread(&url, hires, concurrency, pass).await;
    let sent = match sent {
        Ok(sent) => sent,
        Err(e) => {
            daemon.stop().await;
            return Err(e);
        }
    };
    let polls = wait_until_idle(&daemon.store, timeout).await;
    let wall_to_idle = started.elapsed();
    sql_count::set_counting(false);
    let statements =
        sql_count::statements().saturating_sub(statements_before).saturating_sub(polls.as_ref().map_or(0, |p| *p) * 2);
    let after = sample_self();
    let store = daemon.store.clone();
    daemon.stop().await;
    polls?;
    let runs = store
        .list_runs(&RunFilter {
            recipe: Some(THROUGHPUT_RECIPE.to_owned()),
            limit: u32::try_from(hires.len() + 16).unwrap_or(u32::MAX),
            ..RunFilter::default()
        })
        .await
        .map_err(|e| BenchError::setup("listing the bench runs", e))?;
    store.close().await;
    let commits_after = commits(backend, &project.url).await?;

    let sent_at: HashMap<String, DateTime<Utc>> =
        sent.iter().map(|s| (s.application_id.to_string(), s.sent_at)).collect();
    let mut to_finished = Vec::with_capacity(runs.len());
    let mut last_finished = first_sent;
    let mut succeeded = 0;
    for run in &runs {
        if run.status == RunStatus::Succeeded {
            succeeded += 1;
        }
        let (Some(finished), Some(at)) = (run.finished_at, run.application_id.as_ref().and_then(|a| sent_at.get(a)))
        else {
            continue;
        };
        last_finished = last_finished.max(finished);
        to_finished.push((finished - *at).to_std().unwrap_or(Duration::ZERO));
    }
    let wall = (last_finished - first_sent).to_std().unwrap_or(wall_to_idle).max(Duration::from_millis(1));
    let mut acks: Vec<Duration> = sent.iter().map(|s| s.ack).collect();
    #[allow(clippy::cast_precision_loss)]
    let per_run = |count: u64| if runs.is_empty() { 0.0 } else { count as f64 / runs.len() as f64 };
    #[allow(clippy::cast_precision_loss)]
    Ok(ThroughputPass {
        backend,
        concurrency,
        webhooks: sent.len(),
        runs_succeeded: succeeded,
        runs_not_succeeded: runs.len() - succeeded,
        first_error: runs.iter().find(|r| r.status != RunStatus::Succeeded).map(|r| {
            format!("run {} {}: {}", r.id, r.status.as_str(), r.error.as_deref().unwrap_or("no error recorded"))
        }),
        wall_secs: wall.as_secs_f64(),
        runs_per_sec: runs.len() as f64 / wall.as_secs_f64(),
        ack_p50_ms: percentile_ms(&mut acks, 0.50),
        ack_p99_ms: percentile_ms(&mut acks, 0.99),
        event_to_finished_p50_ms: percentile_ms(&mut to_finished, 0.50),
        event_to_finished_p99_ms: percentile_ms(&mut to_finished, 0.99),
        peak_rss_mib: after.peak_rss_bytes as f64 / 1_048_576.0,
        cpu_secs_per_1000_runs: if runs.is_empty() {
            0.0
        } else {
            (after.cpu_seconds - before.cpu_seconds).max(0.0) * 1000.0 / runs.len() as f64
        },
        statements_per_run: per_run(statements),
        commits_per_run: per_run(commits_after.saturating_sub(commits_before)),
    })
}

/// Commits so far: this process's SQLite commits, or the Postgres database's `xact_commit`.
async fn commits(backend: Backend, url: &str) -> Result<u64, BenchError> {
    match backend {
        Backend::Sqlite => Ok(hirewire_store::diagnostics::sqlite_commits()),
        Backend::Postgres => {
            // Sessions report their counts when they end: give the closed pool's backends a moment.
            tokio::time::sleep(Duration::from_millis(300)).await;
            hirewire_store::diagnostics::postgres_commits(url)
                .await
                .map_err(|e| BenchError::setup("reading pg_stat_database", e))
        }
    }
}

/// Sends every hire like an outside Greenhouse would: from a thread and runtime of its own with its own HTTP
/// client, so the load generator's tasks do not queue behind the daemon's on the same runtime and the
/// acknowledgement latency measured is the daemon's.
async fn send_webhooks_from_own_thread(
    url: &str,
    hires: &[SignedHire],
    concurrency: usize,
    pass: usize,
) -> Result<Vec<Sent>, BenchError> {
    let (url, hires) = (url.to_owned(), hires.to_vec());
    let (done, sent) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("bench-webhook-sender".to_owned())
        .spawn(move || {
            let outcome = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| BenchError::setup("the webhook sender's runtime", e))
                .and_then(|runtime| {
                    runtime.block_on(async {
                        let http = reqwest::Client::builder()
                            .build()
                            .map_err(|e| BenchError::setup("the webhook sender's HTTP client", e))?;
                        send_webhooks(&http, &url, &hires, concurrency, pass).await
                    })
                });
            drop(done.send(outcome));
        })
        .map_err(|e| BenchError::setup("starting the webhook sender thread", e))?;
    sent.await.map_err(|_| BenchError::setup("the webhook sender thread", "it stopped without an answer"))?
}

/// Sends every hire with `concurrency` requests in flight; each must be acknowledged 200.
async fn send_webhooks(
    http: &reqwest::Client,
    url: &str,
    hires: &[SignedHire],
    concurrency: usize,
    pass: usize,
) -> Result<Vec<Sent>, BenchError> {
    let next = Arc::new(AtomicUsize::new(0));
    let hires: Arc<[SignedHire]> = hires.into();
    let mut senders = tokio::task::JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let (http, url, next, hires) = (http.clone(), url.to_owned(), next.clone(), hires.clone());
        senders.spawn(async move {
            let mut sent = Vec::new();
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(hire) = hires.get(index) else { return Ok(sent) };
                let sent_at = Utc::now();
                let started = Instant::now();
                let response = http
                    .post(&url)
                    .header("content-type", "application/json")
                    .header("Greenhouse-Event-ID", format!("bench-{pass}-{}", hire.application_id))
                    .header("Signature", &*hire.signature)
                    .body(hire.body.to_string())
                    .send()
                    .await
                    .map_err(|e| BenchError::setup(&url, e))?;
                let ack = started.elapsed();
                let status = response.status();
                if status != reqwest::StatusCode::OK {
                    let body = response.text().await.unwrap_or_default();
                    return Err(BenchError::setup(
                        &url,
                        format!("webhook {} answered {status}: {body}", hire.application_id),
                    ));
                }
                drop(response.bytes().await);
                sent.push(Sent { application_id: hire.application_id, sent_at, ack });
            }
        });
    }
    let mut all = Vec::with_capacity(hires.len());
    while let Some(joined) = senders.join_next().await {
        let sent = joined.map_err(|e| BenchError::setup("a webhook sender", e))??;
        all.extend(sent);
    }
    Ok(all)
}

/// Waits until no run is queued or running; returns how many polls it made (two statements each).
async fn wait_until_idle(store: &Store, timeout: Duration) -> Result<u64, BenchError> {
    let deadline = Instant::now() + timeout;
    let mut polls = 0;
    loop {
        polls += 1;
        let queued = store.queue_depth().await.map_err(|e| BenchError::setup("reading the queue depth", e))?;
        let running = store
            .list_runs(&RunFilter { status: Some(RunStatus::Running), limit: 1, ..RunFilter::default() })
            .await
            .map_err(|e| BenchError::setup("listing running runs", e))?;
        if queued == 0 && running.is_empty() {
            return Ok(polls);
        }
        if Instant::now() > deadline {
            return Err(BenchError::Timeout { what: format!("{queued} runs still queued"), after: timeout });
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
