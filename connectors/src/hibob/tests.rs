//! HiBob connector tests against its fake: every action, each error class,
//! the search rate limit, 304s, read lag and secrets that never leak.

use hirewire_sdk::fake::FakeOptions;
use hirewire_sdk::{ActionContext, ActionError, Connection, ErrorKind};
use serde_json::{Value, json};

use super::HiBobConnection;
use crate::test_support::FakeServer;

const USER: &str = "SERVICE-4711";
const TOKEN: &str = "hibob-token-9c2e77";

async fn start() -> (FakeServer, HiBobConnection) {
    let fake = FakeServer::start(super::fake::router(FakeOptions::default())).await;
    fake.put("settings", json!({"service_user_id": USER, "token": TOKEN})).await;
    let connection = connect(&fake, TOKEN);
    (fake, connection)
}

fn connect(fake: &FakeServer, token: &str) -> HiBobConnection {
    let config = json!({"service_user_id": USER, "token": token, "base_url": fake.url()});
    HiBobConnection::from_settings(FakeServer::settings("hibob", config)).unwrap()
}

async fn run(connection: &HiBobConnection, action: &str, input: Value) -> Result<Value, ActionError> {
    connection.run_action(action, input, &ActionContext::ad_hoc("employee")).await
}

fn john() -> Value {
    json!({
        "firstName": "John", "surname": "Doe", "email": "john.doe@acme.example",
        "work": {"site": "New-York", "startDate": "2026-02-01", "title": "Software Engineer", "department": "Engineering"}
    })
}

#[tokio::test]
async fn create_employee_posts_people_and_returns_the_id() {
    let (fake, hibob) = start().await;
    let out = run(&hibob, "create_employee", john()).await.unwrap();
    assert_eq!(out, json!({"id": "3332883854254932743"}));
    let posts = fake.requests_to("POST", "/v1/people").await;
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].auth_scheme.as_deref(), Some("Basic"));
    assert_eq!(posts[0].body, john());
    let stored = fake.get("employees").await;
    assert_eq!(stored[0]["displayName"], "John Doe");
}

#[tokio::test]
async fn upsert_twice_with_the_same_email_yields_one_employee() {
    let (fake, hibob) = start().await;
    assert_eq!(run(&hibob, "upsert_employee", john()).await.unwrap()["created"], true);
    let mut again = john();
    again["work"]["title"] = json!("Staff Engineer");
    let second = run(&hibob, "upsert_employee", again).await.unwrap();
    assert_eq!(second, json!({"id": "3332883854254932743", "created": false}));
    let stored = fake.get("employees").await;
    assert_eq!(stored.as_array().unwrap().len(), 1);
    assert_eq!(stored[0]["work"]["title"], "Staff Engineer");
    assert_eq!(fake.requests_to("POST", "/v1/people").await.len(), 1);
    let put = fake.requests_to("PUT", "/v1/people/3332883854254932743").await;
    assert_eq!(put.len(), 1);
    assert_eq!(put[0].body.get("email"), None, "the update never sends the email");
}

#[tokio::test]
async fn a_replayed_upsert_during_read_lag_is_transient_not_a_second_employee() {
    let (fake, hibob) = start().await;
    fake.put("settings", json!({"service_user_id": USER, "token": TOKEN, "read_lag_ms": 60_000})).await;
    assert_eq!(run(&hibob, "upsert_employee", john()).await.unwrap()["created"], true);
    let error = run(&hibob, "upsert_employee", john()).await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::Transient);
    assert!(error.retry_after().is_some());
    assert!(error.message.starts_with("employee with email 'john.doe@acme.example' already exists"), "{error}");
    assert_eq!(fake.get("employees").await.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn find_employee_searches_with_one_email_filter() {
    let (fake, hibob) = start().await;
    let miss = run(&hibob, "find_employee", json!({"email": "john.doe@acme.example"})).await.unwrap();
    assert_eq!(miss, json!({"found": false, "employee": null}));
    fake.post("employees", john()).await;
    let hit = run(&hibob, "find_employee", json!({"email": "John.Doe@acme.example"})).await.unwrap();
    assert_eq!(hit["found"], true);
    assert_eq!(hit["employee"]["work"]["site"], "New-York");
    assert_eq!(hit["employee"]["displayName"], "John Doe");
    let search = fake.requests_to("POST", "/v1/people/search").await;
    assert_eq!(
        search[1].body["filters"],
        json!([{"fieldPath": "root.email", "operator": "equals", "values": ["John.Doe@acme.example"]}])
    );
    assert_eq!(search[1].body["showInactive"], false);
}

#[tokio::test]
async fn update_employee_patches_and_reports_304_as_unchanged() {
    let (fake, hibob) = start().await;
    let id = fake.post("employees", john()).await["id"].as_str().unwrap().to_owned();
    let input = json!({"id": id, "work": {"title": "Staff Engineer"}});
    assert_eq!(run(&hibob, "update_employee", input.clone()).await.unwrap(), json!({"id": id, "changed": true}));
    assert_eq!(run(&hibob, "update_employee", input).await.unwrap(), json!({"id": id, "changed": false}));
    let stored = fake.get("employees").await;
    assert_eq!(stored[0]["work"]["title"], "Staff Engineer");
    assert_eq!(stored[0]["work"]["site"], "New-York", "PUT acts as a patch");
    let changed = run(&hibob, "update_employee", json!({"id": id, "email": "jd@acme.example"})).await.unwrap();
    assert_eq!(changed["changed"], true);
    assert_eq!(fake.requests_to("PUT", "/email").await.len(), 1);
    assert_eq!(fake.get("employees").await[0]["email"], "jd@acme.example");
}

#[tokio::test]
async fn missing_work_fields_are_caught_before_sending() {
    let (fake, hibob) = start().await;
    let mut input = john();
    input["work"].as_object_mut().unwrap().remove("startDate");
    let error = run(&hibob, "create_employee", input).await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::InvalidInput);
    assert_eq!(error.field.as_deref(), Some("work"));
    assert!(error.message.contains("missing field `startDate`"), "{error}");
    assert!(fake.requests().await.is_empty());
}

#[tokio::test]
async fn remote_400s_keep_hibobs_message_and_name_the_field() {
    let (fake, hibob) = start().await;
    let mut input = john();
    input["work"]["site"] = json!("Mars");
    let error = run(&hibob, "create_employee", input).await.unwrap_err();
    assert_eq!((error.kind, error.status), (ErrorKind::InvalidInput, Some(400)));
    assert_eq!(error.field.as_deref(), Some("work.site"));
    assert_eq!(error.to_string(), "400 work.site 'Mars' is not a value of the site list");
    fake.post("employees", john()).await;
    let error = run(&hibob, "create_employee", john()).await.unwrap_err();
    assert_eq!(error.field.as_deref(), Some("email"));
    assert_eq!(error.message, "An employee with email 'john.doe@acme.example' already exists");
}

#[tokio::test]
async fn unknown_employee_is_not_found() {
    let (_fake, hibob) = start().await;
    let error = run(&hibob, "update_employee", json!({"id": "42", "surname": "X"})).await.unwrap_err();
    assert_eq!((error.kind, error.status), (ErrorKind::NotFound, Some(404)));
    assert_eq!(error.message, "Employee 42 not found");
}

#[tokio::test]
async fn a_service_user_without_permissions_gets_auth_errors() {
    let (fake, hibob) = start().await;
    fake.put("settings", json!({"service_user_id": USER, "token": TOKEN, "permissions_granted": false})).await;
    let error = run(&hibob, "find_employee", json!({"email": "a@acme.example"})).await.unwrap_err();
    assert_eq!((error.kind, error.status), (ErrorKind::Auth, Some(403)));
    assert!(error.message.contains("permission group"), "{error}");
    let checks = hibob.check().await;
    assert!(!checks[0].ok);
}

#[tokio::test]
async fn a_wrong_token_is_an_auth_error_that_never_shows_the_token() {
    let (fake, _) = start().await;
    let secret = "wrong-token-31ab";
    let hibob = connect(&fake, secret);
    let error = run(&hibob, "create_employee", john()).await.unwrap_err();
    assert_eq!((error.kind, error.status), (ErrorKind::Auth, Some(401)));
    for text in [error.to_string(), format!("{error:?}"), format!("{hibob:?}")] {
        assert!(!text.contains(secret) && !text.contains(TOKEN), "leak in {text}");
    }
}

#[tokio::test]
async fn searches_above_the_per_minute_limit_are_rate_limited() {
    let (fake, hibob) = start().await;
    fake.put("settings", json!({"service_user_id": USER, "token": TOKEN, "search_per_minute": 2})).await;
    for _ in 0..2 {
        run(&hibob, "find_employee", json!({"email": "a@acme.example"})).await.unwrap();
    }
    let error = run(&hibob, "find_employee", json!({"email": "a@acme.example"})).await.unwrap_err();
    assert_eq!((error.kind, error.status), (ErrorKind::RateLimited, Some(429)));
    assert!(error.retry_after().is_some_and(|d| d.as_secs() >= 1), "{error:?}");
    let creates = run(&hibob, "create_employee", john()).await;
    assert!(creates.is_ok(), "the limit is per endpoint");
}

#[tokio::test]
async fn the_fake_refuses_more_than_one_filter() {
    let fake = FakeServer::start(super::fake::router(FakeOptions::default())).await;
    let body = json!({"fields": ["root.id"], "filters": [
        {"fieldPath": "root.email", "operator": "equals", "values": ["a@b.c"]},
        {"fieldPath": "root.id", "operator": "equals", "values": ["1"]}
    ]});
    let response = reqwest::Client::new()
        .post(format!("{}/v1/people/search", fake.url()))
        .basic_auth(USER, Some("t"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer, json!({"key": "filters", "error": "At most one filter is supported"}));
}
