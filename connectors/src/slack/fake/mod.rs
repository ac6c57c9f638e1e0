//! The Slack sandbox fake: `chat.postMessage` (HTTP 200 with `ok:false` for
//! app errors, 429 + `Retry-After` above about one message a second per
//! channel), `users.lookupByEmail`, `auth.test`, and incoming webhooks under
//! `/services/…` answering plain text.
//!
//! Control API (below the mount point): `GET /_control/messages`,
//! `GET|POST /_control/channels`, `GET|POST /_control/users`,
//! `GET|PUT /_control/settings`, `POST /_control/reset`,
//! `GET|DELETE /_control/requests`, `POST|DELETE /_control/faults`.

mod control;
mod web_api;

use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::routing::{get, post};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use hirewire_sdk::fake::{FakeOptions, Faults, with_faults};
use hirewire_sdk::fake_log::{RequestLog, with_request_log};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A channel the fake knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Channel {
    /// Its id (`C…`).
    pub id: String,
    /// Its name without `#`.
    pub name: String,
    /// Whether the bot is a member (otherwise `not_in_channel`).
    #[serde(default = "yes")]
    pub is_member: bool,
    /// Whether it is archived (`is_archived`).
    #[serde(default)]
    pub is_archived: bool,
}

fn yes() -> bool {
    true
}

/// A user the fake knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// Its id (`U…`).
    pub id: String,
    /// Its email.
    pub email: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
}

/// A message the fake received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// The channel id it went to (`D…` for a direct message).
    pub channel: String,
    /// Its text.
    pub text: Option<String>,
    /// Its blocks.
    pub blocks: Option<Value>,
    /// The thread it replies to.
    pub thread_ts: Option<String>,
    /// Its timestamp id.
    pub ts: String,
    /// `bot` (chat.postMessage) or `webhook`.
    pub via: String,
}

/// The fake's behaviour switches, read and set at `/_control/settings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FakeSettings {
    /// The only bot token accepted; `None` accepts any token starting `xoxb-`.
    pub token: Option<String>,
    /// Whether the token was revoked (`token_revoked`).
    pub token_revoked: bool,
    /// The bot token's scopes.
    pub scopes: Vec<String>,
    /// Messages per second per channel.
    pub per_channel_per_second: u32,
    /// Messages a channel takes at once before 429.
    pub burst: u32,
    /// The channel id incoming webhooks post to.
    pub webhook_channel: String,
    /// Whether webhooks answer 403 `action_prohibited`.
    pub webhook_prohibited: bool,
}

impl Default for FakeSettings {
    fn default() -> Self {
        Self {
            token: None,
            token_revoked: false,
            scopes: vec!["chat:write".into(), "users:read".into(), "users:read.email".into()],
            per_channel_per_second: 1,
            burst: 3,
            webhook_channel: "C0GENERAL".into(),
            webhook_prohibited: false,
        }
    }
}

/// The channels and users a fresh fake has.
fn default_workspace() -> (Vec<Channel>, Vec<User>) {
    let channel = |id: &str, name: &str, is_member: bool| Channel {
        id: id.into(),
        name: name.into(),
        is_member,
        is_archived: false,
    };
    let user = |id: &str, email: &str, name: &str| User { id: id.into(), email: email.into(), name: name.into() };
    (
        vec![
            channel("C0GENERAL", "general", true),
            channel("C0PEOPLEOPS", "people-ops", true),
            channel("C0HRAUTOMATION", "hr-automation", true),
            channel("C0RANDOM", "random", false),
        ],
        vec![user("U0ADA", "ada.lovelace@acme.example", "ada"), user("U0GRACE", "grace.hopper@acme.example", "grace")],
    )
}

/// Everything the fake stores.
#[derive(Debug)]
pub struct FakeData {
    /// Channels.
    pub channels: Vec<Channel>,
    /// Users.
    pub users: Vec<User>,
    /// Messages received, oldest first.
    pub messages: Vec<Message>,
    /// Behaviour switches.
    pub settings: FakeSettings,
    next_ts: u64,
    limiter: Option<Arc<DefaultKeyedRateLimiter<String>>>,
}

impl FakeData {
    fn new() -> Self {
        let (channels, users) = default_workspace();
        let mut data = Self {
            channels,
            users,
            messages: Vec::new(),
            settings: FakeSettings::default(),
            next_ts: 1,
            limiter: None,
        };
        data.apply_settings(FakeSettings::default());
        data
    }

    fn apply_settings(&mut self, settings: FakeSettings) {
        self.limiter = NonZeroU32::new(settings.per_channel_per_second).map(|rate| {
            let burst = NonZeroU32::new(settings.burst).unwrap_or(rate);
            Arc::new(RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst)))
        });
        self.settings = settings;
    }

    /// Stores a message and returns its `ts`.
    fn store_message(&mut self, mut message: Message) -> String {
        let seconds = chrono::Utc::now().timestamp();
        message.ts = format!("{seconds}.{:06}", self.next_ts);
        self.next_ts += 1;
        let ts = message.ts.clone();
        self.messages.push(message);
        ts
    }
}

/// Shared state of one fake instance.
#[derive(Clone)]
pub struct FakeState {
    data: Arc<Mutex<FakeData>>,
    log: RequestLog,
}

impl FakeState {
    fn data(&self) -> MutexGuard<'_, FakeData> {
        self.data.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Builds the fake's router (mounted at `/slack` by the sandbox).
pub fn router(_options: FakeOptions) -> Router {
    let state = FakeState { data: Arc::new(Mutex::new(FakeData::new())), log: RequestLog::default() };
    let app = Router::new()
        .route("/api/chat.postMessage", post(web_api::post_message))
        .route("/api/users.lookupByEmail", get(web_api::lookup_by_email).post(web_api::lookup_by_email))
        .route("/api/auth.test", post(web_api::auth_test).get(web_api::auth_test))
        .route("/services/{team}/{bot}/{secret}", post(web_api::incoming_webhook))
        .with_state(state.clone())
        .merge(control::routes(state.clone()));
    with_request_log(with_faults(app, Faults::default()), state.log)
}
