//! The `ceiling` scenario: the store's own claim-and-complete cycle with no HTTP at all, on the
//! same backend and in the same process as `throughput`, so throughput can be printed as a
//! fraction of it. Each run goes through what the engine writes for the throughput recipe:
//! recorded by a webhook delivery, claimed under a lease, three steps (trigger, employee,
//! notify) recorded in three write transactions, the last with the run's end.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use hirewire_store::{ClaimedRun, NewRun, RunStatus, StepOutcome, StepWrite, Store};
use serde::Serialize;
use serde_json::json;
use tokio::sync::Notify;

use super::BenchError;
use super::project::{Backend, fresh_database};

/// The recipe the ceiling's runs belong to.
const CEILING_RECIPE: &str = "bench-ceiling";
/// The steps each run records, as the throughput recipe's runs do.
const STEPS: [(&str, &str); 3] = [
    ("trigger", "greenhouse.candidate_hired"),
    ("employee", "bamboohr.upsert_employee"),
    ("notify", "slack.post_message"),
];

/// The figures of one ceiling pass.
#[derive(Debug, Clone, Serialize)]
pub struct CeilingPass {
    /// The database.
    pub backend: Backend,
    /// Runs recorded and completed.
    pub runs: usize,
    /// Workers claiming and completing at once.
    pub workers: usize,
    /// Wall time, seconds.
    pub wall_secs: f64,
    /// Runs completed per second.
    pub runs_per_sec: f64,
}

/// Records `runs` runs (one webhook delivery each, `workers` deliveries at once) while `workers`
/// workers claim and complete them; a fresh database of `backend`.
///
/// # Errors
/// Setup or store failures.
pub async fn ceiling_pass(backend: Backend, runs: usize, workers: usize) -> Result<CeilingPass, BenchError> {
    let database = fresh_database(backend).await?;
    let outcome = async {
        let store = Store::open(&database.url).await.map_err(|e| BenchError::setup("opening the ceiling store", e))?;
        store
            .set_recipe_concurrency(CEILING_RECIPE, u32::try_from(workers).unwrap_or(u32::MAX))
            .await
            .map_err(|e| BenchError::setup("setting the ceiling recipe's concurrency", e))?;
        let started = Instant::now();
        let next = Arc::new(AtomicUsize::new(0));
        let wake = Arc::new(Notify::new());
        let mut producers = tokio::task::JoinSet::new();
        for _ in 0..workers.max(1) {
            let (producer_store, next, wake) = (store.clone(), next.clone(), wake.clone());
            producers.spawn(async move { record_deliveries(&producer_store, &next, &wake, runs).await });
        }
        let consumer = tokio::spawn(complete_runs(store.clone(), wake, runs, workers.max(1)));
        while let Some(joined) = producers.join_next().await {
            joined.map_err(|e| BenchError::setup("a ceiling producer", e))??;
        }
        consumer.await.map_err(|e| BenchError::setup("the ceiling consumer", e))??;
        let wall = started.elapsed().max(Duration::from_millis(1));
        store.close().await;
        #[allow(clippy::cast_precision_loss)]
        Ok(CeilingPass {
            backend,
            runs,
            workers,
            wall_secs: wall.as_secs_f64(),
            runs_per_sec: runs as f64 / wall.as_secs_f64(),
        })
    }
    .await;
    if let Err(e) = database.drop_database().await {
        tracing::warn!(error = %e, "could not drop the ceiling database");
    }
    outcome
}

async fn record_deliveries(store: &Store, next: &AtomicUsize, wake: &Notify, runs: usize) -> Result<(), BenchError> {
    loop {
        let index = next.fetch_add(1, Ordering::Relaxed);
        if index >= runs {
            return Ok(());
        }
        let run = NewRun::new(CEILING_RECIPE, "ceiling-v1", "candidate_hired", json!({"application": {"id": index}}))
            .with_event_id(format!("candidate_hired:application:{index}"))
            .with_business_key(index.to_string())
            .with_application_id(index.to_string());
        store
            .record_webhook("greenhouse", &format!("ceiling-{index}"), &[run])
            .await
            .map_err(|e| BenchError::setup("recording a ceiling delivery", e))?;
        wake.notify_one();
    }
}

/// Claims and completes runs as the daemon's worker pool does: one claim loop takes up to the free slots
/// (woken by the producers, as webhooks wake the daemon), each claimed run is completed on its own task.
async fn complete_runs(store: Store, wake: Arc<Notify>, runs: usize, slots: usize) -> Result<(), BenchError> {
    let fail = |e| BenchError::setup("completing a ceiling run", e);
    let joined_run = |joined: Result<Result<(), BenchError>, tokio::task::JoinError>| {
        joined.map_err(|e| BenchError::setup("a ceiling run", e))?
    };
    let mut in_flight = tokio::task::JoinSet::new();
    let mut done = 0;
    while done < runs {
        while let Some(joined) = in_flight.try_join_next() {
            joined_run(joined)?;
            done += 1;
        }
        if done >= runs {
            break;
        }
        let free = slots.saturating_sub(in_flight.len());
        let claimed = if free > 0 {
            store
                .claim_runs("ceiling", u32::try_from(free).unwrap_or(u32::MAX), Duration::from_secs(30))
                .await
                .map_err(fail)?
        } else {
            Vec::new()
        };
        if claimed.is_empty() {
            // Wait for a new delivery or for one of ours to finish (a free slot).
            tokio::select! {
                () = wake.notified() => {}
                Some(joined) = in_flight.join_next() => {
                    joined_run(joined)?;
                    done += 1;
                }
            }
            continue;
        }
        for run in claimed {
            let store = store.clone();
            in_flight.spawn(async move { complete_run(&store, &run).await });
        }
    }
    Ok(())
}

/// What the engine writes for one throughput run: its steps read when it has any, the trigger step recorded
/// whole with the first action step's start, each action step's end with the next one's start, and the last
/// step's end with the run's end (three write transactions, as `executor` makes them).
async fn complete_run(store: &Store, run: &ClaimedRun) -> Result<(), BenchError> {
    let fail = |e| BenchError::setup("completing a ceiling run", e);
    let lease = run.lease();
    if run.has_steps {
        store.steps_of(&run.id).await.map_err(fail)?;
    }
    let [(trigger, trigger_action), actions @ ..] = STEPS;
    let output = || StepOutcome::Succeeded(json!({"id": run.id, "ok": true}));
    let mut held = vec![StepWrite::Whole {
        step_id: trigger.to_owned(),
        action: trigger_action.to_owned(),
        input: run.payload.clone(),
        started_at: chrono::Utc::now(),
        outcome: output(),
        attempts: 1,
    }];
    for (step, action) in actions {
        held.push(StepWrite::Start { step_id: step.to_owned(), action: action.to_owned(), input: run.payload.clone() });
        store.record_steps(&lease, std::mem::take(&mut held)).await.map_err(fail)?;
        held.push(StepWrite::Finish {
            step_id: step.to_owned(),
            action: action.to_owned(),
            outcome: output(),
            attempts: 1,
        });
    }
    store.finish_run_after(&lease, held, RunStatus::Succeeded, None).await.map_err(fail)?;
    Ok(())
}
