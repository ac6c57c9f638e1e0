//! The sandbox served in-process for end-to-end tests, with helpers for the
//! fakes' control APIs: hire a candidate in Greenhouse, send its signed
//! webhook, read what BambooHR and Slack received.

use std::collections::BTreeMap;

use hirewire_sdk::fake::TestServer;
use serde_json::{Value, json};

/// The example project's Greenhouse webhook secret (its sandbox default).
pub const WEBHOOK_SECRET: &str = "sandbox-webhook-secret";

/// A running sandbox.
pub struct Sandbox {
    server: TestServer,
    http: reqwest::Client,
}

impl Sandbox {
    /// Serves every connector's fake on a loopback port.
    pub async fn start() -> Self {
        hirewire_sdk::http_client::install_crypto_provider();
        // Fakes need their public URL before they are served: bind first, then build.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind sandbox");
        let addr = listener.local_addr().expect("addr");
        let app = hirewire_runtime::sandbox::sandbox_app(&hirewire_connectors::all(), &format!("http://{addr}"), 1);
        let server = TestServer::serve(listener, app);
        Self { server, http: reqwest::Client::new() }
    }

    /// `http://127.0.0.1:PORT`.
    #[must_use]
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// Environment overrides that point the example project's connections at this sandbox.
    #[must_use]
    pub fn env_overrides(&self, database_url: &str) -> BTreeMap<String, String> {
        hirewire_runtime::sandbox::example_project_env(&self.url(), database_url, WEBHOOK_SECRET)
    }

    /// POSTs `body` to a control path (`/greenhouse/_control/jobs`) and returns the JSON answer.
    ///
    /// # Panics
    /// On a non-2xx answer.
    pub async fn post(&self, path: &str, body: Value) -> Value {
        let response = self.http.post(format!("{}{path}", self.url())).json(&body).send().await.expect("control POST");
        let status = response.status();
        let value = response.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "POST {path}: {status} {value}");
        value
    }

    /// GETs a control path.
    ///
    /// # Panics
    /// On a transport error.
    pub async fn get(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.url()))
            .send()
            .await
            .expect("control GET")
            .json()
            .await
            .unwrap_or(Value::Null)
    }

    /// Hires a new candidate with `email` (job, application, an interview by two users known to Slack, offer,
    /// hire) and returns the application id.
    pub async fn hire(&self, first: &str, last: &str, email: &str) -> i64 {
        let id = |v: &Value| v.get("id").and_then(Value::as_i64).expect("id");
        let job = self.post("/greenhouse/_control/jobs", json!({ "name": "Engineer" })).await;
        let candidate = self
            .post(
                "/greenhouse/_control/candidates",
                json!({ "first_name": first, "last_name": last,
                        "email_addresses": [{ "value": email, "type": "work" }] }),
            )
            .await;
        let application = self
            .post("/greenhouse/_control/applications", json!({ "candidate_id": id(&candidate), "job_id": id(&job) }))
            .await;
        let app = id(&application);
        self.post("/greenhouse/_control/offers", json!({ "application_id": app, "starts_on": "2027-01-04" })).await;
        self.post(&format!("/greenhouse/_control/applications/{app}/hire"), json!({})).await;
        app
    }

    /// Makes every user of the Greenhouse fake's seed known to Slack (interviewer DMs).
    pub async fn seed_slack_users(&self) {
        for (email, id) in [("ada.lacey@acme.example", "U0ADALACEY"), ("carl.buddha@acme.example", "U0CARL")] {
            self.post("/slack/_control/users", json!({ "id": id, "email": email, "name": email })).await;
        }
    }

    /// Has the Greenhouse fake send the signed `action` webhook about `id` to `daemon`, `deliveries` times;
    /// returns the HTTP statuses the daemon answered.
    pub async fn send_webhook(&self, daemon: &str, action: &str, id: i64, deliveries: u32) -> Vec<u16> {
        let sent = self
            .post(
                "/greenhouse/_control/webhooks",
                json!({ "url": format!("{daemon}/webhooks/greenhouse"), "secret": WEBHOOK_SECRET,
                        "action": action, "id": id, "deliveries": deliveries,
                        "event_id": format!("{action}-{id}") }),
            )
            .await;
        serde_json::from_value(sent["statuses"].clone()).unwrap_or_default()
    }

    /// BambooHR employees whose work email is `email`.
    pub async fn bamboohr_employees_with(&self, email: &str) -> usize {
        let employees = self.get("/bamboohr/_control/employees").await;
        employees
            .as_array()
            .map(|all| all.iter().filter(|e| e.get("workEmail").and_then(Value::as_str) == Some(email)).count())
            .unwrap_or_default()
    }

    /// Injects a fault (`hirewire_sdk::FaultRule` as JSON) into `connector`'s fake.
    pub async fn inject_fault(&self, connector: &str, rule: Value) {
        self.post(&format!("/{connector}/_control/faults"), rule).await;
    }

    /// The requests `connector`'s fake received (method, path, query, body), oldest first.
    pub async fn requests(&self, connector: &str) -> Vec<Value> {
        self.get(&format!("/{connector}/_control/requests")).await.as_array().cloned().unwrap_or_default()
    }

    /// How many `method` requests `connector`'s fake received on a path ending with `path_suffix`.
    pub async fn count_requests(&self, connector: &str, method: &str, path_suffix: &str) -> usize {
        self.requests(connector)
            .await
            .iter()
            .filter(|r| r["method"] == method && r["path"].as_str().is_some_and(|p| p.ends_with(path_suffix)))
            .count()
    }

    /// The Slack fake's id of channel `#name`.
    ///
    /// # Panics
    /// When the fake has no such channel.
    pub async fn slack_channel_id(&self, name: &str) -> String {
        let channels = self.get("/slack/_control/channels").await;
        channels
            .as_array()
            .and_then(|all| all.iter().find(|c| c["name"] == name))
            .and_then(|c| c["id"].as_str())
            .unwrap_or_else(|| panic!("no Slack channel #{name} in {channels}"))
            .to_owned()
    }

    /// Every Slack message the fake received.
    pub async fn slack_messages(&self) -> Vec<Value> {
        self.get("/slack/_control/messages").await.as_array().cloned().unwrap_or_default()
    }
}
