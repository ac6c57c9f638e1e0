//! Each action against the fake, and one test per error class.

use hirewire_sdk::fake::FaultRule;
use hirewire_sdk::{ActionContext, ActionError, CheckItem, Connection as _, ErrorKind};
use serde_json::{Value, json};

use super::super::fake::state::FakeSettings;
use super::{Harness, connect, settings_for};

async fn run(h: &Harness, action: &str, input: Value) -> Result<Value, ActionError> {
    h.conn.run_action(action, input, &ActionContext::ad_hoc("step")).await
}

fn a_candidate(h: &Harness) -> (i64, String) {
    let s = h.fake.state.lock();
    let c = s.table("candidates").unwrap().values().next().unwrap().clone();
    (
        c["id"].as_i64().unwrap(),
        c["email_addresses"][0]["value"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn get_candidate_returns_emails_and_educations_by_name() {
    let h = Harness::start().await;
    let (id, email) = a_candidate(&h);
    let c = run(&h, "get_candidate", json!({"id": id})).await.unwrap();
    assert_eq!(c["id"], id);
    assert_eq!(c["email_addresses"][0]["value"], email.as_str());
    assert_eq!(c["email_addresses"][0]["type"], "work");
    assert!(
        c["educations"][0]["degree"].is_string() && c["educations"][0]["school_name"].is_string(),
        "{c}"
    );
}

#[tokio::test]
async fn find_candidates_by_email_or_tag() {
    let h = Harness::start().await;
    let (id, email) = a_candidate(&h);
    let found = run(&h, "find_candidates", json!({"email": email.to_uppercase()}))
        .await
        .unwrap();
    assert_eq!(found["candidates"].as_array().unwrap().len(), 1);
    assert_eq!(found["candidates"][0]["id"], id);
    run(&h, "add_tag", json!({"candidate_id": id, "tag": "Boomerang"}))
        .await
        .unwrap();
    let tagged = run(&h, "find_candidates", json!({"tag": "Boomerang"})).await.unwrap();
    assert_eq!(tagged["candidates"][0]["id"], id);
    let none = run(&h, "find_candidates", json!({"email": "nobody@nowhere.example"}))
        .await
        .unwrap();
    assert_eq!(none, json!({"candidates": []}));
    let e = run(&h, "find_candidates", json!({})).await.unwrap_err();
    assert_eq!((e.kind, e.field.as_deref()), (ErrorKind::InvalidInput, Some("email")));
}

#[tokio::test]
async fn update_candidate_changes_fields_and_custom_fields() {
    let h = Harness::start().await;
    let (id, _) = a_candidate(&h);
    let out = run(
        &h,
        "update_candidate",
        json!({"id": id, "title": "Director", "custom_fields": {"desired_salary": "120000"}}),
    )
    .await
    .unwrap();
    assert_eq!(out["title"], "Director");
    assert_eq!(out["custom_fields"]["desired_salary"]["value"], "120000");
    let stored = h.fake.state.lock().get("candidates", id).unwrap().clone();
    assert_eq!(stored["title"], "Director");
    let patches = h.fake.state.lock().log.iter().filter(|r| r.method == "PATCH").count();
    assert_eq!(patches, 1);
    let e = run(&h, "update_candidate", json!({"id": id})).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidInput);
    let e = run(&h, "update_candidate", json!({"id": id, "titel": "x"}))
        .await
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("titel"), "{e}");
}

#[tokio::test]
async fn add_note_posts_once_as_the_connection_user() {
    let h = Harness::start().await;
    let (id, _) = a_candidate(&h);
    let input = json!({"candidate_id": id, "body": "Signed the offer.", "visibility": "private"});
    let first = run(&h, "add_note", input.clone()).await.unwrap();
    assert_eq!(first["created"], true);
    let again = run(&h, "add_note", input).await.unwrap();
    assert_eq!(again, json!({"id": first["id"], "created": false}));
    let notes = h.fake.state.lock().find_by("notes", "candidate_id", &json!(id));
    assert_eq!(notes.len(), 1, "nothing sent twice");
    assert_eq!(notes[0]["visibility"], "privately_visible");
    assert_eq!(
        notes[0]["user_id"].as_i64(),
        Some(h.user("recruiting-ops@acme.example"))
    );
    let e = run(
        &h,
        "add_note",
        json!({"candidate_id": id, "body": "x", "visibility": "secret"}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("visibility"));
}

#[tokio::test]
async fn add_tag_creates_a_missing_tag_then_applies_it_once() {
    let h = Harness::start().await;
    let (id, _) = a_candidate(&h);
    let first = run(&h, "add_tag", json!({"candidate_id": id, "tag": "Silver Medalist"}))
        .await
        .unwrap();
    assert_eq!(
        (first["tag_created"].clone(), first["applied"].clone()),
        (json!(true), json!(true))
    );
    let again = run(&h, "add_tag", json!({"candidate_id": id, "tag": "silver medalist"}))
        .await
        .unwrap();
    assert_eq!(
        again,
        json!({"tag_id": first["tag_id"], "tag_created": false, "applied": false})
    );
    let s = h.fake.state.lock();
    assert_eq!(s.find_by("candidate_tags", "name", &json!("Silver Medalist")).len(), 1);
    assert_eq!(s.find_by("applied_candidate_tags", "candidate_id", &json!(id)).len(), 1);
    assert!(
        s.get("candidates", id).unwrap()["tags"]
            .as_array()
            .unwrap()
            .contains(&json!("Silver Medalist"))
    );
}

#[tokio::test]
async fn get_application_and_get_job() {
    let h = Harness::start().await;
    let app = h
        .fake
        .state
        .lock()
        .table("applications")
        .unwrap()
        .values()
        .last()
        .unwrap()
        .clone();
    let out = run(&h, "get_application", json!({"id": app["id"]})).await.unwrap();
    assert_eq!(out["candidate_id"], app["candidate_id"]);
    assert_eq!(out["stage_name"], app["stage_name"]);
    assert!(out["stage_name"].is_string());
    let job = run(&h, "get_job", json!({"id": app["job_id"]})).await.unwrap();
    assert_eq!(job["id"], app["job_id"]);
    assert!(job["name"].is_string());
}

#[tokio::test]
async fn find_user_by_primary_and_secondary_email() {
    let h = Harness::start().await;
    let ada = run(&h, "find_user", json!({"email": "ada.lacey@acme.example"}))
        .await
        .unwrap();
    assert_eq!(ada["user"]["name"], "Ada Lacey");
    let alias = run(&h, "find_user", json!({"email": "nia.alias@acme.example"}))
        .await
        .unwrap();
    assert_eq!(alias["user"]["primary_email"], "viewer@acme.example");
    let none = run(&h, "find_user", json!({"email": "ghost@acme.example"}))
        .await
        .unwrap();
    assert_eq!(none, json!({"user": null}));
}

#[tokio::test]
async fn find_interviews_by_range_and_status_with_interviewers() {
    let h = Harness::start().await;
    let day =
        json!({"starts_after": "2026-12-01T00:00:00Z", "starts_before": "2026-12-02T00:00:00Z", "status": "scheduled"});
    let out = run(&h, "find_interviews", day).await.unwrap();
    let interviews = out["interviews"].as_array().unwrap();
    assert_eq!(interviews.len(), 3);
    let emails: Vec<&str> = interviews[0]["interviewers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, vec!["ada.lacey@acme.example", "carl.buddha@acme.example"]);
    assert_eq!(interviews[0]["interviewers"][0]["name"], "Ada Lacey");
    let other_day = json!({"starts_after": "2026-12-02T00:00:00Z", "starts_before": "2026-12-03T00:00:00Z"});
    assert_eq!(
        run(&h, "find_interviews", other_day).await.unwrap()["interviews"],
        json!([])
    );
    let done =
        json!({"starts_after": "2026-12-01T00:00:00Z", "starts_before": "2026-12-02T00:00:00Z", "status": "complete"});
    assert_eq!(run(&h, "find_interviews", done).await.unwrap()["interviews"], json!([]));
}

#[tokio::test]
async fn error_401_after_one_renewal_is_auth() {
    let h = Harness::start().await;
    // Every token is refused: one renewal, then the 401 is reported with Greenhouse's message.
    h.fake.faults.add(FaultRule {
        path_prefix: "/v3/jobs".into(),
        status: Some(401),
        count: Some(2),
        ..FaultRule::default()
    });
    let e = run(&h, "get_job", json!({"id": h.job("Designer")})).await.unwrap_err();
    assert_eq!((e.kind, e.status), (ErrorKind::Auth, Some(401)));
    assert!(e.message.contains("GET /v3/jobs"), "{e}");
    assert_eq!(
        h.fake.state.lock().counters.token_requests,
        3,
        "renewed once after the first 401"
    );
}

#[tokio::test]
async fn error_403_names_the_missing_scope() {
    let settings = FakeSettings {
        denied_scopes: vec!["harvest:candidates:list".into()],
        ..FakeSettings::default()
    };
    let h = Harness::with(settings, json!({})).await;
    let e = run(&h, "get_candidate", json!({"id": 1})).await.unwrap_err();
    assert_eq!((e.kind, e.status), (ErrorKind::Auth, Some(403)));
    assert!(e.message.contains("Missing scope: harvest:candidates:list"), "{e}");
}

#[tokio::test]
async fn error_404_is_not_found() {
    let h = Harness::start().await;
    let e = run(&h, "update_candidate", json!({"id": 424242, "title": "x"}))
        .await
        .unwrap_err();
    assert_eq!((e.kind, e.status), (ErrorKind::NotFound, Some(404)));
    assert!(e.message.contains("Resource not found"), "{e}");
    let e = run(&h, "get_candidate", json!({"id": 424242})).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    assert_eq!(
        (e.field.as_deref(), e.message.as_str()),
        (Some("id"), "candidate 424242 does not exist")
    );
}

#[tokio::test]
async fn error_422_keeps_greenhouse_s_message() {
    let h = Harness::start().await;
    let e = h
        .conn
        .client
        .list::<Value>("/v3/candidates", &[("cursor".into(), "abc".into())])
        .await
        .unwrap_err();
    assert_eq!((e.kind, e.status), (ErrorKind::InvalidInput, Some(422)));
    assert!(
        e.message
            .ends_with("When passing a cursor, do not include other query params."),
        "{e}"
    );
}

#[tokio::test]
async fn error_429_waits_retry_after_then_gives_up_as_rate_limited() {
    let h = Harness::start().await;
    let job = h.job("Designer");
    h.fake.faults.add(FaultRule {
        path_prefix: "/v3/jobs".into(),
        status: Some(429),
        retry_after: Some(1),
        count: Some(1),
        ..FaultRule::default()
    });
    let started = std::time::Instant::now();
    run(&h, "get_job", json!({"id": job})).await.unwrap();
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(900),
        "Retry-After honoured"
    );
    h.fake.faults.add(FaultRule {
        path_prefix: "/v3/jobs".into(),
        status: Some(429),
        retry_after: Some(0),
        count: Some(20),
        ..FaultRule::default()
    });
    let e = run(&h, "get_job", json!({"id": job})).await.unwrap_err();
    assert_eq!((e.kind, e.status), (ErrorKind::RateLimited, Some(429)));
    assert!(e.is_transient());
}

#[tokio::test]
async fn error_5xx_and_dropped_connections_are_retried_then_transient() {
    let h = Harness::start().await;
    let job = h.job("Designer");
    h.fake.faults.add(FaultRule {
        path_prefix: "/v3/jobs".into(),
        status: Some(503),
        count: Some(2),
        ..FaultRule::default()
    });
    run(&h, "get_job", json!({"id": job})).await.unwrap();
    h.fake.faults.add(FaultRule {
        path_prefix: "/v3/jobs".into(),
        drop: true,
        count: Some(1),
        ..FaultRule::default()
    });
    run(&h, "get_job", json!({"id": job})).await.unwrap();
    h.fake.faults.add(FaultRule {
        path_prefix: "/v3/jobs".into(),
        status: Some(500),
        count: Some(10),
        ..FaultRule::default()
    });
    let e = run(&h, "get_job", json!({"id": job})).await.unwrap_err();
    assert_eq!((e.kind, e.status), (ErrorKind::Transient, Some(500)));
    assert!(e.message.contains("injected fault 500"), "{e}");
}

#[tokio::test]
async fn check_reports_each_permission_and_what_is_missing() {
    let settings = FakeSettings {
        denied_scopes: vec!["harvest:users:list".into()],
        ..FakeSettings::default()
    };
    let h = Harness::with(settings, json!({})).await;
    // Without harvest:users:list the user_email cannot be resolved: the check stops there and says why.
    let items = h.conn.check().await;
    let by_name = |n: &str| items.iter().find(|i| i.what == n).cloned();
    assert!(by_name("credentials").unwrap().ok);
    let lookup = by_name("user lookup").unwrap();
    assert!(
        !lookup.ok
            && lookup
                .detail
                .starts_with("403 — the credential lacks harvest:users:list"),
        "{items:?}"
    );
    assert_eq!(items.len(), 2);

    let h = Harness::start().await;
    h.fake.state.lock().settings.denied_scopes = vec!["harvest:interviews:list".into()];
    let items: Vec<CheckItem> = h.conn.check().await;
    assert_eq!(items.len(), 8, "{items:?}");
    assert!(
        items
            .iter()
            .filter(|i| i.what != "permission: Scheduled Interviews")
            .all(|i| i.ok),
        "{items:?}"
    );
    let missing = items
        .iter()
        .find(|i| i.what == "permission: Scheduled Interviews")
        .unwrap();
    assert!(!missing.ok);
    assert!(
        missing
            .detail
            .starts_with("403 — the credential lacks harvest:interviews:list, or the user is not a Site Admin"),
        "{}",
        missing.detail
    );

    let viewer = connect(settings_for(&h.server, json!({"user_email": "viewer@acme.example"})));
    let items = viewer.check().await;
    assert!(
        items
            .iter()
            .filter(|i| i.what.starts_with("permission:"))
            .all(|i| !i.ok && i.detail.contains("Site Admin")),
        "{items:?}"
    );
    let wrong = connect(settings_for(&h.server, json!({"client_secret": "nope-secret"})));
    let items = wrong.check().await;
    assert_eq!(items.len(), 1);
    assert!(!items[0].ok && items[0].detail.contains("invalid_client") && !items[0].detail.contains("nope-secret"));
}
