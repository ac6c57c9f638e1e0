//! The `idle` scenario: a daemon with 100 `delivery: poll` recipes loaded and polling the sandbox
//! on their schedule, and nothing else to do: its resident memory and CPU over a window. With a
//! daemon executable (the CLI passes its own) the daemon is a child process measured through
//! `/proc/<pid>`; otherwise it runs in this process and the figures include the bench itself.
//!
//! The sandbox's seed holds one hire, so the first polls record one run per recipe. The window
//! starts only once the daemon has finished them (Slack's per-channel limit lifted, or 100 posts to
//! one channel would take minutes and spill into the window): it measures idling, not a backlog.

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hirewire_sdk::ConnectorDescriptor;
use hirewire_store::{RunFilter, RunStatus, Store};
use serde::Serialize;

use super::BenchError;
use super::measure::{ProcessSample, sample_pid, sample_self};
use super::project::{Backend, BenchProject, hired_recipe};
use super::sandbox::BenchSandbox;
use hirewire_runtime::Daemon;

/// The figures of one idle pass.
#[derive(Debug, Clone, Serialize)]
pub struct IdlePass {
    /// The database.
    pub backend: Backend,
    /// Recipes loaded.
    pub recipes: usize,
    /// Their poll interval, seconds.
    pub poll_every_secs: u64,
    /// Whether the daemon ran inside the bench process (figures then include the bench and the fakes).
    pub in_process: bool,
    /// The measured window, seconds (after a warm-up).
    pub window_secs: f64,
    /// Resident memory at the end of the window, MiB.
    pub rss_mib: f64,
    /// Peak resident memory, MiB.
    pub peak_rss_mib: f64,
    /// CPU used over the window, percent of one core.
    pub cpu_percent: f64,
    /// Greenhouse requests the polls made during the window.
    pub greenhouse_requests: u64,
}

/// What an idle pass needs.
#[derive(Debug, Clone, Copy)]
pub struct IdleSettings<'a> {
    /// Recipes to load.
    pub recipes: usize,
    /// Their poll interval.
    pub poll_every: Duration,
    /// Time before the window starts.
    pub warm_up: Duration,
    /// The measured window.
    pub window: Duration,
    /// The `hirewire` executable to run the daemon as a child (`hirewire --dir P run`).
    pub daemon_exe: Option<&'a Path>,
}

/// Runs one idle pass on a fresh sandbox and project.
///
/// # Errors
/// Setup failures, or a child daemon that exits early.
pub async fn idle_pass(
    registry: &Arc<Vec<ConnectorDescriptor>>,
    backend: Backend,
    settings: IdleSettings<'_>,
) -> Result<IdlePass, BenchError> {
    let sandbox = BenchSandbox::start(registry, 13).await?;
    sandbox.greenhouse_rate_limit(1_000_000, 1).await?;
    sandbox.lift_slack_rate_limit().await?;
    let every = settings.poll_every.as_secs().max(1);
    let trigger = format!("  every: {every}s\n  since: 2026-01-01T00:00:00Z\n");
    let recipes: Vec<(String, String)> = (0..settings.recipes)
        .map(|i| (format!("idle-{i:03}.yaml"), hired_recipe(&format!("idle-{i:03}"), "poll", &trigger, 1)))
        .collect();
    let project = BenchProject::new(backend, &sandbox.url, &recipes).await?;
    let outcome = match settings.daemon_exe {
        Some(exe) => measure_child(exe, &project, &sandbox, settings).await,
        None => measure_in_process(registry, &project, &sandbox, settings).await,
    };
    project.cleanup().await;
    outcome.map(|(in_process, window, start, end, requests)| {
        figures(backend, settings, every, in_process, window, start, end, requests)
    })
}

type Measured = (bool, Duration, ProcessSample, ProcessSample, u64);

async fn measure_child(
    exe: &Path,
    project: &BenchProject,
    sandbox: &BenchSandbox,
    settings: IdleSettings<'_>,
) -> Result<Measured, BenchError> {
    let mut child = tokio::process::Command::new(exe)
        .arg("--dir")
        .arg(project.dir.path())
        .arg("run")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| BenchError::setup(&format!("starting {} run", exe.display()), e))?;
    let pid = child.id().ok_or_else(|| BenchError::setup("the idle daemon", "exited at once"))?;
    let measured = async {
        tokio::time::sleep(settings.warm_up).await;
        wait_for_idle(&project.url).await?;
        let requests_before = sandbox.greenhouse_counters().await?.requests;
        let (started, start) = (Instant::now(), sample_pid(pid));
        tokio::time::sleep(settings.window).await;
        let (window, end) = (started.elapsed(), sample_pid(pid));
        if let Ok(Some(status)) = child.try_wait() {
            return Err(BenchError::setup("the idle daemon", format!("exited early: {status}")));
        }
        let requests = sandbox.greenhouse_counters().await?.requests.saturating_sub(requests_before);
        Ok((false, window, start, end, requests))
    }
    .await;
    let _ = child.kill().await;
    measured
}

async fn measure_in_process(
    registry: &Arc<Vec<ConnectorDescriptor>>,
    project: &BenchProject,
    sandbox: &BenchSandbox,
    settings: IdleSettings<'_>,
) -> Result<Measured, BenchError> {
    let daemon = Daemon::start(project.options("bench-idle", 8), registry.clone()).await.map_err(BenchError::Daemon)?;
    tokio::time::sleep(settings.warm_up).await;
    if let Err(e) = wait_for_idle(&project.url).await {
        daemon.stop().await;
        return Err(e);
    }
    let requests_before = sandbox.greenhouse_counters().await;
    let (started, start) = (Instant::now(), sample_self());
    tokio::time::sleep(settings.window).await;
    let (window, end) = (started.elapsed(), sample_self());
    let requests_after = sandbox.greenhouse_counters().await;
    daemon.stop().await;
    let requests = requests_after?.requests.saturating_sub(requests_before?.requests);
    Ok((true, window, start, end, requests))
}

/// Waits until no run is queued or running (the first polls' runs are finished), up to two minutes.
async fn wait_for_idle(url: &str) -> Result<(), BenchError> {
    let store = Store::connect(url).await.map_err(|e| BenchError::setup("opening the idle daemon's database", e))?;
    let deadline = Instant::now() + Duration::from_secs(120);
    let outcome = loop {
        match busy(&store).await {
            Ok(false) => break Ok(()),
            Ok(true) if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(200)).await,
            Ok(true) => {
                break Err(BenchError::setup("the idle daemon", "its runs were still unfinished after 2 minutes"));
            }
            Err(e) => break Err(BenchError::setup("reading the idle daemon's runs", e)),
        }
    };
    store.close().await;
    outcome
}

async fn busy(store: &Store) -> Result<bool, hirewire_store::StoreError> {
    for status in [RunStatus::Queued, RunStatus::Running] {
        let filter = RunFilter { status: Some(status), limit: 1, ..RunFilter::default() };
        if !store.list_runs(&filter).await?.is_empty() {
            return Ok(true);
        }
    }
    Ok(false)
}

#[allow(clippy::too_many_arguments)]
fn figures(
    backend: Backend,
    settings: IdleSettings<'_>,
    every: u64,
    in_process: bool,
    window: Duration,
    start: ProcessSample,
    end: ProcessSample,
    greenhouse_requests: u64,
) -> IdlePass {
    let window_secs = window.as_secs_f64().max(0.001);
    #[allow(clippy::cast_precision_loss)]
    IdlePass {
        backend,
        recipes: settings.recipes,
        poll_every_secs: every,
        in_process,
        window_secs,
        rss_mib: end.rss_bytes as f64 / 1_048_576.0,
        peak_rss_mib: end.peak_rss_bytes as f64 / 1_048_576.0,
        cpu_percent: (end.cpu_seconds - start.cpu_seconds).max(0.0) / window_secs * 100.0,
        greenhouse_requests,
    }
}
