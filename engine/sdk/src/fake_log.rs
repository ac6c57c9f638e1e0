//! The request log of a sandbox fake: every request a fake received (method,
//! path, query, body; never credentials), readable at
//! `GET /<connector>/_control/requests` and cleared with `DELETE`.

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Largest body the log reads (bigger bodies are refused with 413).
const MAX_LOGGED_BODY: usize = 4 * 1024 * 1024;

/// One request as a fake received it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggedRequest {
    /// `GET`, `POST`...
    pub method: String,
    /// The path below the fake's mount point.
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The scheme of the `Authorization` header (`Basic`, `Bearer`), never its credentials.
    pub auth_scheme: Option<String>,
    /// The body: JSON when it parses, else text, else `null`.
    pub body: Value,
    /// When it arrived.
    pub at: DateTime<Utc>,
}

/// The requests one fake received, shared between its handlers and its control API.
#[derive(Debug, Clone, Default)]
pub struct RequestLog {
    entries: Arc<Mutex<Vec<LoggedRequest>>>,
}

impl RequestLog {
    /// Every request so far, oldest first.
    #[must_use]
    pub fn entries(&self) -> Vec<LoggedRequest> {
        self.entries.lock().expect("request log lock").clone()
    }
    /// The requests with this method whose path ends with `path_suffix`.
    #[must_use]
    pub fn matching(&self, method: &str, path_suffix: &str) -> Vec<LoggedRequest> {
        self.entries().into_iter().filter(|r| r.method == method && r.path.ends_with(path_suffix)).collect()
    }
    /// Forgets every request.
    pub fn clear(&self) {
        self.entries.lock().expect("request log lock").clear();
    }
    fn push(&self, entry: LoggedRequest) {
        self.entries.lock().expect("request log lock").push(entry);
    }
}

/// Wraps a fake's router so that it logs every request (outside `/_control/`)
/// and serves the log at `/_control/requests`. Put it outermost (around
/// [`crate::fake::with_faults`]) so that faulted requests are logged too.
pub fn with_request_log(router: Router, log: RequestLog) -> Router {
    let control =
        Router::new().route("/_control/requests", get(list_requests).delete(clear_requests)).with_state(log.clone());
    router.merge(control).layer(axum::middleware::from_fn_with_state(log, log_request))
}

async fn list_requests(State(log): State<RequestLog>) -> impl IntoResponse {
    Json(log.entries())
}

async fn clear_requests(State(log): State<RequestLog>) -> impl IntoResponse {
    log.clear();
    axum::http::StatusCode::NO_CONTENT
}

async fn log_request(State(log): State<RequestLog>, request: Request, next: Next) -> Response {
    if request.uri().path().contains("/_control/") {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_LOGGED_BODY).await else {
        return (axum::http::StatusCode::PAYLOAD_TOO_LARGE, "body too large").into_response();
    };
    let header =
        |name: axum::http::HeaderName| parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let body_value = if bytes.is_empty() {
        Value::Null
    } else if let Ok(json) = serde_json::from_slice::<Value>(&bytes) {
        json
    } else {
        Value::String(String::from_utf8_lossy(&bytes).into_owned())
    };
    log.push(LoggedRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        content_type: header(axum::http::header::CONTENT_TYPE),
        auth_scheme: header(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.split_whitespace().next().map(str::to_owned)),
        body: body_value,
        at: Utc::now(),
    });
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}
