//! Retention that frees disk, forgetting a candidate, health, nodes, and secrets kept out of messages.

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use hirewire_store::{NewRun, REDACTED, RunFilter, RunStatus, StepOutcome, Store, StoreError};
use serde_json::json;

use super::{Backend, hired_run, on_both_backends};

on_both_backends!(
    prune_deletes_old_finished_runs_and_frees_space,
    forget_candidate_removes_their_personal_data_everywhere,
    ping_and_nodes,
);

fn file_size(path: &std::path::Path) -> u64 {
    let wal = path.with_extension("db-wal");
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) + std::fs::metadata(wal).map(|m| m.len()).unwrap_or(0)
}

async fn prune_deletes_old_finished_runs_and_frees_space(store: Store, backend: Backend) {
    // 3,000 finished (skipped) runs with 4 KB payloads, and 5 queued ones that must survive.
    let filler = "x".repeat(4096);
    for chunk in 0..30_u64 {
        let runs: Vec<NewRun> = (0..100)
            .map(|i| {
                let n = chunk * 100 + i;
                NewRun::new("bulk", "v1", "t", json!({"notes": filler, "n": n}))
                    .with_event_id(format!("e{n}"))
                    .skipped()
            })
            .collect();
        store.enqueue_runs(&runs).await.unwrap();
    }
    let keep: Vec<NewRun> = (0..5).map(|i| hired_run("live", i, i)).collect();
    store.enqueue_runs(&keep).await.unwrap();
    let run = store.claim_runs("n", 1, Duration::from_secs(60)).await.unwrap().remove(0);
    store.finish_step(&run.lease(), "s", "a.b", &StepOutcome::Succeeded(json!({"ok": true})), 1).await.unwrap();
    let size_before = match &backend {
        Backend::Sqlite(path) => file_size(path),
        Backend::Postgres => 0,
    };

    // Nothing is old enough yet.
    let report = store.prune(Utc::now() - TimeDelta::days(90)).await.unwrap();
    assert_eq!(report.runs_deleted, 0);

    let report = store.prune(Utc::now() + TimeDelta::seconds(1)).await.unwrap();
    assert_eq!(report.runs_deleted, 3000);
    assert!(report.bytes_before > 0);
    let left = store.list_runs(&RunFilter { limit: 10_000, ..RunFilter::default() }).await.unwrap();
    assert_eq!(left.len(), 5, "queued and running runs are kept");
    assert!(left.iter().all(|r| matches!(r.status, RunStatus::Queued | RunStatus::Running)));
    assert_eq!(store.steps_of(&run.id).await.unwrap().len(), 1);

    if let Backend::Sqlite(path) = &backend {
        let size_after = file_size(path);
        assert!(
            size_after * 4 < size_before,
            "the SQLite file shrinks after pruning most runs: {size_before} -> {size_after} bytes"
        );
        assert!(report.bytes_after * 4 < report.bytes_before, "{report:?}");
    }
}

async fn forget_candidate_removes_their_personal_data_everywhere(store: Store, backend: Backend) {
    store.set_recipe_concurrency("hired", 5).await.unwrap();
    store.enqueue_runs(&[hired_run("hired", 42, 420), hired_run("hired", 43, 430)]).await.unwrap();
    store.record_webhook("greenhouse", "d1", &[hired_run("other", 42, 421)]).await.unwrap();
    for run in store.claim_runs("n", 10, Duration::from_secs(60)).await.unwrap() {
        let lease = run.lease();
        let email = format!("ada{}@example.com", run.candidate_id.clone().unwrap_or_default());
        store
            .start_step(&lease, "employee", "bamboohr.upsert_employee", &json!({"workEmail": email, "id": 7}))
            .await
            .unwrap();
        store
            .finish_step(
                &lease,
                "employee",
                "bamboohr.upsert_employee",
                &StepOutcome::Succeeded(json!({"id": "e9", "email": email})),
                1,
            )
            .await
            .unwrap();
        store.finish_run(&lease, RunStatus::Failed, Some(&format!("Slack rejected DM to {email}"))).await.unwrap();
    }

    let report = store.forget_candidate("42").await.unwrap();
    assert_eq!((report.runs, report.steps), (2, 2), "{report:?}");
    assert!(report.values_redacted >= 2 * 8, "{report:?}");

    let runs = store.list_runs(&RunFilter { limit: 100, ..RunFilter::default() }).await.unwrap();
    for summary in runs {
        let detail = store.get_run(&summary.id).await.unwrap().unwrap();
        let text = serde_json::to_string(&serde_json::json!([detail.payload, detail.steps, detail.run.error])).unwrap();
        if summary.candidate_id.as_deref() == Some("42") {
            for personal in ["Ada42", "ada42@example.com", "Lovelace", "+44 20"] {
                assert!(!text.contains(personal), "`{personal}` still in run {}: {text}", summary.id);
            }
            assert_eq!(detail.payload["candidate"]["id"], json!(42), "ids stay");
            assert_eq!(detail.payload["candidate"]["first_name"], json!(REDACTED));
            assert_eq!(detail.run.error.as_deref(), Some(REDACTED));
            assert!(detail.redacted_at.is_some());
            assert_eq!(detail.steps[0].output, Some(json!({"id": REDACTED, "email": REDACTED})));
        } else {
            assert!(text.contains("ada43@example.com"), "another candidate's run is untouched");
            assert!(detail.redacted_at.is_none());
        }
    }
    // The forgotten events are still known: they are not run again.
    assert!(store.enqueue_runs(&[hired_run("hired", 42, 420)]).await.unwrap()[0].run_id().is_none());
    let again = store.forget_candidate("42").await.unwrap();
    assert_eq!((again.runs, again.steps, again.values_redacted), (0, 0, 0));

    // SQLite keeps no copy in free pages or the WAL (secure_delete + checkpoint).
    if let Backend::Sqlite(path) = &backend {
        let mut bytes = std::fs::read(path).unwrap();
        bytes.extend(std::fs::read(path.with_extension("db-wal")).unwrap_or_default());
        let needle = b"ada42@example.com";
        assert!(!bytes.windows(needle.len()).any(|w| w == needle), "the email is still on disk");
    }
}

async fn ping_and_nodes(store: Store, _: Backend) {
    store.ping().await.unwrap();
    store.upsert_node("node-a").await.unwrap();
    store.upsert_node("node-b").await.unwrap();
    store.upsert_node("node-a").await.unwrap();
    let nodes = store.live_nodes(Duration::from_secs(60)).await.unwrap();
    assert_eq!(nodes.iter().map(|n| n.id.as_str()).collect::<Vec<_>>(), ["node-a", "node-b"]);
    assert!(nodes[0].last_seen >= nodes[0].started_at);
}

#[tokio::test]
async fn database_password_never_appears_in_errors_or_debug() {
    let url = "postgres://hirewire:s3cr3t-pw@127.0.0.1:1/hirewire";
    let error = Store::open(url).await.expect_err("nothing listens on port 1");
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains("s3cr3t-pw"), "{shown}");
    assert_eq!(hirewire_store::redact_url(url), "postgres://hirewire:***@127.0.0.1:1/hirewire");
    let bad = Store::open("mysql://root:s3cr3t-pw@db/x").await.expect_err("unsupported");
    assert!(matches!(bad, StoreError::InvalidUrl { ref url, .. } if url == "mysql://root:***@db/x"), "{bad:?}");

    let store = Store::open("sqlite::memory:").await.unwrap();
    assert!(!format!("{store:?}").contains("s3cr3t"));
    store.ping().await.unwrap();
}
