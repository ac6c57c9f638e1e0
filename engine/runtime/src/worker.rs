//! The worker pool: claims due runs under a lease (one short statement), runs
//! each on its own task, heartbeats the leases of runs in flight, and on
//! shutdown stops claiming and lets running steps finish up to a deadline.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hirewire_store::Store;
use tokio::sync::{Notify, watch};

use crate::executor::{Executor, RunEnd};
use crate::notify::{Reach, Wakeup};

/// Worker settings.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// This node's id (lease owner).
    pub node: String,
    /// How long a claim lasts without a heartbeat.
    pub lease: Duration,
    /// Runs executing at once on this node.
    pub max_in_flight: usize,
    /// How often to look for due runs when nobody woke us. Runs recorded or rescued by this process wake
    /// the workers at once (and, on Postgres, runs recorded by other nodes); this only bounds the delay of
    /// a retry coming due, a run queued by another process on SQLite (`hirewire runs retry`) or a lost
    /// notification.
    pub idle_poll: Duration,
    /// How long running steps may take to finish on shutdown.
    pub shutdown_deadline: Duration,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        Self {
            node: format!("node-{}", uuid::Uuid::new_v4().simple()),
            lease: Duration::from_secs(30),
            max_in_flight: 32,
            idle_poll: Duration::from_secs(1),
            shutdown_deadline: Duration::from_secs(20),
        }
    }
}

/// Runs the worker pool until `shutdown` turns true.
pub async fn run_workers(
    executor: Executor,
    options: WorkerOptions,
    wake: Wakeup,
    mut shutdown: watch::Receiver<bool>,
) {
    let store = executor.store.clone();
    let in_flight: Arc<Mutex<HashSet<String>>> = Arc::default();
    let finished = Arc::new(Notify::new());
    // Dropped with this future (also when the daemon is killed), so a dead node never renews leases.
    let heartbeat = AbortOnDrop(tokio::spawn(heartbeat_leases(store.clone(), options.clone(), in_flight.clone())));
    let mut tasks = tokio::task::JoinSet::new();
    loop {
        if *shutdown.borrow() {
            break;
        }
        while tasks.try_join_next().is_some() {}
        let busy = in_flight.lock().expect("in-flight lock").len();
        let free = options.max_in_flight.saturating_sub(busy);
        let mut claimed_all = false;
        if free > 0 {
            match store.claim_runs(&options.node, u32::try_from(free).unwrap_or(u32::MAX), options.lease).await {
                Ok(runs) => {
                    claimed_all = runs.len() == free;
                    for run in runs {
                        in_flight.lock().expect("in-flight lock").insert(run.id.clone());
                        let executor = executor.clone();
                        let in_flight = in_flight.clone();
                        let finished = finished.clone();
                        let wake = wake.clone();
                        let span =
                            tracing::info_span!("run", run_id = %run.id, recipe = %run.recipe, attempt = run.attempt);
                        tasks.spawn(tracing::Instrument::instrument(async move {
                            match executor.execute(&run).await {
                                Ok(RunEnd::Rescheduled) => wake.runs_waiting(Reach::ThisNode).await,
                                Ok(RunEnd::LeaseLost) => {
                                    tracing::warn!(run_id = %run.id, recipe = %run.recipe, "lease lost; another node continues this run");
                                }
                                Ok(RunEnd::Finished(_)) => {}
                                Err(e) => tracing::error!(run_id = %run.id, recipe = %run.recipe, error = %e, "run interrupted; it will be rescued"),
                            }
                            in_flight.lock().expect("in-flight lock").remove(&run.id);
                            finished.notify_one();
                        }, span));
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "claiming runs failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
        if claimed_all {
            continue;
        }
        tokio::select! {
            () = wake.notified() => {}
            // A run of ours finished: a slot is free again. Also after a claim that found fewer runs than
            // it asked for, because other nodes had locked them at that moment (the queue may not be empty).
            () = finished.notified() => {}
            () = tokio::time::sleep(options.idle_poll) => {}
            _ = shutdown.changed() => {}
        }
    }
    // Graceful stop: let running steps finish, then give the rest back.
    let deadline = tokio::time::sleep(options.shutdown_deadline);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            next = tasks.join_next() => if next.is_none() { break },
            () = &mut deadline => {
                tracing::warn!(remaining = tasks.len(), "shutdown deadline reached; unfinished runs stay leased and resume elsewhere");
                tasks.abort_all();
                break;
            }
        }
    }
    drop(heartbeat);
}

/// Aborts a task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn heartbeat_leases(store: Store, options: WorkerOptions, in_flight: Arc<Mutex<HashSet<String>>>) {
    let every = options.lease / 3;
    loop {
        tokio::time::sleep(every).await;
        let ids: Vec<String> = in_flight.lock().expect("in-flight lock").iter().cloned().collect();
        if ids.is_empty() {
            continue;
        }
        if let Err(e) = store.heartbeat(&options.node, &ids, options.lease).await {
            tracing::error!(error = %e, "heartbeat failed");
        }
    }
}
