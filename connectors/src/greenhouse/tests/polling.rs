//! Every trigger by poll against the fake, the two-sided window, backfill under the rate
//! limit, and records created while a poll is paging.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use hirewire_sdk::fake::FaultRule;
use hirewire_sdk::{Connection as _, TriggerEvent};
use serde_json::{Value, json};

use super::super::fake::records::{NewCandidate, NewEducation, NewInterview};
use super::super::fake::seed::bulk_candidates;
use super::super::fake::state::FakeSettings;
use super::{Harness, an_hour_ago, connect, settings_for, tick};

const TRIGGERS: &[&str] = &[
    "new_candidate",
    "new_application",
    "application_stage_changed",
    "candidate_hired",
    "candidate_rejected",
    "interview_scheduled",
    "offer_created",
    "offer_accepted",
];

fn candidate(first: &str, email: &str) -> NewCandidate {
    NewCandidate {
        first_name: first.into(),
        last_name: "Tester".into(),
        email_addresses: vec![json!({"value": email, "type": "work"})],
        educations: vec![NewEducation {
            degree: Some("Master's Degree".into()),
            discipline: Some("Mathematics".into()),
            school_name: Some("ETH Zurich".into()),
        }],
        ..NewCandidate::default()
    }
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

struct Story {
    hired_app: i64,
    rejected_app: i64,
    interview: i64,
    offer: i64,
}

/// One candidate goes from application to hire (with an interview and an offer), another is rejected.
fn play_story(h: &Harness) -> Story {
    let job = h.job("Data Scientist");
    let (ada, carl) = (h.user("ada.lacey@acme.example"), h.user("carl.buddha@acme.example"));
    let mut s = h.fake.state.lock();
    let c1 = id(&s.add_candidate(&candidate("Hanna", "hanna@work.example")));
    let c2 = id(&s.add_candidate(&candidate("Rudi", "rudi@work.example")));
    let a1 = id(&s.add_application(c1, job, false).unwrap());
    let a2 = id(&s.add_application(c2, job, false).unwrap());
    s.move_application(a1, Some("Phone Screen"));
    s.move_application(a1, Some("Onsite"));
    let interview = id(&s
        .add_interview(&NewInterview {
            application_id: a1,
            starts_at: "2026-12-03T09:00:00.000Z".into(),
            ends_at: "2026-12-03T10:00:00.000Z".into(),
            status: None,
            interviewer_ids: vec![ada, carl],
        })
        .unwrap());
    let offer = id(&s.add_offer(a1, "2027-01-04").unwrap());
    s.hire_application(a1);
    s.reject_application(a2);
    Story {
        hired_app: a1,
        rejected_app: a2,
        interview,
        offer,
    }
}

async fn enrich_all(h: &Harness, events: Vec<TriggerEvent>) -> Vec<TriggerEvent> {
    let mut out = Vec::new();
    for e in events {
        out.push(h.conn.enrich_event(e).await.expect("enrich"));
    }
    out
}

#[tokio::test]
async fn every_trigger_polls_each_happening_once_in_its_documented_shape() {
    let h = Harness::start().await;
    let mut cursors = HashMap::new();
    for t in TRIGGERS {
        cursors.insert(*t, h.poll(t, json!(null), None, an_hour_ago()).await.cursor);
    }
    tick().await;
    let story = play_story(&h);
    tick().await;
    let mut found: HashMap<&str, Vec<TriggerEvent>> = HashMap::new();
    for t in TRIGGERS {
        let batch = h.poll(t, json!(null), cursors.get(t).cloned(), an_hour_ago()).await;
        cursors.insert(*t, batch.cursor);
        found.insert(*t, enrich_all(&h, batch.events).await);
    }
    let count = |t: &str| found[t].len();
    assert_eq!(count("new_candidate"), 2);
    assert_eq!(count("new_application"), 2);
    assert_eq!(
        count("application_stage_changed"),
        2,
        "{:#?}",
        found["application_stage_changed"]
    );
    assert_eq!(count("candidate_hired"), 1);
    assert_eq!(count("candidate_rejected"), 1);
    assert_eq!(count("interview_scheduled"), 1);
    assert_eq!(count("offer_created"), 1);
    assert_eq!(count("offer_accepted"), 1);

    let hired = &found["candidate_hired"][0];
    assert_eq!(
        hired.event_id,
        format!("candidate_hired:application:{}", story.hired_app)
    );
    assert_eq!(hired.application_id, Some(story.hired_app));
    let p = &hired.payload;
    assert_eq!(p["candidate"]["first_name"], "Hanna");
    assert_eq!(
        p["candidate"]["email_addresses"][0],
        json!({"value": "hanna@work.example", "type": "work"})
    );
    assert_eq!(p["candidate"]["educations"][0]["degree"], "Master's Degree");
    assert_eq!(p["candidate"]["educations"][0]["school_name"], "ETH Zurich");
    assert_eq!(p["job"]["name"], "Data Scientist");
    assert_eq!(p["offer"]["starts_on"], "2027-01-04");
    assert_eq!(p["application"]["id"], story.hired_app);
    let emails: HashSet<&str> = p["interviewers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["email"].as_str().unwrap())
        .collect();
    assert_eq!(
        emails,
        HashSet::from(["ada.lacey@acme.example", "carl.buddha@acme.example"])
    );
    assert_eq!(p["interviewers"][0]["name"], "Ada Lacey");
    assert_eq!(hired.payload.as_object().unwrap().keys().collect::<Vec<_>>().len(), 5);

    let moves: Vec<(Value, Value)> = found["application_stage_changed"]
        .iter()
        .map(|e| {
            (
                e.payload["from_stage"]["name"].clone(),
                e.payload["to_stage"]["name"].clone(),
            )
        })
        .collect();
    assert_eq!(
        moves,
        vec![
            (json!("Application Review"), json!("Phone Screen")),
            (json!("Phone Screen"), json!("Onsite"))
        ]
    );
    assert_eq!(
        found["application_stage_changed"][1].payload["candidate"]["first_name"],
        "Hanna"
    );

    assert_eq!(found["candidate_rejected"][0].application_id, Some(story.rejected_app));
    assert_eq!(
        found["candidate_rejected"][0].payload["candidate"]["first_name"],
        "Rudi"
    );
    let interview = &found["interview_scheduled"][0];
    assert_eq!(
        interview.event_id,
        format!("interview_scheduled:interview:{}", story.interview)
    );
    assert_eq!(
        interview.payload["interview"]["interviewers"].as_array().unwrap().len(),
        2
    );
    assert_eq!(interview.payload["job"]["name"], "Data Scientist");
    assert_eq!(
        found["offer_created"][0].event_id,
        format!("offer_created:offer:{}", story.offer)
    );
    assert_eq!(found["offer_accepted"][0].payload["offer"]["status"], "Accepted");
    assert_eq!(found["offer_accepted"][0].payload["candidate"]["first_name"], "Hanna");
    assert_eq!(
        found["new_candidate"][0].payload["candidate"]["educations"][0]["discipline"],
        "Mathematics"
    );

    // Nothing happened since: the next polls (overlapping the last window) emit nothing again.
    for t in TRIGGERS {
        let batch = h.poll(t, json!(null), cursors.get(t).cloned(), an_hour_ago()).await;
        assert!(batch.events.is_empty(), "{t} emitted again: {:?}", batch.events);
    }
}

#[tokio::test]
async fn stage_change_params_filter_by_stage_names() {
    let h = Harness::start().await;
    let start = h
        .poll("application_stage_changed", json!(null), None, an_hour_ago())
        .await
        .cursor;
    tick().await;
    play_story(&h);
    tick().await;
    let poll = |params: Value| {
        let cursor = start.clone();
        let h = &h;
        async move {
            h.poll("application_stage_changed", params, Some(cursor), an_hour_ago())
                .await
                .events
                .len()
        }
    };
    assert_eq!(poll(json!({"to_stage": "Onsite"})).await, 1);
    assert_eq!(
        poll(json!({"from_stage": "phone screen", "to_stage": "Onsite"})).await,
        1
    );
    assert_eq!(poll(json!({"from_stage": "Offer"})).await, 0);
    use hirewire_sdk::PollRequest;
    let bad = h
        .conn
        .poll(PollRequest {
            trigger: "application_stage_changed".into(),
            params: json!({"to_stag": "Onsite"}),
            cursor: None,
            since: an_hour_ago(),
            now: chrono::Utc::now(),
        })
        .await
        .unwrap_err();
    assert_eq!(bad.field.as_deref(), Some("to_stag"), "{bad}");
}

#[tokio::test]
async fn backfill_of_10000_candidates_stays_under_the_rate_limit() {
    let h = Harness::with(
        FakeSettings {
            rate_limit: 8,
            window_secs: 2,
            ..FakeSettings::default()
        },
        json!({}),
    )
    .await;
    bulk_candidates(&mut h.fake.state.lock(), 7, 10_000);
    let started = Instant::now();
    let batch = h.poll("new_candidate", json!(null), None, an_hour_ago()).await;
    let elapsed = started.elapsed();
    let ids: HashSet<&str> = batch.events.iter().map(|e| e.event_id.as_str()).collect();
    assert_eq!(ids.len(), 10_004);
    assert_eq!(batch.events.len(), 10_004);
    assert!(
        batch.events.windows(2).all(|w| w[0].occurred_at <= w[1].occurred_at),
        "oldest first"
    );
    let counters = h.fake.state.lock().counters.clone();
    println!(
        "backfill: {} events, {} API requests, {} token requests, {} throttled (429), {:?} (limit 8 per 2 s)",
        batch.events.len(),
        counters.requests,
        counters.token_requests,
        counters.throttled,
        elapsed
    );
    assert_eq!(counters.throttled, 0);
    assert!(counters.requests > 8, "the sync needed more than one window");
}

#[tokio::test]
async fn connections_sharing_a_credential_share_one_budget() {
    let h = Harness::with(
        FakeSettings {
            rate_limit: 6,
            window_secs: 2,
            ..FakeSettings::default()
        },
        json!({}),
    )
    .await;
    let other = connect(settings_for(&h.server, json!({})));
    let job = h.job("Designer");
    let cx = hirewire_sdk::ActionContext::ad_hoc("t");
    let mut calls = Vec::new();
    for n in 0..16 {
        let conn = if n % 2 == 0 { &h.conn } else { &other };
        calls.push(conn.run_action("get_job", json!({"id": job}), &cx));
    }
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let counters = h.fake.state.lock().counters.clone();
    println!(
        "shared budget: {} requests, {} throttled",
        counters.requests, counters.throttled
    );
    assert_eq!(counters.throttled, 0);
}

#[tokio::test]
async fn records_created_while_a_poll_is_paging_come_in_the_next_poll_exactly_once() {
    let h = Harness::start().await;
    bulk_candidates(&mut h.fake.state.lock(), 7, 1200);
    h.fake.faults.add(FaultRule {
        path_prefix: "/v3/candidates".into(),
        delay_ms: Some(300),
        count: Some(3),
        ..FaultRule::default()
    });
    let state = h.fake.state.clone();
    let writer = tokio::spawn(async move {
        let mut made = Vec::new();
        for round in 0..3 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let c = state.lock().add_candidate(&candidate(
                &format!("Late{round}"),
                &format!("late{round}@work.example"),
            ));
            made.push(c["id"].as_i64().unwrap());
        }
        made
    });
    let first = h.poll("new_candidate", json!(null), None, an_hour_ago()).await;
    let late = writer.await.unwrap();
    tick().await;
    let second = h
        .poll("new_candidate", json!(null), Some(first.cursor.clone()), an_hour_ago())
        .await;
    let third = h
        .poll("new_candidate", json!(null), Some(second.cursor.clone()), an_hour_ago())
        .await;
    let first_ids: HashSet<Option<i64>> = first.events.iter().map(|e| e.candidate_id).collect();
    let second_ids: Vec<Option<i64>> = second.events.iter().map(|e| e.candidate_id).collect();
    assert_eq!(first.events.len(), 1204);
    assert!(late.iter().all(|id| !first_ids.contains(&Some(*id))));
    assert_eq!(second_ids, late.iter().map(|id| Some(*id)).collect::<Vec<_>>());
    assert!(third.events.is_empty());
}
