//! The work queue: exactly-once claiming, leases and rescue, de-duplication, per-recipe order and limits.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use hirewire_store::{EnqueueOutcome, NewRun, RunFilter, RunStatus, StepOutcome, StepStatus, Store, StoreError};
use serde_json::json;

use super::{Backend, hired_run, on_both_backends};

const LEASE: Duration = Duration::from_secs(60);

on_both_backends!(
    eight_workers_claim_ten_thousand_runs_each_exactly_once,
    crashed_worker_run_is_rescued_resumed_and_finished_once,
    same_event_or_key_makes_one_run_even_in_a_race,
    a_large_batch_reports_each_runs_outcome_in_order,
    concurrency_one_runs_a_recipe_strictly_in_event_order,
    concurrency_n_runs_at_most_n_at_once,
    heartbeat_renews_only_leases_still_held,
    cancelled_runs_are_never_claimed_and_fence_their_worker,
    skipped_runs_are_recorded_finished_and_never_claimed,
    steps_record_inputs_outputs_errors_and_attempts,
);

async fn queued_count(store: &Store) -> usize {
    let filter = RunFilter { status: Some(RunStatus::Queued), limit: 100_000, ..RunFilter::default() };
    store.list_runs(&filter).await.expect("list").len()
}

async fn eight_workers_claim_ten_thousand_runs_each_exactly_once(store: Store, _: Backend) {
    const RUNS: u64 = 10_000;
    store.set_recipe_concurrency("bulk", 10_000).await.expect("limit");
    let runs: Vec<NewRun> = (0..RUNS).map(|i| hired_run("bulk", 1_000_000 + i, 2_000_000 + i)).collect();
    let outcomes = store.enqueue_runs(&runs).await.expect("enqueue");
    assert_eq!(outcomes.iter().filter(|o| o.run_id().is_some()).count(), 10_000);

    let claims: Arc<Mutex<HashMap<String, Vec<String>>>> = Arc::default();
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..8 {
        let (store, claims) = (store.clone(), Arc::clone(&claims));
        workers.spawn(async move {
            let node = format!("node-{worker}");
            loop {
                let claimed = store.claim_runs(&node, 50, LEASE).await.expect("claim");
                if claimed.is_empty() {
                    break;
                }
                for run in claimed {
                    assert_eq!(run.attempt, 1, "run {} claimed a second time", run.id);
                    claims.lock().expect("claims").entry(run.id.clone()).or_default().push(node.clone());
                    store.finish_run(&run.lease(), RunStatus::Succeeded, None).await.expect("finish");
                }
            }
        });
    }
    while let Some(joined) = workers.join_next().await {
        joined.expect("worker");
    }
    {
        let claims = claims.lock().expect("claims");
        assert_eq!(claims.len(), 10_000, "every run claimed");
        let twice: Vec<_> = claims.iter().filter(|(_, nodes)| nodes.len() != 1).collect();
        assert!(twice.is_empty(), "runs claimed more than once: {twice:?}");
        let nodes: std::collections::HashSet<_> = claims.values().map(|nodes| &nodes[0]).collect();
        assert!(nodes.len() > 1, "the work was shared: {nodes:?}");
    }
    assert_eq!(queued_count(&store).await, 0);
    let filter = RunFilter { status: Some(RunStatus::Succeeded), limit: 20_000, ..RunFilter::default() };
    assert_eq!(store.list_runs(&filter).await.expect("list").len(), 10_000);
}

async fn crashed_worker_run_is_rescued_resumed_and_finished_once(store: Store, _: Backend) {
    let outcomes = store.enqueue_runs(&[hired_run("hired-to-bamboohr", 7, 70)]).await.expect("enqueue");
    let run_id = outcomes[0].run_id().expect("enqueued").to_owned();

    let first = store.claim_runs("node-a", 10, Duration::from_millis(300)).await.expect("claim");
    assert_eq!(first.len(), 1);
    let lease_a = first[0].lease();
    store.start_step(&lease_a, "employee", "bamboohr.upsert_employee", &json!({"workEmail": "a@x"})).await.unwrap();
    let output = json!({"id": "123", "created": true});
    store
        .finish_step(&lease_a, "employee", "bamboohr.upsert_employee", &StepOutcome::Succeeded(output.clone()), 1)
        .await
        .unwrap();
    store.start_step(&lease_a, "notify", "slack.post_message", &json!({"text": "hi"})).await.unwrap();
    // node-a dies here. While its lease is valid nobody else gets the run.
    assert!(store.claim_runs("node-b", 10, LEASE).await.unwrap().is_empty());
    assert_eq!(store.rescue_expired_leases().await.unwrap(), 0);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(store.rescue_expired_leases().await.unwrap(), 1);

    let second = store.claim_runs("node-b", 10, LEASE).await.expect("claim");
    assert_eq!(second.len(), 1);
    assert_eq!((second[0].id.as_str(), second[0].attempt, second[0].node.as_str()), (run_id.as_str(), 2, "node-b"));
    let lease_b = second[0].lease();
    // node-b resumes at the first unfinished step, with the finished step's output.
    let steps = store.steps_of(&run_id).await.unwrap();
    assert_eq!(steps.len(), 2);
    assert_eq!((steps[0].step_id.as_str(), steps[0].status), ("employee", StepStatus::Succeeded));
    assert_eq!(steps[0].output.as_ref(), Some(&output));
    assert_eq!((steps[1].step_id.as_str(), steps[1].status), ("notify", StepStatus::Running));
    store.start_step(&lease_b, "notify", "slack.post_message", &json!({"text": "hi"})).await.unwrap();
    store.finish_step(&lease_b, "notify", "slack.post_message", &StepOutcome::Succeeded(json!({})), 1).await.unwrap();

    // node-a comes back: every write it attempts is refused, nothing is finished twice.
    let late = store.finish_run(&lease_a, RunStatus::Failed, Some("late")).await;
    assert!(matches!(late, Err(StoreError::LeaseLost { ref node, attempt: 1, .. }) if node == "node-a"), "{late:?}");
    let failed = StepOutcome::Failed("x".into());
    let late_step = store.finish_step(&lease_a, "notify", "slack.post_message", &failed, 2).await;
    assert!(matches!(late_step, Err(StoreError::LeaseLost { .. })));
    store.finish_run(&lease_b, RunStatus::Succeeded, None).await.expect("finish once");
    assert!(matches!(store.finish_run(&lease_b, RunStatus::Succeeded, None).await, Err(StoreError::LeaseLost { .. })));

    let detail = store.get_run(&run_id).await.unwrap().expect("run");
    assert_eq!((detail.run.status, detail.run.attempt, detail.run.error.as_deref()), (RunStatus::Succeeded, 2, None));
    assert_eq!(detail.run.node.as_deref(), Some("node-b"));
    assert!(detail.lease_owner.is_none());
    assert_eq!(detail.steps.iter().map(|s| s.status).collect::<Vec<_>>(), [StepStatus::Succeeded; 2]);
}

async fn same_event_or_key_makes_one_run_even_in_a_race(store: Store, _: Backend) {
    // Sequential: same event id, then same business key under another event id.
    let first = store.enqueue_runs(&[hired_run("r", 1, 10).with_business_key("10")]).await.unwrap();
    let first_id = first[0].run_id().expect("first is new").to_owned();
    let again = store.enqueue_runs(&[hired_run("r", 1, 10)]).await.unwrap();
    assert_eq!(again, [EnqueueOutcome::Duplicate { existing_run_id: Some(first_id.clone()) }]);
    let by_key = hired_run("r", 1, 10).with_event_id("poll:application:10").with_business_key("10");
    assert_eq!(
        store.enqueue_runs(&[by_key]).await.unwrap(),
        [EnqueueOutcome::Duplicate { existing_run_id: Some(first_id) }]
    );
    // Another recipe may run the same event.
    assert!(store.enqueue_runs(&[hired_run("other", 1, 10)]).await.unwrap()[0].run_id().is_some());
    // A duplicate inside one batch.
    let batch = store.enqueue_runs(&[hired_run("r", 2, 20), hired_run("r", 2, 20)]).await.unwrap();
    assert!(
        batch[0].run_id().is_some()
            && batch[1] == EnqueueOutcome::Duplicate { existing_run_id: batch[0].run_id().map(str::to_owned) }
    );

    // Races: 16 tasks record the same event (webhook, poll, another node...) at once; then the same key.
    for (label, make) in [
        (
            "event",
            Box::new(|i: u64| hired_run("race", 3, 30).with_business_key(format!("k{i}")))
                as Box<dyn Fn(u64) -> NewRun + Send + Sync>,
        ),
        ("key", Box::new(|i: u64| hired_run("race", 4, 40).with_event_id(format!("e{i}")).with_business_key("app-40"))),
    ] {
        let make = Arc::new(make);
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..16 {
            let (store, make) = (store.clone(), Arc::clone(&make));
            tasks.spawn(async move { store.enqueue_runs(&[make(i)]).await.expect("enqueue") });
        }
        let mut outcomes = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            outcomes.extend(joined.expect("task"));
        }
        let new: Vec<_> = outcomes.iter().filter_map(EnqueueOutcome::run_id).collect();
        assert_eq!(new.len(), 1, "{label}: exactly one run, got {outcomes:?}");
        let winner = new[0].to_owned();
        for outcome in &outcomes {
            if let EnqueueOutcome::Duplicate { existing_run_id } = outcome {
                assert_eq!(existing_run_id.as_deref(), Some(winner.as_str()), "{label}");
            }
        }
    }
    let all = store.list_runs(&RunFilter { recipe: Some("race".into()), ..RunFilter::default() }).await.unwrap();
    assert_eq!(all.len(), 2);
}

async fn concurrency_one_runs_a_recipe_strictly_in_event_order(store: Store, _: Backend) {
    let t0 = Utc::now() - TimeDelta::hours(1);
    // Recorded newest first: the order of events, not of recording, decides.
    let runs: Vec<NewRun> = (0..3)
        .rev()
        .map(|i| {
            hired_run("ordered", 100 + i, 200 + i).with_event_at(t0 + TimeDelta::minutes(i64::try_from(i).unwrap()))
        })
        .collect();
    let ids: Vec<String> =
        store.enqueue_runs(&runs).await.unwrap().iter().map(|o| o.run_id().unwrap().to_owned()).collect();
    let (oldest, middle, newest) = (&ids[2], &ids[1], &ids[0]);

    let claimed = store.claim_runs("n", 10, LEASE).await.unwrap();
    assert_eq!(claimed.iter().map(|r| &r.id).collect::<Vec<_>>(), [oldest], "only the oldest event");
    assert!(store.claim_runs("n", 10, LEASE).await.unwrap().is_empty(), "nothing while one runs");
    store.finish_run(&claimed[0].lease(), RunStatus::Succeeded, None).await.unwrap();

    let claimed = store.claim_runs("n", 10, LEASE).await.unwrap();
    assert_eq!(claimed.iter().map(|r| &r.id).collect::<Vec<_>>(), [middle]);
    // The middle run fails a step and waits for a durable retry: the newest must not overtake it.
    let later = Utc::now() + TimeDelta::hours(1);
    store.reschedule_run(&claimed[0].lease(), later, Some("BambooHR 503")).await.unwrap();
    assert!(store.claim_runs("n", 10, LEASE).await.unwrap().is_empty(), "newest waits behind the retry");
    let detail = store.get_run(middle).await.unwrap().unwrap();
    assert_eq!((detail.run.status, detail.run.error.as_deref()), (RunStatus::Queued, Some("BambooHR 503")));
    assert_eq!(detail.run_at, hirewire_store::Timestamp::new(later).instant());

    // Another recipe is not held up by this one.
    store.enqueue_runs(&[hired_run("independent", 9, 90)]).await.unwrap();
    assert_eq!(store.claim_runs("n", 10, LEASE).await.unwrap().len(), 1);
    let _ = newest;
}

async fn concurrency_n_runs_at_most_n_at_once(store: Store, _: Backend) {
    store.set_recipe_concurrency("wide", 3).await.unwrap();
    let runs: Vec<NewRun> = (0..5).map(|i| hired_run("wide", i, 100 + i)).collect();
    store.enqueue_runs(&runs).await.unwrap();
    let first = store.claim_runs("n", 10, LEASE).await.unwrap();
    assert_eq!(first.len(), 3);
    assert!(store.claim_runs("n2", 10, LEASE).await.unwrap().is_empty());
    store.finish_run(&first[0].lease(), RunStatus::Succeeded, None).await.unwrap();
    assert_eq!(store.claim_runs("n2", 10, LEASE).await.unwrap().len(), 1);
    // The limit is also respected within one claim by a small batch size.
    store.set_recipe_concurrency("wide", 10).await.unwrap();
    assert_eq!(store.claim_runs("n3", 1, LEASE).await.unwrap().len(), 1);
}

async fn heartbeat_renews_only_leases_still_held(store: Store, _: Backend) {
    store.set_recipe_concurrency("hb", 5).await.unwrap();
    store.enqueue_runs(&[hired_run("hb", 1, 1), hired_run("hb", 2, 2)]).await.unwrap();
    let claimed = store.claim_runs("n", 10, Duration::from_millis(200)).await.unwrap();
    let ids: Vec<String> = claimed.iter().map(|r| r.id.clone()).collect();
    assert_eq!(ids.len(), 2);
    tokio::time::sleep(Duration::from_millis(120)).await;
    let mut renewed = store.heartbeat("n", &ids, Duration::from_millis(400)).await.unwrap();
    renewed.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(renewed, expected);
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(store.rescue_expired_leases().await.unwrap(), 0, "the heartbeat kept both leases");
    assert!(store.heartbeat("other-node", &ids, LEASE).await.unwrap().is_empty());
    assert!(store.cancel_run(&ids[0]).await.unwrap());
    assert_eq!(store.heartbeat("n", &ids, LEASE).await.unwrap(), [ids[1].clone()]);
}

async fn cancelled_runs_are_never_claimed_and_fence_their_worker(store: Store, _: Backend) {
    store.set_recipe_concurrency("c", 5).await.unwrap();
    let ids: Vec<String> = store
        .enqueue_runs(&[hired_run("c", 1, 1), hired_run("c", 2, 2)])
        .await
        .unwrap()
        .iter()
        .map(|o| o.run_id().unwrap().to_owned())
        .collect();
    assert!(store.cancel_run(&ids[0]).await.unwrap());
    let claimed = store.claim_runs("n", 10, LEASE).await.unwrap();
    assert_eq!(claimed.iter().map(|r| &r.id).collect::<Vec<_>>(), [&ids[1]]);
    assert!(store.cancel_run(&ids[1]).await.unwrap());
    assert!(!store.cancel_run(&ids[1]).await.unwrap(), "already cancelled");
    assert!(matches!(
        store.start_step(&claimed[0].lease(), "s", "slack.post_message", &json!({})).await,
        Err(StoreError::LeaseLost { .. })
    ));
    assert!(store.steps_of(&ids[1]).await.unwrap().is_empty(), "nothing written after the cancel");
    let detail = store.get_run(&ids[1]).await.unwrap().unwrap();
    assert_eq!(detail.run.status, RunStatus::Cancelled);
    assert!(detail.run.finished_at.is_some());
}

async fn skipped_runs_are_recorded_finished_and_never_claimed(store: Store, _: Backend) {
    let outcome = store.enqueue_runs(&[hired_run("filtered", 1, 1).skipped()]).await.unwrap();
    let id = outcome[0].run_id().unwrap();
    assert!(store.claim_runs("n", 10, LEASE).await.unwrap().is_empty());
    let run = store.get_run(id).await.unwrap().unwrap();
    assert_eq!(run.run.status, RunStatus::Skipped);
    assert!(run.run.finished_at.is_some());
    // The skipped event still counts for de-duplication.
    assert!(store.enqueue_runs(&[hired_run("filtered", 1, 1)]).await.unwrap()[0].run_id().is_none());
    let mut running = hired_run("filtered", 2, 2);
    running.status = RunStatus::Running;
    let refused = store.enqueue_runs(&[running]).await;
    assert!(
        matches!(refused, Err(StoreError::InvalidInitialStatus { ref recipe, status: RunStatus::Running }) if recipe == "filtered")
    );
}

async fn steps_record_inputs_outputs_errors_and_attempts(store: Store, _: Backend) {
    store.enqueue_runs(&[hired_run("steps", 1, 1)]).await.unwrap();
    let run = store.claim_runs("n", 1, LEASE).await.unwrap().remove(0);
    let lease = run.lease();
    let input = json!({"channel": "ada@example.com", "text": "Thanks"});
    store.start_step(&lease, "interviewers[1].dm", "slack.post_message", &input).await.unwrap();
    store
        .finish_step(&lease, "interviewers[1].dm", "slack.post_message", &StepOutcome::Retrying("HTTP 429".into()), 1)
        .await
        .unwrap();
    store.start_step(&lease, "interviewers[1].dm", "slack.post_message", &input).await.unwrap();
    store
        .finish_step(
            &lease,
            "interviewers[1].dm",
            "slack.post_message",
            &StepOutcome::Succeeded(json!({"ts": "1.2"})),
            2,
        )
        .await
        .unwrap();
    store.finish_step(&lease, "notify", "slack.post_message", &StepOutcome::Skipped, 0).await.unwrap();
    store.start_step(&lease, "employee", "bamboohr.create_employee", &json!({"firstName": "Ada"})).await.unwrap();
    store
        .finish_step(
            &lease,
            "employee",
            "bamboohr.create_employee",
            &StepOutcome::Failed("400: bad hireDate".into()),
            1,
        )
        .await
        .unwrap();
    store.finish_run(&lease, RunStatus::Failed, Some("step employee: 400: bad hireDate")).await.unwrap();

    let steps = store.steps_of(&run.id).await.unwrap();
    let summary: Vec<_> =
        steps.iter().map(|s| (s.step_id.as_str(), s.ordinal, s.status, s.attempts, s.error.as_deref())).collect();
    assert_eq!(
        summary,
        [
            ("interviewers[1].dm", 1, StepStatus::Succeeded, 2, None),
            ("notify", 2, StepStatus::Skipped, 0, None),
            ("employee", 3, StepStatus::Failed, 1, Some("400: bad hireDate")),
        ]
    );
    assert_eq!(steps[0].input.as_ref(), Some(&input));
    assert_eq!(steps[0].output.as_ref(), Some(&json!({"ts": "1.2"})));
    assert!(steps[0].started_at.is_some() && steps[0].finished_at.is_some());
    assert_eq!(steps[2].output, None);
}

/// A batch larger than one multi-row INSERT (a backfill page): every run's outcome is at its own index, and a
/// duplicate is reported against the right run whether it collides with a stored run, with an earlier row of the
/// same statement, or with a row of an earlier statement, by event id or by business key.
async fn a_large_batch_reports_each_runs_outcome_in_order(store: Store, _: Backend) {
    let stored = store.enqueue_runs(&[hired_run("big", 5, 5).with_business_key("k5")]).await.unwrap();
    let stored_id = stored[0].run_id().expect("new").to_owned();
    let batch: Vec<NewRun> = (0..150_u64)
        .map(|i| match i {
            // Same event as row 10, 90 rows earlier (another statement).
            100 => hired_run("big", 10, 10).with_business_key("k100"),
            // Same business key as row 70 under another event id.
            149 => hired_run("big", 149, 149).with_business_key("k70"),
            // Same event as row 2 of the same statement.
            3 => hired_run("big", 2, 2).with_business_key("k3"),
            _ => hired_run("big", i, i).with_business_key(format!("k{i}")),
        })
        .collect();
    let outcomes = store.enqueue_runs(&batch).await.unwrap();
    assert_eq!(outcomes.len(), 150);
    let id_of = |i: usize| outcomes[i].run_id().map(str::to_owned);
    let duplicates: Vec<(usize, Option<String>)> = outcomes
        .iter()
        .enumerate()
        .filter_map(|(i, o)| match o {
            EnqueueOutcome::Duplicate { existing_run_id } => Some((i, existing_run_id.clone())),
            EnqueueOutcome::Enqueued { .. } => None,
        })
        .collect();
    assert_eq!(duplicates, [(3, id_of(2)), (5, Some(stored_id)), (100, id_of(10)), (149, id_of(70))]);
    for (i, outcome) in outcomes.iter().enumerate() {
        if let Some(run_id) = outcome.run_id() {
            let detail = store.get_run(run_id).await.unwrap().expect("stored");
            assert_eq!(detail.run.application_id, Some(i.to_string()), "row {i}");
            assert_eq!(detail.run.business_key, Some(format!("k{i}")), "row {i}");
        }
    }
    let all =
        store.list_runs(&RunFilter { recipe: Some("big".into()), limit: 1_000, ..RunFilter::default() }).await.unwrap();
    assert_eq!(all.len(), 1 + 146);
}
