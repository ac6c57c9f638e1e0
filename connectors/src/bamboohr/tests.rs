//! BambooHR connector tests against its fake: every action, each error class,
//! throttling, idempotent upserts and secrets that never leak.

use std::time::Duration;

use hirewire_sdk::fake::{FakeOptions, TestServer};
use hirewire_sdk::fake_log::LoggedRequest;
use hirewire_sdk::{ActionContext, ActionError, Connection, ConnectionSettings, ErrorKind, HttpClient};
use serde_json::{Value, json};

use super::BambooHrConnection;

const API_KEY: &str = "bamboo-key-8f3a1c";

struct Harness {
    server: TestServer,
    connection: BambooHrConnection,
    http: reqwest::Client,
}

impl Harness {
    async fn start() -> Self {
        let server = TestServer::start(super::fake::router(FakeOptions::default())).await;
        let connection = connect(&server, API_KEY);
        let harness = Self { server, connection, http: reqwest::Client::new() };
        harness.control_put("settings", json!({"api_key": API_KEY})).await;
        harness
    }
    async fn run(&self, action: &str, input: Value) -> Result<Value, ActionError> {
        self.connection.run_action(action, input, &ActionContext::ad_hoc("employee")).await
    }
    async fn control_put(&self, what: &str, body: Value) {
        let url = format!("{}/_control/{what}", self.server.url());
        let status = self.http.put(url).json(&body).send().await.unwrap().status();
        assert!(status.is_success(), "control {what}: {status}");
    }
    async fn seed(&self, employee: Value) -> String {
        let url = format!("{}/_control/employees", self.server.url());
        let answer: Value = self.http.post(url).json(&employee).send().await.unwrap().json().await.unwrap();
        answer["id"].as_str().unwrap().to_owned()
    }
    async fn employees(&self) -> Vec<Value> {
        let url = format!("{}/_control/employees", self.server.url());
        self.http.get(url).send().await.unwrap().json().await.unwrap()
    }
    async fn requests(&self) -> Vec<LoggedRequest> {
        let url = format!("{}/_control/requests", self.server.url());
        self.http.get(url).send().await.unwrap().json().await.unwrap()
    }
}

fn connect(server: &TestServer, api_key: &str) -> BambooHrConnection {
    BambooHrConnection::from_settings(ConnectionSettings {
        name: "bamboohr".into(),
        config: json!({"company_domain": "acme", "api_key": api_key, "base_url": server.url()}),
        http: HttpClient::new(Duration::from_secs(5)),
        cluster: hirewire_sdk::ClusterView::default(),
    })
    .unwrap()
}

fn ada() -> Value {
    json!({
        "firstName": "Ada", "lastName": "Lovelace", "workEmail": "ada@acme.example",
        "jobTitle": "Software Engineer", "department": "Engineering", "hireDate": "2026-02-01"
    })
}

#[tokio::test]
async fn create_employee_takes_the_id_from_location() {
    let h = Harness::start().await;
    let out = h.run("create_employee", ada()).await.unwrap();
    assert_eq!(out, json!({"id": "100"}));
    let stored = h.employees().await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["workEmail"], "ada@acme.example");
    assert_eq!(stored[0]["hireDate"], "2026-02-01");
    let posts: Vec<LoggedRequest> = h.requests().await.into_iter().filter(|r| r.method == "POST").collect();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].path, "/api/gateway.php/acme/v1/employees");
    assert_eq!(posts[0].auth_scheme.as_deref(), Some("Basic"));
    assert_eq!(posts[0].body, ada());
}

#[tokio::test]
async fn upsert_twice_with_the_same_work_email_yields_one_employee() {
    let h = Harness::start().await;
    let first = h.run("upsert_employee", ada()).await.unwrap();
    assert_eq!(first, json!({"id": "100", "created": true}));
    let mut again = ada();
    again["workEmail"] = json!("ADA@acme.example");
    again["jobTitle"] = json!("Staff Engineer");
    let second = h.run("upsert_employee", again).await.unwrap();
    assert_eq!(second, json!({"id": "100", "created": false}));
    let stored = h.employees().await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["jobTitle"], "Staff Engineer");
    assert_eq!(stored[0]["workEmail"], "ada@acme.example", "the update does not send the email");
    let creates =
        h.requests().await.into_iter().filter(|r| r.method == "POST" && r.path.ends_with("/employees")).count();
    assert_eq!(creates, 1);
}

#[tokio::test]
async fn find_employee_filters_the_directory_and_treats_404_as_empty() {
    let h = Harness::start().await;
    assert_eq!(
        h.run("find_employee", json!({"workEmail": "ada@acme.example"})).await.unwrap(),
        json!({"found": false, "employee": null})
    );
    let id = h.seed(json!({"firstName": "Ada", "lastName": "Lovelace", "workEmail": "Ada@Acme.example", "department": "Engineering"})).await;
    h.seed(json!({"firstName": "Bob", "lastName": "Byte", "workEmail": "bob@acme.example"})).await;
    let out = h.run("find_employee", json!({"workEmail": "ada@acme.example"})).await.unwrap();
    assert_eq!(out["found"], true);
    assert_eq!(out["employee"]["id"], id.as_str());
    assert_eq!(out["employee"]["displayName"], "Ada Lovelace");
    assert_eq!(out["employee"]["department"], "Engineering");
    let dir = h.requests().await.into_iter().filter(|r| r.path.ends_with("/employees/directory")).count();
    assert_eq!(dir, 2);
}

#[tokio::test]
async fn an_unshared_directory_falls_back_to_a_custom_report_with_inactive_employees() {
    let h = Harness::start().await;
    h.control_put("settings", json!({"api_key": API_KEY, "directory_shared": false})).await;
    let id = h
        .seed(json!({"firstName": "Old", "lastName": "Timer", "workEmail": "old@acme.example", "status": "Inactive"}))
        .await;
    let out = h
        .run("upsert_employee", json!({"workEmail": "old@acme.example", "firstName": "Old", "lastName": "Timer"}))
        .await
        .unwrap();
    assert_eq!(out, json!({"id": id, "created": false}));
    let reports = h.requests().await.into_iter().filter(|r| r.path.ends_with("/reports/custom")).collect::<Vec<_>>();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].query.as_deref(), Some("format=JSON"));
}

#[tokio::test]
async fn a_replayed_upsert_finds_an_inactive_employee_instead_of_creating_a_second() {
    let h = Harness::start().await;
    let id = h
        .seed(json!({"firstName": "Ada", "lastName": "L", "workEmail": "ada@acme.example", "status": "Inactive"}))
        .await;
    let out = h.run("upsert_employee", ada()).await.unwrap();
    assert_eq!(out, json!({"id": id, "created": false}));
    assert_eq!(h.employees().await.len(), 1);
    let order: Vec<String> = h.requests().await.into_iter().map(|r| format!("{} {}", r.method, r.path)).collect();
    assert_eq!(
        order,
        [
            "GET /api/gateway.php/acme/v1/employees/directory",
            "POST /api/gateway.php/acme/v1/employees",
            "POST /api/gateway.php/acme/v1/reports/custom",
            format!("POST /api/gateway.php/acme/v1/employees/{id}").as_str(),
        ]
    );
}

#[tokio::test]
async fn an_unknown_list_value_is_a_409_naming_the_field() {
    let h = Harness::start().await;
    let mut input = ada();
    input["department"] = json!("Enginering");
    let error = h.run("create_employee", input).await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::InvalidInput);
    assert_eq!(error.field.as_deref(), Some("department"));
    assert_eq!(error.to_string(), "409 department 'Enginering' is not an existing option");
    assert!(h.employees().await.is_empty());
}

#[tokio::test]
async fn in_drop_mode_an_unknown_list_value_is_silently_dropped() {
    let h = Harness::start().await;
    h.control_put("settings", json!({"api_key": API_KEY, "unknown_list_value": "drop"})).await;
    let mut input = ada();
    input["department"] = json!("Enginering");
    h.run("create_employee", input).await.unwrap();
    let stored = h.employees().await;
    assert_eq!(stored[0].get("department"), None);
}

#[tokio::test]
async fn a_duplicate_work_email_on_create_is_a_409() {
    let h = Harness::start().await;
    h.seed(json!({"firstName": "Ada", "lastName": "L", "workEmail": "ada@acme.example"})).await;
    let error = h.run("create_employee", ada()).await.unwrap_err();
    assert_eq!((error.kind, error.status), (ErrorKind::InvalidInput, Some(409)));
    assert_eq!(error.field.as_deref(), Some("workEmail"));
    assert_eq!(error.message, "workEmail 'ada@acme.example' is already used by employee 100");
}

#[tokio::test]
async fn update_employee_posts_only_the_given_fields() {
    let h = Harness::start().await;
    let id = h.seed(json!({"firstName": "Ada", "lastName": "Lovelace", "department": "Engineering"})).await;
    let out = h.run("update_employee", json!({"id": id, "location": "Berlin, DE"})).await.unwrap();
    assert_eq!(out, json!({"id": id}));
    let updates = h.requests().await.into_iter().filter(|r| r.method == "POST").collect::<Vec<_>>();
    assert_eq!(updates[0].path, format!("/api/gateway.php/acme/v1/employees/{id}"));
    assert_eq!(updates[0].body, json!({"location": "Berlin, DE"}));
    assert_eq!(h.employees().await[0]["location"], "Berlin, DE");
}

#[tokio::test]
async fn update_of_an_unknown_employee_is_not_found() {
    let h = Harness::start().await;
    let error = h.run("update_employee", json!({"id": "999", "jobTitle": "CTO"})).await.unwrap_err();
    assert_eq!((error.kind, error.status), (ErrorKind::NotFound, Some(404)));
    assert_eq!(error.message, "Employee 999 not found");
}

#[tokio::test]
async fn input_errors_name_the_field() {
    let h = Harness::start().await;
    let error = h.run("create_employee", json!({"lastName": "Lovelace"})).await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::InvalidInput);
    assert!(error.message.contains("missing field `firstName`"), "{error}");
    let error =
        h.run("create_employee", json!({"firstName": "A", "lastName": "B", "hireDate": "soon"})).await.unwrap_err();
    assert_eq!(error.field.as_deref(), Some("hireDate"));
    assert!(h.requests().await.is_empty(), "nothing is sent for a bad input");
}

#[tokio::test]
async fn throttling_429_and_503_with_retry_after_are_rate_limited() {
    for status in [429, 503] {
        let h = Harness::start().await;
        h.control_put("settings", json!({"api_key": API_KEY, "requests_per_minute": 1, "throttle_status": status}))
            .await;
        h.run("find_employee", json!({"workEmail": "x@acme.example"})).await.unwrap();
        let error = h.run("find_employee", json!({"workEmail": "x@acme.example"})).await.unwrap_err();
        assert_eq!(error.kind, ErrorKind::RateLimited, "status {status}");
        assert_eq!(error.status, Some(status));
        assert!(error.retry_after().is_some_and(|d| d >= Duration::from_secs(1)), "{error:?}");
        assert_eq!(error.message, "API request limit exceeded");
    }
}

#[tokio::test]
async fn a_503_without_retry_after_is_transient() {
    let h = Harness::start().await;
    let url = format!("{}/_control/faults", h.server.url());
    h.http.post(url).json(&json!({"status": 503, "count": 1})).send().await.unwrap();
    let error = h.run("create_employee", ada()).await.unwrap_err();
    assert_eq!((error.kind, error.status), (ErrorKind::Transient, Some(503)));
    assert!(h.employees().await.is_empty());
}

#[tokio::test]
async fn a_wrong_api_key_is_an_auth_error_that_never_shows_the_key() {
    let h = Harness::start().await;
    let secret = "wrong-key-5d7e9b";
    let connection = connect(&h.server, secret);
    let error = connection.run_action("create_employee", ada(), &ActionContext::ad_hoc("e")).await.unwrap_err();
    assert_eq!((error.kind, error.status), (ErrorKind::Auth, Some(401)));
    for text in [error.to_string(), format!("{error:?}"), format!("{connection:?}")] {
        assert!(!text.contains(secret) && !text.contains(API_KEY), "leak in {text}");
    }
    let checks = connection.check().await;
    assert!(!checks[0].ok);
    assert!(!checks[0].detail.contains(secret));
}

#[tokio::test]
async fn the_fake_serves_the_subdomain_url_style_too() {
    let h = Harness::start().await;
    h.seed(json!({"firstName": "Ada", "lastName": "Lovelace", "workEmail": "ada@acme.example"})).await;
    let url = format!("{}/api/v1/employees/directory", h.server.url());
    let response =
        h.http.get(&url).basic_auth(API_KEY, Some("x")).header("accept", "application/json").send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["employees"][0]["workEmail"], "ada@acme.example");
    let xml = h.http.get(&url).basic_auth(API_KEY, Some("x")).send().await.unwrap();
    assert_eq!(xml.headers()["content-type"], "text/xml", "XML unless JSON is asked for");
}

#[test]
fn location_parsing_accepts_both_url_styles() {
    use super::client::employee_id_from_location;
    assert_eq!(
        employee_id_from_location("https://api.bamboohr.com/api/gateway.php/test/v1/employees/333").as_deref(),
        Some("333")
    );
    assert_eq!(
        employee_id_from_location("https://acme.bamboohr.com/api/v1/employees/40598/").as_deref(),
        Some("40598")
    );
    assert_eq!(employee_id_from_location("https://acme.bamboohr.com/api/v1/reports/1"), None);
}

#[test]
fn config_errors_name_the_field_without_the_value() {
    let error = super::config::BambooHrConfig::parse(json!({"company_domain": "acme", "api_key": 12345})).unwrap_err();
    assert_eq!(error.field, "api_key");
    assert!(!error.to_string().contains("12345"));
    let error = super::config::BambooHrConfig::parse(json!({"company_domain": "acme.bamboohr.com", "api_key": "k"}))
        .unwrap_err();
    assert_eq!(error.field, "company_domain");
}

#[tokio::test]
async fn the_directory_shows_every_change_at_once() {
    let h = Harness::start().await;
    let (h, directory_url) = (&h, format!("{}/api/v1/employees/directory", h.server.url()));
    let directory_url = directory_url.as_str();
    let directory = || async move {
        h.http.get(directory_url).basic_auth(API_KEY, Some("x")).header("accept", "application/json").send().await
    };
    let found = |email: &'static str| async move {
        h.run("find_employee", json!({"workEmail": email})).await.unwrap()["employee"]["id"].as_str().map(str::to_owned)
    };
    let ada = h.run("create_employee", ada()).await.unwrap()["id"].as_str().unwrap().to_owned();
    assert_eq!(found("ada@acme.example").await.as_deref(), Some(ada.as_str()));
    // Read twice, so the second answer comes from the fake's cached body.
    assert_eq!(found("ada@acme.example").await.as_deref(), Some(ada.as_str()));

    h.run("update_employee", json!({"id": ada, "workEmail": "ada.lovelace@acme.example"})).await.unwrap();
    assert_eq!(found("ada@acme.example").await, None);
    assert_eq!(found("ada.lovelace@acme.example").await.as_deref(), Some(ada.as_str()));

    let bob = h
        .run("create_employee", json!({"firstName": "Bob", "lastName": "Byte", "workEmail": "bob@acme.example"}))
        .await
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(found("bob@acme.example").await.as_deref(), Some(bob.as_str()));
    let seeded = h.seed(json!({"firstName": "Cy", "lastName": "Seed", "workEmail": "cy@acme.example"})).await;
    assert_eq!(found("cy@acme.example").await.as_deref(), Some(seeded.as_str()));

    // Leaving (status Inactive) takes the employee out of the directory.
    let url = format!("{}/api/v1/employees/{bob}", h.server.url());
    let status = h.http.post(&url).basic_auth(API_KEY, Some("x")).json(&json!({"status": "Inactive"})).send().await;
    assert_eq!(status.unwrap().status(), 200);
    assert_eq!(found("bob@acme.example").await, None);
    let body: Value = directory().await.unwrap().json().await.unwrap();
    let ids: Vec<&str> = body["employees"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [ada.as_str(), seeded.as_str()]);

    let reset = h.http.post(format!("{}/_control/reset", h.server.url())).send().await.unwrap();
    assert!(reset.status().is_success());
    assert_eq!(directory().await.unwrap().status(), 404, "a reset empties the directory");
}
