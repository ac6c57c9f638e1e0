//! Personio connector tests against its fake: the token (cached, renewed on
//! 401), every action, 422s, ignored org units, the employees rate limit and
//! secrets that never leak.

use hirewire_sdk::fake::FakeOptions;
use hirewire_sdk::{ActionContext, ActionError, Connection, ErrorKind};
use serde_json::{Value, json};

use super::PersonioConnection;
use crate::test_support::FakeServer;

const CLIENT_ID: &str = "papi-client-1";
const SECRET: &str = "personio-secret-77a1f0";

async fn start() -> (FakeServer, PersonioConnection) {
    let fake = FakeServer::start(super::fake::router(FakeOptions::default())).await;
    fake.put("settings", json!({"client_id": CLIENT_ID, "client_secret": SECRET})).await;
    let connection = connect(&fake, SECRET);
    (fake, connection)
}

fn connect(fake: &FakeServer, secret: &str) -> PersonioConnection {
    let config = json!({"client_id": CLIENT_ID, "client_secret": secret, "base_url": fake.url(), "partner_id": "ACME"});
    PersonioConnection::from_settings(FakeServer::settings("personio", config)).unwrap()
}

async fn run(connection: &PersonioConnection, action: &str, input: Value) -> Result<Value, ActionError> {
    connection.run_action(action, input, &ActionContext::ad_hoc("employee")).await
}

fn john() -> Value {
    json!({
        "email": "john.dou@acme.example", "first_name": "John", "last_name": "Dou",
        "position": "Developer", "department": "IT", "office": "Madrid", "hire_date": "2020-01-31"
    })
}

#[tokio::test]
async fn create_employee_authenticates_once_and_wraps_the_employee() {
    let (fake, personio) = start().await;
    let out = run(&personio, "create_employee", john()).await.unwrap();
    assert_eq!(out, json!({"id": "81723", "warnings": []}));
    run(&personio, "find_employee", json!({"email": "john.dou@acme.example"})).await.unwrap();
    let auth = fake.requests_to("POST", "/v1/auth").await;
    assert_eq!(auth.len(), 1, "the token is cached");
    assert_eq!(auth[0].body, json!({"client_id": CLIENT_ID, "client_secret": "personio-secret-77a1f0"}));
    let creates = fake.requests_to("POST", "/v1/company/employees").await;
    assert_eq!(creates[0].auth_scheme.as_deref(), Some("Bearer"));
    assert_eq!(creates[0].body, json!({"employee": john()}));
    let stored = fake.get("employees").await;
    assert_eq!(stored[0]["status"], "active", "a past hire date makes the employee active");
}

#[tokio::test]
async fn an_expired_token_is_renewed_once_on_401() {
    let (fake, personio) = start().await;
    run(&personio, "find_employee", json!({"email": "a@acme.example"})).await.unwrap();
    fake.post("revoke_tokens", json!({})).await;
    run(&personio, "find_employee", json!({"email": "a@acme.example"})).await.unwrap();
    assert_eq!(fake.requests_to("POST", "/v1/auth").await.len(), 2);
    assert_eq!(fake.requests_to("GET", "/v1/company/employees").await.len(), 3, "one 401, then the retry");
}

#[tokio::test]
async fn upsert_twice_with_the_same_email_yields_one_employee_and_never_sends_the_email_again() {
    let (fake, personio) = start().await;
    assert_eq!(run(&personio, "upsert_employee", john()).await.unwrap(), json!({"id": "81723", "created": true}));
    let mut again = john();
    again["position"] = json!("Lead Developer");
    assert_eq!(run(&personio, "upsert_employee", again).await.unwrap(), json!({"id": "81723", "created": false}));
    let stored = fake.get("employees").await;
    assert_eq!(stored.as_array().unwrap().len(), 1);
    assert_eq!(stored[0]["position"], "Lead Developer");
    let patches = fake.requests_to("PATCH", "/v1/company/employees/81723").await;
    assert_eq!(patches.len(), 1);
    assert_eq!(patches[0].body["employee"].get("email"), None);
}

#[tokio::test]
async fn find_employee_reads_attribute_objects() {
    let (fake, personio) = start().await;
    assert_eq!(
        run(&personio, "find_employee", json!({"email": "x@acme.example"})).await.unwrap(),
        json!({"found": false, "employee": null})
    );
    fake.post("employees", john()).await;
    let out = run(&personio, "find_employee", json!({"email": "John.Dou@acme.example"})).await.unwrap();
    assert_eq!(out["employee"]["id"], "81723");
    assert_eq!(out["employee"]["department"], "IT");
    assert_eq!(out["employee"]["office"], "Madrid");
    assert_eq!(out["employee"]["hire_date"], "2020-01-31T00:00:00+00:00");
    let lookups = fake.requests_to("GET", "/v1/company/employees").await;
    assert_eq!(lookups[1].query.as_deref(), Some("email=John.Dou%40acme.example&limit=10&offset=0"));
}

#[tokio::test]
async fn unknown_departments_are_ignored_with_a_warning() {
    let (fake, personio) = start().await;
    let mut input = john();
    input["department"] = json!("Enginering");
    let out = run(&personio, "create_employee", input).await.unwrap();
    assert_eq!(out["warnings"], json!(["Department 'Enginering' does not exist and was ignored"]));
    assert_eq!(fake.get("employees").await[0].get("department"), None);
}

#[tokio::test]
async fn a_422_keeps_personios_message() {
    let (_fake, personio) = start().await;
    let mut input = john();
    input["supervisor_id"] = json!(1);
    let error = run(&personio, "create_employee", input).await.unwrap_err();
    assert_eq!((error.kind, error.status), (ErrorKind::InvalidInput, Some(422)));
    assert_eq!(error.to_string(), "422 Supervisor with ID 1 not found");
    run(&personio, "create_employee", john()).await.unwrap();
    let error = run(&personio, "create_employee", john()).await.unwrap_err();
    assert_eq!(error.message, "The email has already been taken.");
    assert_eq!(error.field.as_deref(), Some("email"));
}

#[tokio::test]
async fn email_cannot_be_given_to_update() {
    let (fake, personio) = start().await;
    fake.post("employees", john()).await;
    let error =
        run(&personio, "update_employee", json!({"id": "81723", "email": "new@acme.example"})).await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::InvalidInput);
    assert!(error.message.contains("unknown field `email`"), "{error}");
    let out = run(&personio, "update_employee", json!({"id": "81723", "office": "Berlin"})).await.unwrap();
    assert_eq!(out, json!({"id": "81723", "warnings": []}));
    assert_eq!(fake.get("employees").await[0]["office"], "Berlin");
}

#[tokio::test]
async fn update_of_an_unknown_employee_is_not_found() {
    let (_fake, personio) = start().await;
    let error = run(&personio, "update_employee", json!({"id": "5", "position": "CTO"})).await.unwrap_err();
    assert_eq!((error.kind, error.status), (ErrorKind::NotFound, Some(404)));
    assert_eq!(error.message, "Employee not found");
}

#[tokio::test]
async fn wrong_credentials_are_an_auth_error_that_never_shows_the_secret() {
    let (fake, _) = start().await;
    let wrong = "wrong-secret-0c0ffee";
    let personio = connect(&fake, wrong);
    let error = run(&personio, "find_employee", json!({"email": "a@acme.example"})).await.unwrap_err();
    assert_eq!((error.kind, error.status), (ErrorKind::Auth, Some(401)));
    assert_eq!(error.message, "authentication failed: Wrong credentials");
    for text in [error.to_string(), format!("{error:?}"), format!("{personio:?}")] {
        assert!(!text.contains(wrong) && !text.contains(SECRET), "leak in {text}");
    }
    assert!(!personio.check().await[0].ok);
}

#[tokio::test]
async fn employee_calls_above_the_limit_are_rate_limited() {
    let (fake, personio) = start().await;
    fake.put(
        "settings",
        json!({"client_id": CLIENT_ID, "client_secret": SECRET, "employees_per_minute": 2, "employees_burst": 2}),
    )
    .await;
    for _ in 0..2 {
        run(&personio, "find_employee", json!({"email": "a@acme.example"})).await.unwrap();
    }
    let error = run(&personio, "find_employee", json!({"email": "a@acme.example"})).await.unwrap_err();
    assert_eq!((error.kind, error.status), (ErrorKind::RateLimited, Some(429)));
    assert!(error.retry_after().is_some_and(|d| d.as_secs() >= 1));
}

#[tokio::test]
async fn a_429_without_retry_after_still_waits_a_second() {
    let (fake, personio) = start().await;
    let limits = json!({"client_id": CLIENT_ID, "client_secret": SECRET, "employees_per_minute": 1, "employees_burst": 1, "send_retry_after": false});
    fake.put("settings", limits).await;
    run(&personio, "find_employee", json!({"email": "a@acme.example"})).await.unwrap();
    let error = run(&personio, "find_employee", json!({"email": "a@acme.example"})).await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::RateLimited);
    assert_eq!(error.retry_after(), Some(std::time::Duration::from_secs(1)));
}

#[tokio::test]
async fn the_fake_takes_form_encoded_employees_and_ignores_email_with_updated_since() {
    let (fake, personio) = start().await;
    run(&personio, "find_employee", json!({"email": "warm@up.example"})).await.unwrap();
    let client = reqwest::Client::new();
    let token: Value = client
        .post(format!("{}/v1/auth", fake.url()))
        .form(&[("client_id", CLIENT_ID), ("client_secret", SECRET)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["data"]["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("papi-"));
    let created = client
        .post(format!("{}/v1/company/employees", fake.url()))
        .bearer_auth(&token)
        .form(&[("employee[email]", "f@acme.example"), ("employee[first_name]", "F"), ("employee[last_name]", "Orm")])
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    fake.post("employees", json!({"email": "other@acme.example", "first_name": "O", "last_name": "T"})).await;
    let listed: Value = client
        .get(format!("{}/v1/company/employees?email=f@acme.example&updated_since=2020-01-01T00:00:00", fake.url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["data"].as_array().unwrap().len(), 2, "email is ignored when updated_since is set");
}
