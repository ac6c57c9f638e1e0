//! The BambooHR sandbox fake: employees, directory and custom reports under
//! both URL styles (`/api/gateway.php/{company}/v1/…` and `/api/v1/…`), Basic
//! auth with any password, list fields checked against options, and
//! configurable throttling (429 or 503 with `Retry-After`).
//!
//! Control API (below the mount point): `GET|POST /_control/employees`,
//! `PUT /_control/options`, `GET|PUT /_control/settings`, `POST /_control/reset`,
//! `GET|DELETE /_control/requests`, `POST|DELETE /_control/faults`.

mod control;
mod directory;
mod employees;

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use hirewire_sdk::fake::{FakeOptions, Faults, with_faults};
use hirewire_sdk::fake_log::{RequestLog, with_request_log};
use serde::{Deserialize, Serialize};

use self::directory::EmployeeRecords;

/// What the fake does with a list-field value that is not an option (the real behaviour is unconfirmed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnknownListValue {
    /// Refuse the request with 409 (default).
    #[default]
    Conflict,
    /// Accept the request and silently drop the field.
    Drop,
}

/// The fake's behaviour switches, read and set at `/_control/settings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FakeSettings {
    /// The only API key accepted; `None` accepts any non-empty key.
    pub api_key: Option<String>,
    /// What an unknown list value does.
    pub unknown_list_value: UnknownListValue,
    /// Requests allowed per minute before throttling; `None` never throttles.
    pub requests_per_minute: Option<u32>,
    /// The throttling status: 429 (since 2026-09-16) or 503 (before).
    pub throttle_status: u16,
    /// Whether the directory is shared (otherwise it answers 403).
    pub directory_shared: bool,
}

impl Default for FakeSettings {
    fn default() -> Self {
        Self {
            api_key: None,
            unknown_list_value: UnknownListValue::Conflict,
            requests_per_minute: None,
            throttle_status: 429,
            directory_shared: true,
        }
    }
}

/// The list fields and their default options.
pub fn default_options() -> BTreeMap<String, Vec<String>> {
    let list = |values: &[&str]| values.iter().map(|v| (*v).to_owned()).collect::<Vec<_>>();
    BTreeMap::from([
        (
            "department".to_owned(),
            list(&["Engineering", "People", "Sales", "Marketing", "Customer Support", "Finance", "Product"]),
        ),
        ("location".to_owned(), list(&["Berlin, DE", "London, UK", "New York, US", "Remote"])),
        ("division".to_owned(), list(&["Europe", "North America"])),
    ])
}

/// The fields BambooHR checks against option lists.
pub const LIST_FIELDS: [&str; 4] = ["jobTitle", "department", "location", "division"];

/// Everything the fake stores.
#[derive(Debug)]
pub struct FakeData {
    /// Employees by insertion order; each a flat field map with a string `id`.
    pub employees: EmployeeRecords,
    /// The next id to hand out.
    pub next_id: u64,
    /// Options of list fields; a field without a list accepts any value.
    pub options: BTreeMap<String, Vec<String>>,
    /// Behaviour switches.
    pub settings: FakeSettings,
    limiter: Option<Arc<DefaultDirectRateLimiter>>,
}

impl FakeData {
    fn new() -> Self {
        Self {
            employees: EmployeeRecords::default(),
            next_id: 100,
            options: default_options(),
            settings: FakeSettings::default(),
            limiter: None,
        }
    }

    fn apply_settings(&mut self, settings: FakeSettings) {
        self.limiter = settings
            .requests_per_minute
            .and_then(NonZeroU32::new)
            .map(|n| Arc::new(RateLimiter::direct(Quota::per_minute(n))));
        self.settings = settings;
    }
}

/// Shared state of one fake instance.
#[derive(Clone)]
pub struct FakeState {
    data: Arc<Mutex<FakeData>>,
    log: RequestLog,
    public_url: String,
}

impl FakeState {
    fn data(&self) -> MutexGuard<'_, FakeData> {
        self.data.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// An answer with BambooHR's error header and no body.
pub fn error_answer(status: StatusCode, message: &str) -> Response {
    let mut response = status.into_response();
    if let Ok(value) = HeaderValue::from_str(message) {
        response.headers_mut().insert("x-bamboohr-error-message", value);
    }
    response
}

/// Builds the fake's router (mounted at `/bamboohr` by the sandbox).
pub fn router(options: FakeOptions) -> Router {
    let state = FakeState {
        data: Arc::new(Mutex::new(FakeData::new())),
        log: RequestLog::default(),
        public_url: options.public_url.trim_end_matches('/').to_owned(),
    };
    let v1 = Router::new()
        .route("/employees", post(employees::create_employee))
        .route("/employees/", post(employees::create_employee))
        .route("/employees/directory", get(employees::directory))
        .route("/employees/{id}", get(employees::get_employee).post(employees::update_employee))
        .route("/reports/custom", post(employees::custom_report))
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state.clone());
    let api = Router::new().nest("/api/gateway.php/{company}/v1", v1.clone()).nest("/api/v1", v1);
    let app = api.merge(control::routes(state.clone()));
    with_request_log(with_faults(app, Faults::default()), state.log)
}

/// Basic auth (API key as user name, any password) and throttling.
async fn guard(State(state): State<FakeState>, request: Request, next: Next) -> Response {
    let user = request
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b64| base64::engine::general_purpose::STANDARD.decode(b64.trim()).ok())
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|pair| pair.split_once(':').map(|(user, _)| user.to_owned()));
    let (expected, limiter, throttle_status) = {
        let data = state.data();
        (data.settings.api_key.clone(), data.limiter.clone(), data.settings.throttle_status)
    };
    let authorized = match (&user, &expected) {
        (Some(user), Some(key)) => user == key,
        (Some(user), None) => !user.is_empty(),
        (None, _) => false,
    };
    if !authorized {
        return error_answer(StatusCode::UNAUTHORIZED, "Invalid API key");
    }
    if let Some(limiter) = limiter
        && let Err(not_until) = limiter.check()
    {
        let wait = not_until.wait_time_from(governor::clock::Clock::now(&governor::clock::DefaultClock::default()));
        let status = StatusCode::from_u16(throttle_status).unwrap_or(StatusCode::TOO_MANY_REQUESTS);
        let mut response = error_answer(status, "API request limit exceeded");
        let secs = wait.as_secs() + 1;
        if let Ok(value) = HeaderValue::from_str(&secs.to_string()) {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, value);
        }
        return response;
    }
    next.run(request).await
}
