//! The sandbox's stand-in for "any HTTP API": a request bin. Every request
//! under the mount point is recorded (method, path, query, JSON or text body;
//! never credentials) and answered `201` with `{"id": n, "received": body}`;
//! `GET /_control/requests` lists what arrived, `DELETE` clears it.

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::get;
use hirewire_sdk::fake::{FakeOptions, Faults, with_faults};
use serde_json::{Value, json};

#[derive(Clone, Default)]
struct Bin {
    received: Arc<Mutex<Vec<Value>>>,
}

/// The request-bin fake.
pub fn router(_options: FakeOptions) -> Router {
    let bin = Bin::default();
    let routes = Router::new()
        .route("/_control/requests", get(list_requests).delete(clear_requests))
        .fallback(record_request)
        .with_state(bin);
    with_faults(routes, Faults::default())
}

async fn record_request(State(bin): State<Bin>, method: Method, uri: Uri, body: Bytes) -> impl IntoResponse {
    let parsed = serde_json::from_slice::<Value>(&body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
    let mut received = bin.received.lock().expect("request bin");
    received.push(json!({
        "method": method.as_str(),
        "path": uri.path(),
        "query": uri.query(),
        "body": parsed,
    }));
    (StatusCode::CREATED, Json(json!({ "id": received.len(), "received": parsed })))
}

async fn list_requests(State(bin): State<Bin>) -> impl IntoResponse {
    Json(Value::Array(bin.received.lock().expect("request bin").clone()))
}

async fn clear_requests(State(bin): State<Bin>) -> impl IntoResponse {
    bin.received.lock().expect("request bin").clear();
    StatusCode::NO_CONTENT
}
