//! Trigger state: the poll cursor's compare-and-set, cron ticks firing once, webhook redeliveries, poll leases.

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeDelta, TimeZone, Utc};
use hirewire_store::{EnqueueOutcome, NewRun, PollOutcome, RunFilter, RunStatus, Store, WebhookOutcome};
use serde_json::json;

use super::{Backend, hired_run, on_both_backends};

on_both_backends!(
    poll_cursor_advances_with_its_runs_and_only_once,
    cron_tick_fires_once_under_a_race,
    webhook_redelivery_and_reconciling_poll_make_no_second_run,
    one_poller_holds_a_trigger_at_a_time,
    recorded_runs_are_announced_to_listening_nodes,
    a_webhook_records_each_run_field_for_field,
    postgres_connections_send_without_delay,
);

async fn runs_of(store: &Store, recipe: &str) -> usize {
    store
        .list_runs(&RunFilter { recipe: Some(recipe.into()), limit: 1000, ..RunFilter::default() })
        .await
        .unwrap()
        .len()
}

async fn poll_cursor_advances_with_its_runs_and_only_once(store: Store, _: Backend) {
    let since = json!({"updated_after": "2026-11-01T00:00:00Z"});
    let state = store.ensure_trigger_state("p", "greenhouse:candidate_hired", Some(&since), None).await.unwrap();
    assert_eq!(state.cursor.as_ref(), Some(&since));
    // Restart or edit with another `since:` never resets it.
    let other = json!({"updated_after": "2020-01-01T00:00:00Z"});
    let again = store.ensure_trigger_state("p", "greenhouse:candidate_hired", Some(&other), None).await.unwrap();
    assert_eq!(again.cursor.as_ref(), Some(&since));

    let page1 = json!({"updated_after": "2026-11-02T00:00:00Z", "seen": [1, 2]});
    let outcome = store
        .record_poll(
            "p",
            "greenhouse:candidate_hired",
            Some(&since),
            &page1,
            &[hired_run("p", 1, 1), hired_run("p", 2, 2)],
        )
        .await
        .unwrap();
    assert!(matches!(&outcome, PollOutcome::Recorded(o) if o.iter().all(|o| o.run_id().is_some()) && o.len() == 2));
    let state = store.trigger_state("p", "greenhouse:candidate_hired").await.unwrap().unwrap();
    assert_eq!(state.cursor.as_ref(), Some(&page1));
    assert!(state.last_polled_at.is_some());

    // A poller that read the old cursor loses: nothing it found is recorded, the cursor stays.
    let stale = store
        .record_poll("p", "greenhouse:candidate_hired", Some(&since), &json!({"x": 1}), &[hired_run("p", 3, 3)])
        .await
        .unwrap();
    assert_eq!(stale, PollOutcome::CursorMoved);
    assert_eq!(runs_of(&store, "p").await, 2);

    // Eight pollers race from the same cursor: exactly one advances it and records its run.
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..8_u64 {
        let (store, from) = (store.clone(), page1.clone());
        tasks.spawn(async move {
            let to = json!({"updated_after": "2026-11-03T00:00:00Z", "poller": i});
            store
                .record_poll("p", "greenhouse:candidate_hired", Some(&from), &to, &[hired_run("p", 10 + i, 10 + i)])
                .await
                .unwrap()
        });
    }
    let mut won = 0;
    while let Some(outcome) = tasks.join_next().await {
        if matches!(outcome.unwrap(), PollOutcome::Recorded(_)) {
            won += 1;
        }
    }
    assert_eq!(won, 1);
    assert_eq!(runs_of(&store, "p").await, 3);

    // A trigger that never had a cursor starts from none.
    store.ensure_trigger_state("p", "greenhouse:new_candidate", None, None).await.unwrap();
    let first = store.record_poll("p", "greenhouse:new_candidate", None, &json!({"c": 1}), &[]).await.unwrap();
    assert_eq!(first, PollOutcome::Recorded(vec![]));
}

async fn cron_tick_fires_once_under_a_race(store: Store, _: Backend) {
    let due = Utc.with_ymd_and_hms(2026, 11, 30, 8, 0, 0).unwrap();
    let next = due + TimeDelta::days(1);
    store.ensure_trigger_state("digest", "schedule", None, Some(due)).await.unwrap();
    let run = NewRun::new("digest", "v1", "schedule", json!({"scheduled_for": due}));
    let run = Arc::new(run);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (store, run) = (store.clone(), Arc::clone(&run));
        tasks.spawn(async move { store.try_fire_cron("digest", "schedule", due, next, &run).await.unwrap() });
    }
    let mut fired = 0;
    while let Some(outcome) = tasks.join_next().await {
        fired += usize::from(outcome.unwrap());
    }
    assert_eq!(fired, 1, "one node fires the tick");
    let runs = store.list_runs(&RunFilter { recipe: Some("digest".into()), ..RunFilter::default() }).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].event_id.as_deref(), Some("cron:2026-11-30T08:00:00.000Z"));
    let state = store.trigger_state("digest", "schedule").await.unwrap().unwrap();
    assert_eq!(state.next_fire_at, Some(next));
    // A node with a stale view of the schedule cannot fire the old tick again.
    assert!(!store.try_fire_cron("digest", "schedule", due, next, &run).await.unwrap());
    assert!(store.try_fire_cron("digest", "schedule", next, next + TimeDelta::days(1), &run).await.unwrap());
}

async fn webhook_redelivery_and_reconciling_poll_make_no_second_run(store: Store, _: Backend) {
    let run = hired_run("w", 5, 50);
    let first = store.record_webhook("greenhouse", "evt-123", std::slice::from_ref(&run)).await.unwrap();
    let WebhookOutcome::Recorded(outcomes) = first else { panic!("first delivery must record: {first:?}") };
    let run_id = outcomes[0].run_id().unwrap().to_owned();
    assert_eq!(
        store.record_webhook("greenhouse", "evt-123", std::slice::from_ref(&run)).await.unwrap(),
        WebhookOutcome::Redelivery
    );
    // Same delivery id on another connection is a different delivery, but the event is the same: duplicate.
    assert_eq!(
        store.record_webhook("greenhouse-sandbox", "evt-123", std::slice::from_ref(&run)).await.unwrap(),
        WebhookOutcome::Recorded(vec![EnqueueOutcome::Duplicate { existing_run_id: Some(run_id.clone()) }])
    );
    // The reconciling poll finds the same event.
    store.ensure_trigger_state("w", "greenhouse:candidate_hired", None, None).await.unwrap();
    let polled = store.record_poll("w", "greenhouse:candidate_hired", None, &json!({"c": 1}), &[run]).await.unwrap();
    assert_eq!(polled, PollOutcome::Recorded(vec![EnqueueOutcome::Duplicate { existing_run_id: Some(run_id) }]));
    assert_eq!(runs_of(&store, "w").await, 1);
}

async fn one_poller_holds_a_trigger_at_a_time(store: Store, _: Backend) {
    assert!(!store.try_lease_trigger("l", "t", "a", Duration::from_secs(60)).await.unwrap(), "no state yet");
    store.ensure_trigger_state("l", "t", None, None).await.unwrap();
    assert!(store.try_lease_trigger("l", "t", "a", Duration::from_millis(200)).await.unwrap());
    assert!(!store.try_lease_trigger("l", "t", "b", Duration::from_secs(60)).await.unwrap());
    assert!(store.try_lease_trigger("l", "t", "a", Duration::from_millis(200)).await.unwrap(), "renewal");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(store.try_lease_trigger("l", "t", "b", Duration::from_secs(60)).await.unwrap(), "expired lease taken");
    store.release_trigger_lease("l", "t", "a").await.unwrap();
    assert_eq!(store.trigger_state("l", "t").await.unwrap().unwrap().lease_owner.as_deref(), Some("b"));
    store.release_trigger_lease("l", "t", "b").await.unwrap();
    assert!(store.try_lease_trigger("l", "t", "a", Duration::from_secs(60)).await.unwrap());
}

/// Another node hears of runs a webhook or a poll recorded (Postgres `NOTIFY`, sent in the recording transaction),
/// and of nothing when a redelivery or a poll records no run. SQLite serves one daemon and has no listener.
async fn recorded_runs_are_announced_to_listening_nodes(store: Store, backend: Backend) {
    let Some(mut other_node) = store.listen_for_runs().await.unwrap() else {
        assert!(matches!(backend, Backend::Sqlite(_)), "Postgres must offer a listener");
        return;
    };
    async fn heard(listener: &mut hirewire_store::RunsListener, within: Duration) -> bool {
        tokio::time::timeout(within, listener.next()).await.map(|got| got.expect("listening")).is_ok()
    }
    let run = hired_run("announced", 1, 1);
    let first = store.record_webhook("greenhouse", "delivery-1", std::slice::from_ref(&run)).await.unwrap();
    assert!(matches!(first, WebhookOutcome::Recorded(_)));
    assert!(heard(&mut other_node, Duration::from_secs(5)).await, "a recorded webhook run is announced");
    let again = store.record_webhook("greenhouse", "delivery-1", std::slice::from_ref(&run)).await.unwrap();
    assert!(matches!(again, WebhookOutcome::Redelivery));
    assert!(!heard(&mut other_node, Duration::from_millis(300)).await, "a redelivery announces nothing");

    let since = json!({"updated_after": "2026-11-01T00:00:00Z"});
    store.ensure_trigger_state("announced", "greenhouse:candidate_hired", Some(&since), None).await.unwrap();
    let page = json!({"updated_after": "2026-11-02T00:00:00Z"});
    store
        .record_poll("announced", "greenhouse:candidate_hired", Some(&since), &page, &[hired_run("announced", 2, 2)])
        .await
        .unwrap();
    assert!(heard(&mut other_node, Duration::from_secs(5)).await, "a polled run is announced");
    // The same hire polled again is a duplicate: no run, no announcement.
    let next_page = json!({"updated_after": "2026-11-03T00:00:00Z"});
    store
        .record_poll(
            "announced",
            "greenhouse:candidate_hired",
            Some(&page),
            &next_page,
            &[hired_run("announced", 2, 2)],
        )
        .await
        .unwrap();
    assert!(!heard(&mut other_node, Duration::from_millis(300)).await, "a duplicate announces nothing");
}

/// What a webhook records is what the trigger gave, field for field, whether it carries one run (on Postgres one
/// statement), a skipped run, or several runs (one transaction); a duplicate event is announced to no one.
async fn a_webhook_records_each_run_field_for_field(store: Store, _: Backend) {
    let listener = store.listen_for_runs().await.unwrap();
    let event_at = Utc.with_ymd_and_hms(2026, 11, 2, 9, 30, 0).unwrap();
    let run_at = Utc.with_ymd_and_hms(2026, 11, 2, 9, 31, 0).unwrap();
    let one = hired_run("fields", 7, 70).with_business_key("hire:70").with_event_at(event_at).with_run_at(run_at);
    let WebhookOutcome::Recorded(outcomes) =
        store.record_webhook("greenhouse", "d-one", std::slice::from_ref(&one)).await.unwrap()
    else {
        panic!("a new delivery records")
    };
    let id = outcomes[0].run_id().expect("enqueued").to_owned();
    let detail = store.get_run(&id).await.unwrap().expect("stored");
    assert_eq!(
        (
            detail.run.recipe.as_str(),
            detail.run.recipe_version.as_str(),
            detail.run.trigger.as_str(),
            detail.run.event_id.as_deref(),
            detail.run.business_key.as_deref(),
            detail.run.candidate_id.as_deref(),
            detail.run.application_id.as_deref(),
            detail.run.job_id.as_deref(),
        ),
        (
            "fields",
            "v1",
            "candidate_hired",
            Some("hire_candidate:70"),
            Some("hire:70"),
            Some("7"),
            Some("70"),
            Some("4010")
        )
    );
    assert_eq!((detail.run.status, detail.run.attempt, detail.run.finished_at), (RunStatus::Queued, 0, None));
    assert_eq!((detail.event_at, detail.run_at, detail.payload), (event_at, run_at, one.payload.clone()));

    let skipped = hired_run("fields", 8, 80).skipped();
    let WebhookOutcome::Recorded(outcomes) = store.record_webhook("greenhouse", "d-skip", &[skipped]).await.unwrap()
    else {
        panic!("a new delivery records")
    };
    let detail = store.get_run(outcomes[0].run_id().expect("recorded")).await.unwrap().expect("stored");
    assert_eq!(detail.run.status, RunStatus::Skipped);
    assert!(detail.run.finished_at.is_some(), "a skipped run is finished when recorded");

    // Two recipes on one delivery: both runs, in order; the first is a duplicate of the run above.
    let WebhookOutcome::Recorded(outcomes) =
        store.record_webhook("greenhouse", "d-two", &[one.clone(), hired_run("fields-other", 7, 70)]).await.unwrap()
    else {
        panic!("a new delivery records")
    };
    assert_eq!(outcomes[0], EnqueueOutcome::Duplicate { existing_run_id: Some(id.clone()) });
    assert!(outcomes[1].run_id().is_some());
    assert_eq!((runs_of(&store, "fields").await, runs_of(&store, "fields-other").await), (2, 1));

    // A duplicate alone (new delivery, same event) records the delivery, makes no run and wakes no one.
    if let Some(mut listener) = listener {
        while tokio::time::timeout(Duration::from_millis(300), listener.next()).await.is_ok() {}
        let again = store.record_webhook("greenhouse", "d-dup", std::slice::from_ref(&one)).await.unwrap();
        assert_eq!(again, WebhookOutcome::Recorded(vec![EnqueueOutcome::Duplicate { existing_run_id: Some(id) }]));
        let woke = tokio::time::timeout(Duration::from_millis(300), listener.next()).await.is_ok();
        assert!(!woke, "a duplicate announces nothing");
        assert_eq!(
            store.record_webhook("greenhouse", "d-dup", std::slice::from_ref(&one)).await.unwrap(),
            WebhookOutcome::Redelivery
        );
    }
}

/// Nagle's algorithm is off on the store's Postgres connections (sqlx 0.9 leaves it on): a statement longer than
/// one TCP segment, like a backfill page's multi-row INSERT, otherwise waits up to 40 ms for the server's delayed
/// acknowledgement. Every connection of the pool is set up the same way, so checking several is checking them all.
async fn postgres_connections_send_without_delay(store: Store, backend: Backend) {
    // Four at once, so the pool opens several connections.
    let mut checking = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let store = store.clone();
        checking.spawn(async move { hirewire_store::testing::postgres_sends_without_delay(&store).await.unwrap() });
    }
    let checks: Vec<Option<bool>> = checking.join_all().await;
    match backend {
        Backend::Sqlite(_) => assert_eq!(checks, [None; 4]),
        Backend::Postgres => assert_eq!(checks, [Some(true); 4], "TCP_NODELAY on every connection"),
    }
}
