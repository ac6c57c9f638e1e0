//! The HiBob sandbox fake: people create, search (one filter, no paging, 429
//! above 50 a minute), PUT-as-patch with 304 on no change, email changes,
//! service-user Basic auth with 403 until permissions are granted, company
//! lists for site and department, and a configurable read lag.
//!
//! Control API (below the mount point): `GET|POST /_control/employees`,
//! `GET|PUT /_control/lists`, `GET|PUT /_control/settings`, `POST /_control/reset`,
//! `GET|DELETE /_control/requests`, `POST|DELETE /_control/faults`.

mod control;
mod people;

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{post, put};
use axum::{Json, Router};
use base64::Engine as _;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use hirewire_sdk::fake::{FakeOptions, Faults, with_faults};
use hirewire_sdk::fake_log::{RequestLog, with_request_log};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use tokio::time::Instant;

/// What the fake does with a site or department that is not in its list (unconfirmed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnknownListValue {
    /// Refuse with 400 (default).
    #[default]
    Reject,
    /// Store the value anyway.
    Accept,
}

/// The fake's behaviour switches, read and set at `/_control/settings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FakeSettings {
    /// The only service user id accepted; `None` accepts any.
    pub service_user_id: Option<String>,
    /// The only token accepted; `None` accepts any non-empty token.
    pub token: Option<String>,
    /// Whether the service user is in a permission group (otherwise every call is 403).
    pub permissions_granted: bool,
    /// Searches allowed per minute (HiBob: 50).
    pub search_per_minute: u32,
    /// How long a write takes to show in searches, in milliseconds (HiBob: up to 20 s).
    pub read_lag_ms: u64,
    /// What an unknown site or department does.
    pub unknown_list_value: UnknownListValue,
}

impl Default for FakeSettings {
    fn default() -> Self {
        Self {
            service_user_id: None,
            token: None,
            permissions_granted: true,
            search_per_minute: 50,
            read_lag_ms: 0,
            unknown_list_value: UnknownListValue::Reject,
        }
    }
}

/// The company lists and their default values.
pub fn default_lists() -> BTreeMap<String, Vec<String>> {
    let list = |values: &[&str]| values.iter().map(|v| (*v).to_owned()).collect::<Vec<_>>();
    BTreeMap::from([
        ("site".to_owned(), list(&["New-York", "London", "Berlin", "Tel Aviv", "Other - France"])),
        ("department".to_owned(), list(&["Engineering", "R&D", "People", "Sales", "Marketing", "Finance", "Product"])),
    ])
}

/// One stored person.
#[derive(Debug, Clone)]
pub struct Person {
    /// The person as search returns it (`id`, `firstName`, `surname`, `email`, `displayName`, `work`…).
    pub record: Map<String, Value>,
    /// Whether the person is active.
    pub active: bool,
    /// When the last write becomes visible to searches.
    pub visible_at: Instant,
}

/// Everything the fake stores.
#[derive(Debug)]
pub struct FakeData {
    /// People in creation order.
    pub people: Vec<Person>,
    /// The next id to hand out.
    pub next_id: u64,
    /// Company lists (`site`, `department`).
    pub lists: BTreeMap<String, Vec<String>>,
    /// Behaviour switches.
    pub settings: FakeSettings,
    search_limiter: Option<Arc<DefaultDirectRateLimiter>>,
}

impl FakeData {
    fn new() -> Self {
        let mut data = Self {
            people: Vec::new(),
            next_id: 3_332_883_854_254_932_743,
            lists: default_lists(),
            settings: FakeSettings::default(),
            search_limiter: None,
        };
        data.apply_settings(FakeSettings::default());
        data
    }

    fn apply_settings(&mut self, settings: FakeSettings) {
        self.search_limiter =
            NonZeroU32::new(settings.search_per_minute).map(|n| Arc::new(RateLimiter::direct(Quota::per_minute(n))));
        self.settings = settings;
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

/// A HiBob `{key, error}` answer.
pub fn error_answer(status: StatusCode, key: &str, error: &str) -> Response {
    (status, Json(json!({"key": key, "error": error}))).into_response()
}

/// Builds the fake's router (mounted at `/hibob` by the sandbox).
pub fn router(_options: FakeOptions) -> Router {
    let state = FakeState { data: Arc::new(Mutex::new(FakeData::new())), log: RequestLog::default() };
    let api = Router::new()
        .route("/v1/people", post(people::create_person))
        .route("/v1/people/search", post(people::search_people))
        .route("/v1/people/{id}", put(people::update_person).post(people::read_person))
        .route("/v1/people/{id}/email", put(people::update_email))
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state.clone());
    let app = api.merge(control::routes(state.clone()));
    with_request_log(with_faults(app, Faults::default()), state.log)
}

/// Service-user Basic auth, then the permission check.
async fn guard(State(state): State<FakeState>, request: Request, next: Next) -> Response {
    let pair = request
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b64| base64::engine::general_purpose::STANDARD.decode(b64.trim()).ok())
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|pair| pair.split_once(':').map(|(u, t)| (u.to_owned(), t.to_owned())));
    let settings = state.data().settings.clone();
    let authorized = pair.is_some_and(|(user, token)| {
        !user.is_empty()
            && !token.is_empty()
            && settings.service_user_id.as_ref().is_none_or(|u| *u == user)
            && settings.token.as_ref().is_none_or(|t| *t == token)
    });
    if !authorized {
        return error_answer(StatusCode::UNAUTHORIZED, "unauthorized", "Invalid service user credentials");
    }
    if !settings.permissions_granted {
        return error_answer(
            StatusCode::FORBIDDEN,
            "forbidden",
            "The service user has no permission for this action; add it to a permission group",
        );
    }
    next.run(request).await
}

/// A 429 with `Retry-After` and the rate-limit headers.
pub fn too_many_requests(limit: u32, wait_secs: u64) -> Response {
    let mut response =
        error_answer(StatusCode::TOO_MANY_REQUESTS, "tooManyRequests", "Rate limit exceeded for /people/search");
    let headers = response.headers_mut();
    for (name, value) in [
        ("retry-after", wait_secs.to_string()),
        ("x-ratelimit-limit", limit.to_string()),
        ("x-ratelimit-remaining", "0".to_owned()),
        ("x-ratelimit-reset", wait_secs.to_string()),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    }
    response
}
