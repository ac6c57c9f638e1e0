//! Test helpers shared by connector tests: a fake served on loopback and a
//! small client for its `/_control/` API.

use std::time::Duration;

use axum::Router;
use hirewire_sdk::fake::TestServer;
use hirewire_sdk::fake_log::LoggedRequest;
use hirewire_sdk::{ConnectionSettings, HttpClient};
use serde_json::Value;

/// A fake on a loopback port plus a client for its control API.
pub struct FakeServer {
    /// The running server.
    pub server: TestServer,
    http: reqwest::Client,
}

impl FakeServer {
    /// Serves `router` on loopback.
    pub async fn start(router: Router) -> Self {
        hirewire_sdk::http_client::install_crypto_provider();
        Self { server: TestServer::start(router).await, http: reqwest::Client::new() }
    }
    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.server.url()
    }
    /// Settings for a connection named `name` with `config`.
    pub fn settings(name: &str, config: Value) -> ConnectionSettings {
        ConnectionSettings {
            name: name.into(),
            config,
            http: HttpClient::new(Duration::from_secs(5)),
            cluster: hirewire_sdk::ClusterView::default(),
        }
    }
    async fn call(&self, method: reqwest::Method, what: &str, body: Option<&Value>) -> Value {
        let mut request = self.http.request(method, format!("{}/_control/{what}", self.url()));
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("control call");
        assert!(response.status().is_success(), "control {what}: {}", response.status());
        let text = response.text().await.expect("control body");
        if text.is_empty() { Value::Null } else { serde_json::from_str(&text).expect("control JSON") }
    }
    /// `PUT /_control/{what}`.
    pub async fn put(&self, what: &str, body: Value) -> Value {
        self.call(reqwest::Method::PUT, what, Some(&body)).await
    }
    /// `POST /_control/{what}`.
    pub async fn post(&self, what: &str, body: Value) -> Value {
        self.call(reqwest::Method::POST, what, Some(&body)).await
    }
    /// `GET /_control/{what}`.
    pub async fn get(&self, what: &str) -> Value {
        self.call(reqwest::Method::GET, what, None).await
    }
    /// Every request the fake logged.
    pub async fn requests(&self) -> Vec<LoggedRequest> {
        serde_json::from_value(self.get("requests").await).expect("request log")
    }
    /// The logged requests with `method` whose path ends with `suffix`.
    pub async fn requests_to(&self, method: &str, suffix: &str) -> Vec<LoggedRequest> {
        self.requests().await.into_iter().filter(|r| r.method == method && r.path.ends_with(suffix)).collect()
    }
}
