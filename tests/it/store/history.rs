//! The run history: filters, pagination, `runs show` detail, and retries that never re-send finished steps.

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use hirewire_store::{RequeueVersion, RunFilter, RunStatus, StepOutcome, StepStatus, Store, StoreError};
use serde_json::json;

use super::{Backend, hired_run, on_both_backends};

const LEASE: Duration = Duration::from_secs(60);

on_both_backends!(
    list_filters_by_recipe_status_candidate_and_time_and_pages,
    retry_makes_a_linked_run_that_keeps_finished_steps,
);

/// Claims the one queued run and ends it with `status`.
async fn run_to(store: &Store, status: RunStatus, error: Option<&str>) -> String {
    let run = store.claim_runs("n", 1, LEASE).await.unwrap().remove(0);
    store.finish_run(&run.lease(), status, error).await.unwrap();
    run.id
}

async fn list_filters_by_recipe_status_candidate_and_time_and_pages(store: Store, _: Backend) {
    let mut failed_x = Vec::new();
    for i in 0..6_u64 {
        let recipe = if i % 2 == 0 { "x" } else { "y" };
        store.enqueue_runs(&[hired_run(recipe, 100 + i % 3, 1000 + i)]).await.unwrap();
        let status = if i < 4 { RunStatus::Failed } else { RunStatus::Succeeded };
        let id = run_to(&store, status, (status == RunStatus::Failed).then_some("BambooHR said 500")).await;
        if recipe == "x" && status == RunStatus::Failed {
            failed_x.push(id);
        }
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    let list = |filter: RunFilter| {
        let store = store.clone();
        async move { store.list_runs(&filter).await.unwrap().into_iter().map(|r| r.id).collect::<Vec<_>>() }
    };
    failed_x.reverse();
    let failed = list(RunFilter { recipe: Some("x".into()), status: Some(RunStatus::Failed), ..RunFilter::default() });
    assert_eq!(failed.await, failed_x, "newest first");
    let all = list(RunFilter::default()).await;
    assert_eq!(all.len(), 6);
    let candidate =
        store.list_runs(&RunFilter { candidate_id: Some("101".into()), ..RunFilter::default() }).await.unwrap();
    assert_eq!(candidate.len(), 2);
    assert!(candidate.iter().all(|r| r.candidate_id.as_deref() == Some("101")));
    let by_app = list(RunFilter { application_id: Some("1003".into()), ..RunFilter::default() }).await;
    assert_eq!(by_app.len(), 1);
    assert_eq!(
        list(RunFilter { since: Some(Utc::now() + TimeDelta::hours(1)), ..RunFilter::default() }).await.len(),
        0
    );
    assert_eq!(
        list(RunFilter { since: Some(Utc::now() - TimeDelta::hours(1)), ..RunFilter::default() }).await.len(),
        6
    );
    assert_eq!(
        list(RunFilter { until: Some(Utc::now() - TimeDelta::hours(1)), ..RunFilter::default() }).await.len(),
        0
    );

    // Pages of two, following `before`, visit every run once in order.
    let mut paged = Vec::new();
    let mut before = None;
    loop {
        let page = list(RunFilter { limit: 2, before: before.clone(), ..RunFilter::default() }).await;
        if page.is_empty() {
            break;
        }
        before = page.last().cloned();
        paged.extend(page);
    }
    assert_eq!(paged, all);

    let summary = &store.list_runs(&RunFilter { limit: 1, ..RunFilter::default() }).await.unwrap()[0];
    assert_eq!(summary.trigger, "candidate_hired");
    assert!(summary.started_at.is_some() && summary.finished_at.is_some());
    assert!(store.get_run("no-such-run").await.unwrap().is_none());
}

async fn retry_makes_a_linked_run_that_keeps_finished_steps(store: Store, _: Backend) {
    store.record_recipe_version("hired", "v1", "name: hired\n").await.unwrap();
    let mut new = hired_run("hired", 1, 10);
    new.recipe_version = "v1".into();
    store.enqueue_runs(&[new]).await.unwrap();
    let run = store.claim_runs("n", 1, LEASE).await.unwrap().remove(0);
    let lease = run.lease();
    for (step, outcome) in [
        ("employee", StepOutcome::Succeeded(json!({"id": "e1", "created": true}))),
        ("notify", StepOutcome::Skipped),
        ("welcome", StepOutcome::Failed("Slack: channel_not_found".into())),
    ] {
        store.start_step(&lease, step, "x.y", &json!({"step": step})).await.unwrap();
        store.finish_step(&lease, step, "x.y", &outcome, 1).await.unwrap();
    }
    assert!(matches!(
        store.requeue_run(&run.id, None, RequeueVersion::Original, None).await,
        Err(StoreError::NotRetryable { status: RunStatus::Running, .. })
    ));
    store.finish_run(&lease, RunStatus::Failed, Some("step welcome: Slack: channel_not_found")).await.unwrap();

    // Retry from the failed step: the finished steps before it are copied with their outputs, never re-sent.
    let retry = store.requeue_run(&run.id, Some("welcome"), RequeueVersion::Original, Some("ops@acme")).await.unwrap();
    let detail = store.get_run(&retry).await.unwrap().unwrap();
    assert_eq!(detail.run.status, RunStatus::Queued);
    assert_eq!(
        (detail.run.retry_of.as_deref(), detail.run.requested_by.as_deref()),
        (Some(run.id.as_str()), Some("ops@acme"))
    );
    assert_eq!(detail.run.recipe_version, "v1");
    assert_eq!(detail.payload, run.payload);
    let copied: Vec<_> = detail.steps.iter().map(|s| (s.step_id.as_str(), s.status)).collect();
    assert_eq!(copied, [("employee", StepStatus::Succeeded), ("notify", StepStatus::Skipped)]);
    assert_eq!(detail.steps[0].output, Some(json!({"id": "e1", "created": true})));
    // The original is untouched and a second retry while one is pending is refused.
    let original = store.get_run(&run.id).await.unwrap().unwrap();
    assert_eq!((original.run.status, original.steps.len()), (RunStatus::Failed, 3));
    assert!(matches!(
        store.requeue_run(&run.id, None, RequeueVersion::Original, None).await,
        Err(StoreError::RetryPending(ref id)) if *id == run.id
    ));
    // The retry is claimable although the original event's run exists (retries are exempt from de-dup).
    let claimed = store.claim_runs("n", 5, LEASE).await.unwrap();
    assert_eq!(claimed.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), [retry.as_str()]);
    store.finish_run(&claimed[0].lease(), RunStatus::Failed, Some("again")).await.unwrap();

    // --from-step notify with the current version: only steps before `notify` are kept.
    store.record_recipe_version("hired", "v2", "name: hired\n# edited\n").await.unwrap();
    let from_notify = store.requeue_run(&run.id, Some("notify"), RequeueVersion::Current, None).await.unwrap();
    let detail = store.get_run(&from_notify).await.unwrap().unwrap();
    assert_eq!(detail.run.recipe_version, "v2");
    assert_eq!(detail.steps.iter().map(|s| s.step_id.as_str()).collect::<Vec<_>>(), ["employee"]);
    // Without --from-step a retry runs from the start: nothing is copied.
    store
        .finish_run(&store.claim_runs("n", 5, LEASE).await.unwrap()[0].lease(), RunStatus::Failed, None)
        .await
        .unwrap();
    let from_start = store.requeue_run(&run.id, None, RequeueVersion::Original, None).await.unwrap();
    assert!(store.get_run(&from_start).await.unwrap().unwrap().steps.is_empty());
    assert!(matches!(
        store.requeue_run(&retry, Some("nope"), RequeueVersion::Original, None).await,
        Err(StoreError::StepNotFound { ref step_id, .. }) if step_id == "nope"
    ));
    assert!(matches!(
        store.requeue_run("missing", None, RequeueVersion::Original, None).await,
        Err(StoreError::RunNotFound(_))
    ));
    assert_eq!(store.current_recipe_version("hired").await.unwrap().as_deref(), Some("v2"));
    // Loading v1 again makes it current again.
    store.record_recipe_version("hired", "v1", "name: hired\n").await.unwrap();
    assert_eq!(store.current_recipe_version("hired").await.unwrap().as_deref(), Some("v1"));
}
