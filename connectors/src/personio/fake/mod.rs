//! The Personio sandbox fake (API v1): `/v1/auth` tokens (24 h, 60 a minute
//! then a cool-down), `{success, data}` envelopes, 422 errors, employees with
//! `{label, value, type, universal_id}` attributes, unknown departments and
//! offices ignored with a meta warning, immutable email, and 429 above 300
//! employee calls a minute (bursts of 15).
//!
//! Control API (below the mount point): `GET|POST /_control/employees`,
//! `GET|PUT /_control/org_units`, `GET|PUT /_control/settings`,
//! `POST /_control/revoke_tokens`, `POST /_control/reset`,
//! `GET|DELETE /_control/requests`, `POST|DELETE /_control/faults`.

mod control;
mod employees;

use std::collections::{BTreeMap, HashMap};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use hirewire_sdk::fake::{FakeOptions, Faults, with_faults};
use hirewire_sdk::fake_log::{RequestLog, with_request_log};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use tokio::time::Instant;

/// What the fake does with an email in an update (the real API's exact answer is unconfirmed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailInUpdate {
    /// Refuse with 422 (default).
    #[default]
    Reject,
    /// Ignore the email and update the rest.
    Ignore,
}

/// The fake's behaviour switches, read and set at `/_control/settings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FakeSettings {
    /// The only client id accepted; `None` accepts any.
    pub client_id: Option<String>,
    /// The only client secret accepted; `None` accepts any non-empty secret.
    pub client_secret: Option<String>,
    /// Token lifetime in seconds (Personio: 86400).
    pub token_ttl_secs: u64,
    /// `/v1/auth` calls allowed per minute (Personio: 60).
    pub auth_per_minute: u32,
    /// Employee calls allowed per minute (Personio: 300).
    pub employees_per_minute: u32,
    /// Burst of employee calls allowed at once (Personio: 15).
    pub employees_burst: u32,
    /// Whether 429s carry `Retry-After` (unconfirmed for Personio).
    pub send_retry_after: bool,
    /// What an email in an update does.
    pub email_in_update: EmailInUpdate,
}

impl Default for FakeSettings {
    fn default() -> Self {
        Self {
            client_id: None,
            client_secret: None,
            token_ttl_secs: 86_400,
            auth_per_minute: 60,
            employees_per_minute: 300,
            employees_burst: 15,
            send_retry_after: true,
            email_in_update: EmailInUpdate::Reject,
        }
    }
}

/// Departments, offices and subcompanies the fake knows, by kind.
pub fn default_org_units() -> BTreeMap<String, Vec<String>> {
    let list = |values: &[&str]| values.iter().map(|v| (*v).to_owned()).collect::<Vec<_>>();
    BTreeMap::from([
        ("department".to_owned(), list(&["Engineering", "IT", "Customer Support", "People", "Sales"])),
        ("office".to_owned(), list(&["Berlin", "Munich", "Madrid", "London"])),
        ("subcompany".to_owned(), list(&["ACME"])),
    ])
}

/// Everything the fake stores.
#[derive(Debug)]
pub struct FakeData {
    /// Employees: their plain field values by v1 name (`id` is a number).
    pub employees: Vec<Map<String, Value>>,
    /// The next id to hand out.
    pub next_id: u64,
    /// Known org units by kind.
    pub org_units: BTreeMap<String, Vec<String>>,
    /// Issued tokens and when they expire.
    pub tokens: HashMap<String, Instant>,
    /// Behaviour switches.
    pub settings: FakeSettings,
    auth_limiter: Option<Arc<DefaultDirectRateLimiter>>,
    employees_limiter: Option<Arc<DefaultDirectRateLimiter>>,
}

impl FakeData {
    fn new() -> Self {
        let mut data = Self {
            employees: Vec::new(),
            next_id: 81_723,
            org_units: default_org_units(),
            tokens: HashMap::new(),
            settings: FakeSettings::default(),
            auth_limiter: None,
            employees_limiter: None,
        };
        data.apply_settings(FakeSettings::default());
        data
    }

    fn apply_settings(&mut self, settings: FakeSettings) {
        self.auth_limiter =
            NonZeroU32::new(settings.auth_per_minute).map(|n| Arc::new(RateLimiter::direct(Quota::per_minute(n))));
        self.employees_limiter = NonZeroU32::new(settings.employees_per_minute).map(|n| {
            let burst = NonZeroU32::new(settings.employees_burst).unwrap_or(n);
            Arc::new(RateLimiter::direct(Quota::per_minute(n).allow_burst(burst)))
        });
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

/// A v1 error envelope.
pub fn error_answer(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"success": false, "error": {"code": status.as_u16(), "message": message}}))).into_response()
}

/// A 429, with `Retry-After` when configured.
fn too_many_requests(wait: Duration, send_retry_after: bool) -> Response {
    let mut response = error_answer(StatusCode::TOO_MANY_REQUESTS, "Too many requests, please slow down");
    if send_retry_after && let Ok(value) = HeaderValue::from_str(&(wait.as_secs() + 1).to_string()) {
        response.headers_mut().insert(axum::http::header::RETRY_AFTER, value);
    }
    response
}

fn limited(limiter: Option<&Arc<DefaultDirectRateLimiter>>) -> Option<Duration> {
    let limiter = limiter?;
    limiter.check().err().map(|not_until| {
        not_until.wait_time_from(governor::clock::Clock::now(&governor::clock::DefaultClock::default()))
    })
}

/// Builds the fake's router (mounted at `/personio` by the sandbox).
pub fn router(_options: FakeOptions) -> Router {
    let state = FakeState { data: Arc::new(Mutex::new(FakeData::new())), log: RequestLog::default() };
    let company = Router::new()
        .route("/v1/company/employees", get(employees::list_employees).post(employees::create_employee))
        .route("/v1/company/employees/{id}", get(employees::get_employee).patch(employees::update_employee))
        .layer(axum::middleware::from_fn_with_state(state.clone(), bearer_guard))
        .with_state(state.clone());
    let auth = Router::new().route("/v1/auth", post(issue_token)).with_state(state.clone());
    let app = company.merge(auth).merge(control::routes(state.clone()));
    with_request_log(with_faults(app, Faults::default()), state.log)
}

/// `POST /v1/auth` with JSON or form `{client_id, client_secret}`.
async fn issue_token(
    State(state): State<FakeState>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let form = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let credentials: HashMap<String, String> = if form {
        url::form_urlencoded::parse(&body).into_owned().collect()
    } else {
        serde_json::from_slice::<HashMap<String, Value>>(&body)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_owned())))
            .collect()
    };
    let mut data = state.data();
    if let Some(wait) = limited(data.auth_limiter.as_ref()) {
        return too_many_requests(wait.max(Duration::from_secs(59)), data.settings.send_retry_after);
    }
    let id = credentials.get("client_id").cloned().unwrap_or_default();
    let secret = credentials.get("client_secret").cloned().unwrap_or_default();
    let ok = !id.is_empty()
        && !secret.is_empty()
        && data.settings.client_id.as_ref().is_none_or(|c| *c == id)
        && data.settings.client_secret.as_ref().is_none_or(|c| *c == secret);
    if !ok {
        return error_answer(StatusCode::UNAUTHORIZED, "Wrong credentials");
    }
    let token = format!("papi-{}", uuid_like(data.tokens.len() as u64 + data.next_id));
    let ttl = data.settings.token_ttl_secs;
    data.tokens.insert(token.clone(), Instant::now() + Duration::from_secs(ttl));
    let mut response = Json(json!({"success": true, "data": {"token": token, "expires_in": ttl, "scope": "employees:read employees:write"}})).into_response();
    if let Ok(value) = HeaderValue::from_str(&format!("Bearer {token}")) {
        response.headers_mut().insert(axum::http::header::AUTHORIZATION, value);
    }
    response
}

/// A token-looking string, unique per fake.
fn uuid_like(n: u64) -> String {
    let random: u64 = rand::random();
    format!("{random:016x}{n:08x}")
}

/// Bearer token check and the employees rate limit.
async fn bearer_guard(State(state): State<FakeState>, request: Request, next: Next) -> Response {
    let token = request
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    {
        let data = state.data();
        let valid = token.as_ref().and_then(|t| data.tokens.get(t)).is_some_and(|expires| Instant::now() < *expires);
        if !valid {
            return error_answer(StatusCode::UNAUTHORIZED, "The access token is invalid or expired");
        }
        if let Some(wait) = limited(data.employees_limiter.as_ref()) {
            return too_many_requests(wait, data.settings.send_retry_after);
        }
    }
    next.run(request).await
}
