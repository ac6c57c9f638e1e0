//! Webhook deliveries: signatures over the raw body, the real example payloads, redeliveries
//! and the same event id by webhook and by poll.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hirewire_sdk::webhook::sign_hmac_sha256_hex;
use hirewire_sdk::{Connection, TestServer, WebhookError, WebhookEvent};
use serde_json::{Value, json};

use super::super::connection::GreenhouseConnection;
use super::super::fake::webhook_sender::{deliver, webhook_body};
use super::{Harness, WEBHOOK_SECRET, an_hour_ago, connect, settings_for, tick};

const NEW_APPLICATION: &[u8] = include_bytes!("fixtures/webhook_new_candidate_application.json");
const STAGE_CHANGE: &[u8] = include_bytes!("fixtures/webhook_candidate_stage_change.json");
const INTERVIEW_DELETED: &[u8] = include_bytes!("fixtures/webhook_interview_deleted.json");

fn signed(body: &[u8], secret: &str, event_id: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        "signature",
        format!("sha256 {}", sign_hmac_sha256_hex(secret.as_bytes(), body))
            .parse()
            .unwrap(),
    );
    h.insert("greenhouse-event-id", event_id.parse().unwrap());
    h
}

fn decode(conn: &GreenhouseConnection, body: &[u8], headers: &HeaderMap) -> Result<Vec<WebhookEvent>, WebhookError> {
    conn.decode_webhook(headers, body)
}

#[tokio::test]
async fn real_new_candidate_application_payload_is_verified_and_normalised() {
    let h = Harness::start().await;
    let events = decode(
        &h.conn,
        NEW_APPLICATION,
        &signed(NEW_APPLICATION, WEBHOOK_SECRET, "evt-1"),
    )
    .unwrap();
    assert_eq!(events.len(), 1);
    let WebhookEvent { delivery_id, event } = &events[0];
    assert_eq!(delivery_id.as_deref(), Some("evt-1"));
    assert_eq!(event.trigger, "new_application");
    assert_eq!(event.event_id, "new_application:application:71980812");
    assert_eq!(
        (event.candidate_id, event.application_id, event.job_id),
        (Some(60304594), Some(71980812), Some(274075))
    );
    let p = &event.payload;
    assert_eq!(p["candidate"]["first_name"], "Jane");
    assert_eq!(
        p["candidate"]["email_addresses"][0],
        json!({"value": "person@work.com", "type": "work"})
    );
    assert_eq!(p["candidate"]["educations"][0]["school_name"], "Stanford University");
    assert_eq!(p["candidate"]["educations"][0]["degree"], "Bachelor's Degree");
    assert_eq!(p["application"]["stage_name"], "Preliminary Phone Screen");
    assert_eq!(p["application"]["status"], "active");
    assert_eq!(p["job"]["name"], "Data Scientist");
    // Complete without any API call: the same shape as the poll after enrichment.
    let enriched = h.conn.enrich_event(event.clone()).await.unwrap();
    assert_eq!(&enriched.payload, p);
    assert_eq!(h.fake.state.lock().counters.requests, 0);
}

#[tokio::test]
async fn real_stage_change_payload_gives_the_stage_moved_to() {
    let h = Harness::start().await;
    let events = decode(&h.conn, STAGE_CHANGE, &signed(STAGE_CHANGE, WEBHOOK_SECRET, "evt-2")).unwrap();
    let event = &events[0].event;
    assert_eq!(event.trigger, "application_stage_changed");
    assert_eq!(
        event.event_id,
        "application_stage_changed:application:265277:stage:71416"
    );
    assert_eq!(event.payload["to_stage"], json!({"id": 71416, "name": "Assessment"}));
    assert_eq!(event.payload["candidate"]["last_name"], "Hurley");
    assert_eq!(event.payload["job"]["name"], "Designer");
    assert!(super::super::triggers::stage_change_matches(
        &json!({"to_stage": "assessment"}),
        &event.payload
    ));
    assert!(!super::super::triggers::stage_change_matches(
        &json!({"to_stage": "Offer"}),
        &event.payload
    ));
}

#[tokio::test]
async fn unicode_escaped_raw_bytes_are_what_is_verified() {
    let h = Harness::start().await;
    let raw = String::from_utf8(NEW_APPLICATION.to_vec())
        .unwrap()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e");
    assert!(raw.contains("\\u003cp\\u003e"));
    let events = decode(
        &h.conn,
        raw.as_bytes(),
        &signed(raw.as_bytes(), WEBHOOK_SECRET, "evt-3"),
    )
    .unwrap();
    assert_eq!(events.len(), 1);
    // Signing the unescaped text does not verify the escaped bytes.
    let wrong = signed(NEW_APPLICATION, WEBHOOK_SECRET, "evt-3");
    assert_eq!(decode(&h.conn, raw.as_bytes(), &wrong), Err(WebhookError::BadSignature));
}

#[tokio::test]
async fn bad_signatures_are_rejected() {
    let h = Harness::start().await;
    let other_secret = signed(NEW_APPLICATION, "not-the-secret", "e");
    assert_eq!(
        decode(&h.conn, NEW_APPLICATION, &other_secret),
        Err(WebhookError::BadSignature)
    );
    let mut tampered = NEW_APPLICATION.to_vec();
    tampered[20] ^= 1;
    assert_eq!(
        decode(&h.conn, &tampered, &signed(NEW_APPLICATION, WEBHOOK_SECRET, "e")),
        Err(WebhookError::BadSignature)
    );
    assert_eq!(
        decode(&h.conn, NEW_APPLICATION, &HeaderMap::new()),
        Err(WebhookError::BadSignature)
    );
    let mut eq_form = HeaderMap::new();
    eq_form.insert(
        "signature",
        format!(
            "sha1 {}",
            sign_hmac_sha256_hex(WEBHOOK_SECRET.as_bytes(), NEW_APPLICATION)
        )
        .parse()
        .unwrap(),
    );
    assert_eq!(
        decode(&h.conn, NEW_APPLICATION, &eq_form),
        Err(WebhookError::BadSignature)
    );
    let no_secret = connect(settings_for(&h.server, json!({"webhook_secret": null})));
    assert_eq!(
        decode(
            &no_secret,
            NEW_APPLICATION,
            &signed(NEW_APPLICATION, WEBHOOK_SECRET, "e")
        ),
        Err(WebhookError::NotSupported)
    );
}

#[tokio::test]
async fn actions_without_a_trigger_and_pings_yield_no_event() {
    let h = Harness::start().await;
    assert!(
        decode(
            &h.conn,
            INTERVIEW_DELETED,
            &signed(INTERVIEW_DELETED, WEBHOOK_SECRET, "e")
        )
        .unwrap()
        .is_empty()
    );
    let ping = br#"{"web_hook_id": 1}"#;
    assert!(
        decode(&h.conn, ping, &signed(ping, WEBHOOK_SECRET, "e"))
            .unwrap()
            .is_empty()
    );
    let junk = b"not json";
    assert!(matches!(
        decode(&h.conn, junk, &signed(junk, WEBHOOK_SECRET, "e")),
        Err(WebhookError::Malformed(_))
    ));
}

type Received = Arc<Mutex<Vec<(Option<String>, String)>>>;

async fn receive(
    State((conn, seen)): State<(Arc<GreenhouseConnection>, Received)>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    match conn.decode_webhook(&headers, &body) {
        Ok(events) => {
            let mut seen = seen.lock().unwrap();
            seen.extend(events.into_iter().map(|e| (e.delivery_id, e.event.event_id)));
            StatusCode::OK
        }
        Err(WebhookError::BadSignature) => StatusCode::UNAUTHORIZED,
        Err(_) => StatusCode::BAD_REQUEST,
    }
}

#[tokio::test]
async fn a_webhook_redelivered_three_times_is_one_event_with_the_poll_s_event_id() {
    let h = Harness::start().await;
    let cursor = h.poll("candidate_hired", json!(null), None, an_hour_ago()).await.cursor;
    tick().await;
    let app = {
        let mut s = h.fake.state.lock();
        let app = s.find_by("applications", "status", &json!("active"))[0]["id"]
            .as_i64()
            .unwrap();
        s.add_offer(app, "2027-03-01");
        s.hire_application(app);
        app
    };
    let seen: Received = Arc::default();
    let receiver = axum::Router::new()
        .route("/webhooks/greenhouse", post(receive))
        .with_state((Arc::new(connect(settings_for(&h.server, json!({})))), seen.clone()));
    let receiver = TestServer::start(receiver).await;
    let body = webhook_body(&h.fake.state.lock(), "hire_candidate", app).unwrap();
    let url = format!("{}/webhooks/greenhouse", receiver.url());
    let statuses = deliver(&url, WEBHOOK_SECRET, "delivery-77", &body, 3).await;
    assert_eq!(statuses, vec![200, 200, 200]);
    assert_eq!(deliver(&url, "wrong-secret", "delivery-78", &body, 1).await, vec![401]);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3);
    let distinct: std::collections::HashSet<_> = seen.iter().cloned().collect();
    assert_eq!(distinct.len(), 1, "three deliveries of one event: {seen:?}");
    let webhook_event_id = &seen[0].1;
    assert_eq!(seen[0].0.as_deref(), Some("delivery-77"));

    // The reconciling poll names the same happening with the same id.
    tick().await;
    let polled = h
        .poll("candidate_hired", json!(null), Some(cursor), an_hour_ago())
        .await;
    assert_eq!(polled.events.len(), 1);
    assert_eq!(&polled.events[0].event_id, webhook_event_id);

    // Enriching the webhook event adds the offer and interviewers without re-reading the candidate.
    let event = decode(
        &h.conn,
        &serde_json::to_vec(&body).unwrap(),
        &signed(&serde_json::to_vec(&body).unwrap(), WEBHOOK_SECRET, "d"),
    )
    .unwrap()
    .remove(0)
    .event;
    h.fake.state.lock().log.clear();
    let enriched = h.conn.enrich_event(event).await.unwrap();
    assert_eq!(enriched.payload["offer"]["starts_on"], "2027-03-01");
    assert!(enriched.payload["interviewers"].is_array());
    let paths: Vec<String> = h.fake.state.lock().log.iter().map(|r| r.path.clone()).collect();
    assert!(!paths.contains(&"/v3/candidates".to_owned()), "{paths:?}");
    let polled_enriched = h.conn.enrich_event(polled.events[0].clone()).await.unwrap();
    let keys = |v: &Value| {
        v.as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<std::collections::BTreeSet<_>>()
    };
    assert_eq!(keys(&enriched.payload), keys(&polled_enriched.payload));
    assert_eq!(
        enriched.payload["candidate"]["educations"],
        polled_enriched.payload["candidate"]["educations"]
    );
}

#[tokio::test]
async fn offer_created_by_webhook_and_by_poll_share_the_event_id() {
    let h = Harness::start().await;
    let cursor = h.poll("offer_created", json!(null), None, an_hour_ago()).await.cursor;
    tick().await;
    let offer = {
        let mut s = h.fake.state.lock();
        let app = s.find_by("applications", "status", &json!("active"))[0]["id"]
            .as_i64()
            .unwrap();
        s.add_offer(app, "2027-02-15").unwrap()["id"].as_i64().unwrap()
    };
    tick().await;
    let body = serde_json::to_vec(&webhook_body(&h.fake.state.lock(), "offer_created", offer).unwrap()).unwrap();
    let by_webhook = decode(&h.conn, &body, &signed(&body, WEBHOOK_SECRET, "d-1"))
        .unwrap()
        .remove(0)
        .event;
    let by_poll = h
        .poll("offer_created", json!(null), Some(cursor), an_hour_ago())
        .await
        .events
        .remove(0);
    assert_eq!(by_webhook.event_id, by_poll.event_id);
    let a = h.conn.enrich_event(by_webhook).await.unwrap();
    let b = h.conn.enrich_event(by_poll).await.unwrap();
    assert_eq!(a.payload["offer"]["starts_on"], "2027-02-15");
    assert_eq!(a.payload["candidate"], b.payload["candidate"]);
    assert_eq!(a.payload["job"], b.payload["job"]);
}
