//! The fake behaves as the reference says Harvest v3 does.

use serde_json::{Value, json};

use super::super::client::next_link;
use super::super::fake::state::FakeSettings;
use super::Harness;

async fn token(h: &Harness) -> String {
    let client = hirewire_sdk::HttpClient::default();
    let answer: Value = client
        .client()
        .post(format!("{}/token", h.server.url()))
        .basic_auth("sandbox-client", Some("sandbox-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(answer["expires_at"].as_str().unwrap().ends_with('Z'), "{answer}");
    answer["access_token"].as_str().unwrap().to_owned()
}

async fn get(h: &Harness, token: &str, path_and_query: &str) -> reqwest::Response {
    hirewire_sdk::HttpClient::default()
        .client()
        .get(format!("{}{path_and_query}", h.server.url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn lists_are_bare_arrays_ids_descending_with_next_links_only() {
    let h = Harness::start().await;
    let t = token(&h).await;
    let first = get(&h, &t, "/v3/candidates?per_page=2").await;
    assert_eq!(first.status(), 200);
    for header in ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"] {
        assert!(first.headers().contains_key(header), "missing {header}");
    }
    let link = next_link(first.headers()).expect("a next link");
    assert!(
        !first.headers()[reqwest::header::LINK]
            .to_str()
            .unwrap()
            .contains("last")
    );
    let page1: Vec<Value> = first.json().await.unwrap();
    assert_eq!(page1.len(), 2);
    assert!(page1[0]["id"].as_i64() > page1[1]["id"].as_i64());
    let second = hirewire_sdk::HttpClient::default()
        .client()
        .get(&link)
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    let page2: Vec<Value> = second.json().await.unwrap();
    assert!(page2[0]["id"].as_i64() < page1[1]["id"].as_i64());
}

#[tokio::test]
async fn cursor_mixed_with_params_and_bad_queries_are_422() {
    let h = Harness::start().await;
    let t = token(&h).await;
    let first = get(&h, &t, "/v3/candidates?per_page=1").await;
    let link = next_link(first.headers()).unwrap();
    let mixed = hirewire_sdk::HttpClient::default()
        .client()
        .get(format!("{link}&per_page=5"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(mixed.status(), 422);
    let body: Value = mixed.json().await.unwrap();
    assert_eq!(
        body,
        json!({"errors": ["When passing a cursor, do not include other query params."]})
    );
    assert_eq!(get(&h, &t, "/v3/candidates?per_page=501").await.status(), 422);
    assert_eq!(get(&h, &t, "/v3/candidates?per_page=0").await.status(), 422);
    let both = "/v3/candidates?created_at=gte|2020-01-01T00:00:00Z&updated_at=gte|2020-01-01T00:00:00Z";
    assert_eq!(get(&h, &t, both).await.status(), 422);
    let ids: Vec<String> = (1..=51).map(|i| i.to_string()).collect();
    assert_eq!(
        get(&h, &t, &format!("/v3/candidates?ids={}", ids.join(",")))
            .await
            .status(),
        422
    );
}

#[tokio::test]
async fn both_date_filter_syntaxes_select_the_same_records() {
    let h = Harness::start().await;
    let t = token(&h).await;
    let pipe: Vec<Value> = get(
        &h,
        &t,
        "/v3/applications?updated_at=gte|2020-01-01T00:00:00Z|lte|2100-01-01T00:00:00Z",
    )
    .await
    .json()
    .await
    .unwrap();
    let bracket: Vec<Value> = get(
        &h,
        &t,
        "/v3/applications?updated_at[gte]=2020-01-01T00:00:00Z&updated_at[lte]=2100-01-01T00:00:00Z",
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(pipe.len(), 4);
    assert_eq!(pipe, bracket);
    let none: Vec<Value> = get(&h, &t, "/v3/applications?updated_at=lt|2020-01-01T00:00:00Z")
        .await
        .json()
        .await
        .unwrap();
    assert!(none.is_empty());
}

#[tokio::test]
async fn missing_or_expired_tokens_get_401() {
    let h = Harness::with(
        FakeSettings {
            token_ttl_secs: 0.2,
            ..FakeSettings::default()
        },
        json!({}),
    )
    .await;
    assert_eq!(get(&h, "nope", "/v3/jobs").await.status(), 401);
    let t = token(&h).await;
    assert_eq!(get(&h, &t, "/v3/jobs").await.status(), 200);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(get(&h, &t, "/v3/jobs").await.status(), 401);
}

#[tokio::test]
async fn lists_need_a_site_admin_sub() {
    let h = Harness::start().await;
    let viewer = h
        .fake
        .state
        .lock()
        .find_by("users", "primary_email", &json!("viewer@acme.example"))[0]["id"]
        .as_i64()
        .unwrap();
    let answer: Value = hirewire_sdk::HttpClient::default()
        .client()
        .post(format!("{}/token", h.server.url()))
        .basic_auth("sandbox-client", Some("sandbox-secret"))
        .form(&[("grant_type", "client_credentials"), ("sub", &viewer.to_string())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let response = get(&h, answer["access_token"].as_str().unwrap(), "/v3/candidates").await;
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn the_fixed_window_answers_429_with_retry_after() {
    let h = Harness::with(
        FakeSettings {
            rate_limit: 3,
            window_secs: 30,
            ..FakeSettings::default()
        },
        json!({}),
    )
    .await;
    let t = token(&h).await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(get(&h, &t, "/v3/jobs").await);
    }
    let last = statuses.pop().unwrap();
    assert!(statuses.iter().all(|r| r.status() == 200));
    assert_eq!(statuses[2].headers()["x-ratelimit-remaining"], "0");
    assert_eq!(last.status(), 429);
    let wait: u64 = last.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=30).contains(&wait));
    assert_eq!(h.fake.state.lock().counters.throttled, 1);
}

#[tokio::test]
async fn mounted_under_greenhouse_the_control_api_links_and_faults_work() {
    use std::sync::Arc;

    use hirewire_sdk::fake::{FakeOptions, TestServer};
    use hirewire_sdk::{ActionContext, Connection as _};

    use super::super::fake::GreenhouseFake;
    use super::{WEBHOOK_SECRET, an_hour_ago, connect, settings_for};

    let fake = GreenhouseFake::new(
        &FakeOptions {
            seed: 3,
            public_url: String::new(),
        },
        FakeSettings::default(),
    );
    let server = TestServer::start(axum::Router::new().nest("/greenhouse", fake.router())).await;
    let base = format!("{}/greenhouse", server.url());
    let http = hirewire_sdk::HttpClient::default();
    let post = |path: &str, body: Value| http.client().post(format!("{base}{path}")).json(&body).send();

    let bulk: Value = post("/_control/bulk", json!({"kind": "candidates", "count": 600}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(bulk["count"], 600);
    let conn = Arc::new(connect(settings_for(
        &server,
        json!({"base_url": base, "auth_url": format!("{base}/token")}),
    )));
    let batch = conn
        .poll(hirewire_sdk::PollRequest {
            trigger: "new_candidate".into(),
            params: Value::Null,
            cursor: None,
            since: an_hour_ago(),
            now: chrono::Utc::now(),
        })
        .await
        .unwrap();
    assert_eq!(
        batch.events.len(),
        604,
        "followed the next link through the mount point"
    );

    let candidate: Value = post(
        "/_control/candidates",
        json!({"first_name": "Via", "last_name": "Control",
        "email_addresses": [{"value": "via@work.example", "type": "work"}]}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let job = fake.state.lock().find_by("jobs", "name", &json!("Designer"))[0]["id"].clone();
    let app: Value = post(
        "/_control/applications",
        json!({"candidate_id": candidate["id"], "job_id": job}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let app_id = app["id"].as_i64().unwrap();
    let moved: Value = post(
        &format!("/_control/applications/{app_id}/move"),
        json!({"to_stage_name": "Onsite"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(moved["stage_name"], "Onsite");
    let offer: Value = post(
        "/_control/offers",
        json!({"application_id": app_id, "starts_on": "2027-05-03"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(offer["status"], "Created");
    let hired: Value = post(&format!("/_control/applications/{app_id}/hire"), json!({}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(hired["status"], "hired");

    // A receiver that verifies deliveries with the connection.
    let receiver_conn = conn.clone();
    let receiver = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
            let conn = receiver_conn.clone();
            async move {
                match conn.decode_webhook(&headers, &body) {
                    Ok(events) if events.len() == 1 && events[0].event.trigger == "candidate_hired" => {
                        axum::http::StatusCode::OK
                    }
                    Ok(_) => axum::http::StatusCode::BAD_REQUEST,
                    Err(_) => axum::http::StatusCode::UNAUTHORIZED,
                }
            }
        }),
    );
    let receiver = TestServer::start(receiver).await;
    let sent: Value = post(
        "/_control/webhooks",
        json!({"url": format!("{}/hook", receiver.url()), "secret": WEBHOOK_SECRET,
        "action": "hire_candidate", "id": app_id, "event_id": "gh-evt-1", "deliveries": 2}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(sent, json!({"event_id": "gh-evt-1", "statuses": [200, 200]}));

    let settings: Value = post("/_control/settings", json!({"rate_limit": 50, "window_secs": 3}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (settings["rate_limit"].clone(), settings["window_secs"].clone()),
        (json!(50), json!(3))
    );
    let status = post(
        "/_control/faults",
        json!({"path_prefix": "/v3/jobs", "status": 503, "count": 1}),
    )
    .await
    .unwrap()
    .status();
    assert_eq!(status, 204);
    let out = conn
        .run_action("get_job", json!({"id": job}), &ActionContext::ad_hoc("t"))
        .await
        .unwrap();
    assert_eq!(out["name"], "Designer");
    let log: Value = http
        .client()
        .get(format!("{base}/_control/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(log["counters"]["requests"].as_u64().unwrap() >= 3);
    assert_eq!(log["counters"]["throttled"], 0);
    let statuses: Vec<u64> = log["log"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["path"] == "/v3/jobs")
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(
        statuses,
        vec![200],
        "the injected 503 never reached the API log; the retry did"
    );
}
