//! Configuration, tokens (client credentials, API key, renewal) and secrets staying secret.

use std::time::Duration;

use hirewire_sdk::fake::FaultRule;
use hirewire_sdk::{Connection as _, ConnectionSettings, ErrorKind, HttpClient};
use serde_json::json;

use super::super::config::Settings;
use super::super::connection::GreenhouseConnection;
use super::super::fake::seed::bulk_candidates;
use super::super::fake::state::FakeSettings;
use super::{Harness, an_hour_ago, connect, settings_for};

#[test]
fn config_errors_name_the_field_and_never_the_secret() {
    let base = json!({"client_id": "abc", "client_secret": "s3cr3t-value", "user_email": "ops@acme.example"});
    let err = |v: serde_json::Value| Settings::from_value(v).expect_err("invalid");
    let mut v = base.clone();
    v["client_secrett"] = json!("s3cr3t-value");
    let e = err(v);
    assert_eq!(e.field, "client_secrett");
    assert!(!e.to_string().contains("s3cr3t-value"));
    let mut v = base.clone();
    v["client_secret"] = json!(12345);
    let e = err(v);
    assert_eq!(
        (e.field.as_str(), e.message.as_str()),
        ("client_secret", "has the wrong type")
    );
    let mut v = base.clone();
    v.as_object_mut().unwrap().remove("client_secret");
    assert_eq!(err(v).field, "client_secret");
    let mut v = base.clone();
    v["environment"] = json!("staging");
    assert_eq!(err(v).field, "environment");
    let mut v = base.clone();
    v["base_url"] = json!("ftp://x");
    assert_eq!(err(v).field, "base_url");
    let e = err(json!({"user_email": "ops@acme.example"}));
    assert_eq!(e.field, "client_id");
    let ok = Settings::from_value(base).unwrap();
    assert_eq!(ok.base_url, "https://harvest.greenhouse.io");
    assert_eq!(ok.auth_url, "https://auth.greenhouse.io/token");
    assert!(!format!("{ok:?}").contains("s3cr3t-value"));
}

#[tokio::test]
async fn token_is_minted_with_sub_of_user_email_and_cached() {
    let h = Harness::start().await;
    for _ in 0..3 {
        h.conn
            .run_action(
                "get_job",
                json!({"id": h.job("Engineering Manager")}),
                &hirewire_sdk::ActionContext::ad_hoc("t"),
            )
            .await
            .ok();
    }
    let s = h.fake.state.lock();
    // One token without sub (for the user lookup), one with the user's id as sub; then cached.
    assert_eq!(s.counters.token_requests, 2);
    let subs: Vec<Option<i64>> = s.tokens.values().map(|g| g.sub).collect();
    let admin = s.find_by("users", "primary_email", &json!("recruiting-ops@acme.example"))[0]["id"].as_i64();
    assert!(subs.contains(&admin), "{subs:?}");
    assert_eq!(
        s.log.iter().filter(|r| r.path == "/v3/users").count(),
        1,
        "user looked up once"
    );
}

#[tokio::test]
async fn secondary_email_resolves_through_user_emails() {
    let h = Harness::start().await;
    let c = connect(settings_for(&h.server, json!({"user_email": "nia.alias@acme.example"})));
    let id = c.client.acting_user_id().await.unwrap();
    let viewer = h
        .fake
        .state
        .lock()
        .find_by("users", "primary_email", &json!("viewer@acme.example"))[0]["id"]
        .as_i64();
    assert_eq!(Some(id), viewer);
    assert_eq!(h.requests_to("/v3/user_emails").len(), 1);
}

#[tokio::test]
async fn api_key_is_exchanged_for_a_v3_token_and_expires_in_is_accepted() {
    let settings = FakeSettings {
        token_expiry_field: "expires_in".into(),
        ..FakeSettings::default()
    };
    let h = Harness::with(
        settings,
        json!({"client_id": null, "client_secret": null, "api_key": "sandbox-api-key"}),
    )
    .await;
    let job = h
        .conn
        .run_action(
            "get_job",
            json!({"id": h.job("Engineering Manager")}),
            &hirewire_sdk::ActionContext::ad_hoc("t"),
        )
        .await
        .unwrap();
    assert_eq!(job["name"], "Engineering Manager");
    assert_eq!(h.fake.state.lock().counters.token_requests, 1);
}

#[tokio::test]
async fn wrong_credentials_are_auth_errors_without_the_secret() {
    let h = Harness::start().await;
    let c = connect(settings_for(&h.server, json!({"client_secret": "very-wrong-secret"})));
    let e = c
        .run_action(
            "get_job",
            json!({"id": h.job("Engineering Manager")}),
            &hirewire_sdk::ActionContext::ad_hoc("t"),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Auth);
    assert_eq!(e.status, Some(401));
    assert!(e.message.contains("invalid_client"), "{e}");
    assert!(!e.to_string().contains("very-wrong-secret"));
    assert!(!format!("{e:?}").contains("very-wrong-secret"));
}

#[tokio::test]
async fn token_expiring_mid_sync_is_renewed_without_losing_the_page() {
    let h = Harness::with(
        FakeSettings {
            token_ttl_secs: 1.0,
            ..FakeSettings::default()
        },
        json!({}),
    )
    .await;
    bulk_candidates(&mut h.fake.state.lock(), 7, 1200);
    h.fake.faults.add(FaultRule {
        path_prefix: "/v3/candidates".into(),
        delay_ms: Some(450),
        count: Some(3),
        ..FaultRule::default()
    });
    let batch = h.poll("new_candidate", json!(null), None, an_hour_ago()).await;
    assert_eq!(batch.events.len(), 1204);
    let s = h.fake.state.lock();
    assert!(s.counters.token_requests >= 3, "renewed: {:?}", s.counters);
    // Renewed ahead of expiry; a request held up in flight past the expiry may still meet one 401.
    assert!(s.counters.unauthorized <= 1, "{:?}", s.counters);
    let first_pages = s
        .log
        .iter()
        .filter(|r| r.path == "/v3/candidates" && r.query.contains("created_at"))
        .count();
    assert_eq!(first_pages, 1, "the listing never restarted");
}

#[tokio::test]
async fn token_revoked_mid_sync_is_renewed_once_and_the_same_page_retried() {
    let h = Harness::start().await;
    bulk_candidates(&mut h.fake.state.lock(), 7, 1200);
    h.fake.faults.add(FaultRule {
        path_prefix: "/v3/candidates".into(),
        delay_ms: Some(500),
        count: Some(3),
        ..FaultRule::default()
    });
    let state = h.fake.state.clone();
    // Revoke every token once the first page has been served, while the second is held up.
    let revoke = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(10)).await;
            let mut s = state.lock();
            if s.log.iter().any(|r| r.path == "/v3/candidates" && r.status == 200) {
                s.tokens.clear();
                break;
            }
        }
    });
    let batch = h.poll("new_candidate", json!(null), None, an_hour_ago()).await;
    revoke.await.unwrap();
    let ids: std::collections::HashSet<_> = batch.events.iter().map(|e| e.event_id.clone()).collect();
    assert_eq!(ids.len(), 1204);
    let s = h.fake.state.lock();
    assert_eq!(s.counters.unauthorized, 1, "{:?}", s.counters);
    let pages: Vec<_> = s
        .log
        .iter()
        .filter(|r| r.path == "/v3/candidates")
        .map(|r| (r.query.clone(), r.status))
        .collect();
    assert_eq!(
        pages.iter().filter(|(q, _)| q.contains("created_at")).count(),
        1,
        "{pages:?}"
    );
    let retried = &pages[1];
    assert_eq!(retried.1, 401);
    assert_eq!(pages[2].0, retried.0, "the same cursor was retried");
}

#[tokio::test]
async fn connection_debug_and_settings_hide_secrets() {
    let h = Harness::start().await;
    let conn = GreenhouseConnection::from_settings(ConnectionSettings {
        name: "gh".into(),
        config: settings_for(&h.server, json!({})),
        http: HttpClient::default(),
        cluster: hirewire_sdk::ClusterView::default(),
    })
    .unwrap();
    let shown = format!("{:?} {:?}", conn.settings, conn.settings.credential);
    assert!(
        !shown.contains("sandbox-secret") && !shown.contains(super::WEBHOOK_SECRET),
        "{shown}"
    );
}
