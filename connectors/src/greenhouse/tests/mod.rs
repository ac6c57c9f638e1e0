//! Tests of the Greenhouse connector against its own fake, served on a loopback port.

mod actions;
mod client_auth;
mod fake_api;
mod polling;
mod webhooks;

use std::time::Duration;

use chrono::{DateTime, Utc};
use hirewire_sdk::fake::{FakeOptions, TestServer};
use hirewire_sdk::{ConnectionSettings, HttpClient, PollBatch, PollRequest};
use serde_json::{Value, json};

use super::connection::GreenhouseConnection;
use super::fake::GreenhouseFake;
use super::fake::seed::ADMIN_EMAIL;
use super::fake::state::FakeSettings;

/// The webhook secret the tests' connections use.
pub const WEBHOOK_SECRET: &str = "whsec-test-0123456789";

/// A fake on a port plus a connection pointed at it.
pub struct Harness {
    pub fake: GreenhouseFake,
    pub server: TestServer,
    pub conn: GreenhouseConnection,
}

/// The settings of a connection to `server` (client credentials by default).
pub fn settings_for(server: &TestServer, overrides: Value) -> Value {
    let mut config = json!({
        "environment": "sandbox",
        "client_id": "sandbox-client",
        "client_secret": "sandbox-secret",
        "user_email": ADMIN_EMAIL,
        "webhook_secret": WEBHOOK_SECRET,
        "base_url": server.url(),
        "auth_url": format!("{}/token", server.url()),
    });
    if let (Some(base), Some(extra)) = (config.as_object_mut(), overrides.as_object()) {
        for (k, v) in extra {
            if v.is_null() {
                base.remove(k);
            } else {
                base.insert(k.clone(), v.clone());
            }
        }
    }
    config
}

/// A connection named `greenhouse` with `config`.
pub fn connect(config: Value) -> GreenhouseConnection {
    GreenhouseConnection::from_settings(ConnectionSettings {
        name: "greenhouse".into(),
        config,
        http: HttpClient::new(Duration::from_secs(2)),
        cluster: hirewire_sdk::ClusterView::default(),
    })
    .expect("valid settings")
}

impl Harness {
    /// A fake with `settings` and a connection with `overrides`.
    pub async fn with(settings: FakeSettings, overrides: Value) -> Self {
        let fake = GreenhouseFake::new(
            &FakeOptions {
                seed: 7,
                public_url: String::new(),
            },
            settings,
        );
        let server = TestServer::start(fake.router()).await;
        let conn = connect(settings_for(&server, overrides));
        Self { fake, server, conn }
    }

    /// Default fake and connection.
    pub async fn start() -> Self {
        Self::with(FakeSettings::default(), json!({})).await
    }

    /// Polls `trigger` once at the current time.
    pub async fn poll(&self, trigger: &str, params: Value, cursor: Option<Value>, since: DateTime<Utc>) -> PollBatch {
        use hirewire_sdk::Connection as _;
        self.conn
            .poll(PollRequest {
                trigger: trigger.into(),
                params,
                cursor,
                since,
                now: Utc::now(),
            })
            .await
            .unwrap_or_else(|e| panic!("poll {trigger}: {e}"))
    }

    /// The id of the job called `name`.
    pub fn job(&self, name: &str) -> i64 {
        self.fake.state.lock().find_by("jobs", "name", &json!(name))[0]["id"]
            .as_i64()
            .expect("job id")
    }

    /// The id of the user with `email`.
    pub fn user(&self, email: &str) -> i64 {
        self.fake.state.lock().find_by("users", "primary_email", &json!(email))[0]["id"]
            .as_i64()
            .expect("user id")
    }

    /// Requests logged for `path` (exact) so far.
    pub fn requests_to(&self, path: &str) -> Vec<super::fake::state::LoggedRequest> {
        self.fake
            .state
            .lock()
            .log
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }
}

/// An hour ago.
pub fn an_hour_ago() -> DateTime<Utc> {
    Utc::now() - chrono::Duration::hours(1)
}

/// Waits a little, so that later records get later timestamps than a poll's `now`.
pub async fn tick() {
    tokio::time::sleep(Duration::from_millis(5)).await;
}
