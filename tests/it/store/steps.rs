//! Step writes batched with a run's next write: all or nothing under the lease, the trigger step recorded whole,
//! and the claim telling the executor whether a run has step records to resume from.

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use hirewire_store::{RequeueVersion, RunLease, RunStatus, StepOutcome, StepStatus, StepWrite, Store, StoreError};
use serde_json::json;

use super::{Backend, hired_payload, hired_run, on_both_backends};

const LEASE: Duration = Duration::from_secs(60);

on_both_backends!(
    held_step_ends_ride_with_the_next_start_all_or_nothing,
    a_run_ends_in_the_same_transaction_as_its_held_step_ends,
    a_reschedule_carries_the_held_retrying_step,
    the_claim_says_whether_a_run_has_steps_to_resume,
);

fn start(step_id: &str, action: &str) -> StepWrite {
    StepWrite::Start { step_id: step_id.into(), action: action.into(), input: json!({"step": step_id}) }
}

fn finish(step_id: &str, action: &str, outcome: StepOutcome) -> StepWrite {
    StepWrite::Finish { step_id: step_id.into(), action: action.into(), outcome, attempts: 1 }
}

/// (step id, ordinal, status) of each step of `run_id`.
async fn step_summary(store: &Store, run_id: &str) -> Vec<(String, i32, StepStatus)> {
    let steps = store.steps_of(run_id).await.expect("steps");
    steps.into_iter().map(|s| (s.step_id, s.ordinal, s.status)).collect()
}

async fn held_step_ends_ride_with_the_next_start_all_or_nothing(store: Store, _: Backend) {
    store.enqueue_runs(&[hired_run("batched", 1, 11)]).await.unwrap();
    let run = store.claim_runs("n", 1, LEASE).await.unwrap().remove(0);
    let lease = run.lease();
    let started_at = Utc::now() - TimeDelta::milliseconds(250);
    let enriched = hired_payload(1, 11);
    let trigger = StepWrite::Whole {
        step_id: "trigger".into(),
        action: "greenhouse.candidate_hired".into(),
        input: run.payload.clone(),
        started_at,
        outcome: StepOutcome::Succeeded(enriched.clone()),
        attempts: 1,
    };
    store.record_steps(&lease, vec![trigger, start("employee", "bamboohr.upsert_employee")]).await.unwrap();

    let steps = store.steps_of(&run.id).await.unwrap();
    assert_eq!(
        steps.iter().map(|s| (s.step_id.as_str(), s.ordinal, s.status, s.attempts)).collect::<Vec<_>>(),
        [("trigger", 1, StepStatus::Succeeded, 1), ("employee", 2, StepStatus::Running, 0)]
    );
    // The trigger step, written once, carries what it started from, what it produced and both times.
    assert_eq!(steps[0].input.as_ref(), Some(&run.payload));
    assert_eq!(steps[0].output.as_ref(), Some(&enriched));
    let recorded_start = steps[0].started_at.expect("started_at");
    assert!((recorded_start - started_at).num_milliseconds().abs() <= 1, "{recorded_start} vs {started_at}");
    assert!(steps[0].finished_at.expect("finished_at") >= recorded_start);

    // A writer whose lease is gone writes none of its batch, not even the writes before the fenced one.
    let stale = RunLease { attempt: lease.attempt + 1, ..lease.clone() };
    let ok = StepOutcome::Succeeded(json!({"id": "123"}));
    let refused = store
        .record_steps(
            &stale,
            vec![finish("employee", "bamboohr.upsert_employee", ok.clone()), start("notify", "slack.post_message")],
        )
        .await;
    assert!(
        matches!(refused, Err(StoreError::LeaseLost { attempt, .. }) if attempt == lease.attempt + 1),
        "{refused:?}"
    );
    assert_eq!(
        step_summary(&store, &run.id).await,
        [("trigger".into(), 1, StepStatus::Succeeded), ("employee".into(), 2, StepStatus::Running)]
    );

    // The holder's batch lands whole, in order.
    store
        .record_steps(
            &lease,
            vec![finish("employee", "bamboohr.upsert_employee", ok), start("notify", "slack.post_message")],
        )
        .await
        .unwrap();
    assert_eq!(
        step_summary(&store, &run.id).await,
        [
            ("trigger".into(), 1, StepStatus::Succeeded),
            ("employee".into(), 2, StepStatus::Succeeded),
            ("notify".into(), 3, StepStatus::Running),
        ]
    );
    // An empty batch writes nothing and needs no lease check.
    store.record_steps(&stale, Vec::new()).await.expect("nothing to write");
}

async fn a_run_ends_in_the_same_transaction_as_its_held_step_ends(store: Store, _: Backend) {
    store.enqueue_runs(&[hired_run("batched", 2, 22), hired_run("cancelled", 3, 33)]).await.unwrap();
    store.set_recipe_concurrency("batched", 2).await.unwrap();
    let mut claimed = store.claim_runs("n", 2, LEASE).await.unwrap();
    claimed.sort_by(|a, b| a.recipe.cmp(&b.recipe));
    let (batched, cancelled) = (claimed[0].clone(), claimed[1].clone());
    assert_eq!((batched.recipe.as_str(), cancelled.recipe.as_str()), ("batched", "cancelled"));

    let lease = batched.lease();
    store.start_step(&lease, "notify", "slack.post_message", &json!({"text": "hi"})).await.unwrap();
    let held = vec![
        finish("notify", "slack.post_message", StepOutcome::Succeeded(json!({"ts": "1.2"}))),
        finish("welcome", "slack.post_message", StepOutcome::Skipped),
    ];
    store.finish_run_after(&lease, held, RunStatus::Succeeded, None).await.unwrap();
    let detail = store.get_run(&batched.id).await.unwrap().expect("run");
    assert_eq!(detail.run.status, RunStatus::Succeeded);
    assert_eq!(
        detail.steps.iter().map(|s| (s.step_id.as_str(), s.status)).collect::<Vec<_>>(),
        [("notify", StepStatus::Succeeded), ("welcome", StepStatus::Skipped)]
    );
    assert!(matches!(
        store.finish_run_after(&lease, Vec::new(), RunStatus::Queued, None).await,
        Err(StoreError::NotFinalStatus(RunStatus::Queued))
    ));

    // Cancelled while its node worked: the run's end is refused, and so are the step ends riding with it.
    let lease = cancelled.lease();
    store.start_step(&lease, "notify", "slack.post_message", &json!({"text": "hi"})).await.unwrap();
    assert!(store.cancel_run(&cancelled.id).await.unwrap());
    let held = vec![finish("notify", "slack.post_message", StepOutcome::Succeeded(json!({"ts": "9.9"})))];
    let refused = store.finish_run_after(&lease, held, RunStatus::Succeeded, None).await;
    assert!(matches!(refused, Err(StoreError::LeaseLost { .. })), "{refused:?}");
    let detail = store.get_run(&cancelled.id).await.unwrap().expect("run");
    assert_eq!(detail.run.status, RunStatus::Cancelled);
    assert_eq!(
        detail.steps.iter().map(|s| (s.step_id.as_str(), s.status, s.output.clone())).collect::<Vec<_>>(),
        [("notify", StepStatus::Running, None)]
    );
}

async fn a_reschedule_carries_the_held_retrying_step(store: Store, _: Backend) {
    store.enqueue_runs(&[hired_run("retrying", 4, 44)]).await.unwrap();
    let run = store.claim_runs("n", 1, LEASE).await.unwrap().remove(0);
    let lease = run.lease();
    store.start_step(&lease, "employee", "bamboohr.upsert_employee", &json!({})).await.unwrap();
    let retry_at = Utc::now() + TimeDelta::milliseconds(300);
    let held = vec![finish("employee", "bamboohr.upsert_employee", StepOutcome::Retrying("HTTP 503".into()))];
    store.reschedule_run_after(&lease, held, retry_at, Some("step `employee`: HTTP 503")).await.unwrap();

    let detail = store.get_run(&run.id).await.unwrap().expect("run");
    assert_eq!(
        (detail.run.status, detail.run.error.as_deref()),
        (RunStatus::Queued, Some("step `employee`: HTTP 503"))
    );
    assert_eq!(
        detail.steps.iter().map(|s| (s.status, s.error.as_deref(), s.finished_at)).collect::<Vec<_>>(),
        [(StepStatus::Retrying, Some("HTTP 503"), None)]
    );
    // Not due yet; claimed again once it is, with its steps to resume from.
    assert!(store.claim_runs("n", 1, LEASE).await.unwrap().is_empty());
    tokio::time::sleep(Duration::from_millis(400)).await;
    let again = store.claim_runs("n", 1, LEASE).await.unwrap();
    assert_eq!(
        again.iter().map(|r| (r.id.as_str(), r.attempt, r.has_steps)).collect::<Vec<_>>(),
        [(run.id.as_str(), 2, true)]
    );
}

async fn the_claim_says_whether_a_run_has_steps_to_resume(store: Store, _: Backend) {
    store.set_recipe_concurrency("resume", 3).await.unwrap();
    store.enqueue_runs(&[hired_run("resume", 5, 55), hired_run("resume", 6, 66)]).await.unwrap();
    let mut first = store.claim_runs("n", 2, LEASE).await.unwrap();
    assert_eq!(first.iter().map(|r| r.has_steps).collect::<Vec<_>>(), [false, false]);
    let (with_step, without) = (first.remove(0), first.remove(0));

    // Given back with a step recorded (shutdown), and given back with none: only the first has steps.
    store.start_step(&with_step.lease(), "employee", "bamboohr.upsert_employee", &json!({})).await.unwrap();
    store.release_run(&with_step.lease()).await.unwrap();
    store.release_run(&without.lease()).await.unwrap();
    let again = store.claim_runs("n", 2, LEASE).await.unwrap();
    let mut seen: Vec<_> = again.iter().map(|r| (r.id.clone(), r.has_steps)).collect();
    seen.sort();
    let mut expected = vec![(with_step.id.clone(), true), (without.id.clone(), false)];
    expected.sort();
    assert_eq!(seen, expected);

    // A retry from a later step starts with copies of the finished steps before it: it has steps on its first claim.
    let lease = again.iter().find(|r| r.id == with_step.id).expect("claimed").lease();
    let ok = StepOutcome::Succeeded(json!({"id": "7"}));
    store
        .record_steps(
            &lease,
            vec![finish("employee", "bamboohr.upsert_employee", ok), start("notify", "slack.post_message")],
        )
        .await
        .unwrap();
    store.finish_run(&lease, RunStatus::Failed, Some("step `notify`: 500")).await.unwrap();
    let retry_id = store.requeue_run(&with_step.id, Some("notify"), RequeueVersion::Original, None).await.unwrap();
    let retry = store.claim_runs("n", 2, LEASE).await.unwrap();
    let retry = retry.iter().find(|r| r.id == retry_id).expect("the retry is claimed");
    assert_eq!((retry.attempt, retry.has_steps), (1, true));
}
