//! `/healthz`, `/readyz` (database reachable, recipes loaded) and `/metrics` (behind `metrics_token:` when set).

use std::sync::atomic::Ordering;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::auth::bearer_of;
use crate::auth_limit::{client_ip, retry_after_header};
use crate::metric_definitions::QUEUE_DEPTH;

/// The process is up.
pub async fn healthz() -> impl IntoResponse {
    "ok"
}

/// The database answers and recipes are loaded.
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    if !state.recipes_loaded.load(Ordering::Relaxed) {
        return (StatusCode::SERVICE_UNAVAILABLE, "recipes not loaded".to_owned());
    }
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready".to_owned()),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, format!("database unreachable: {e}")),
    }
}

/// Prometheus text exposition; with `metrics_token:` only for `Authorization: Bearer <metrics_token>`.
pub async fn metrics(State(state): State<AppState>, request: Request) -> Response {
    let credentials = state.credentials.current();
    if credentials.requires_metrics_token() {
        // Guesses count against the same per-client budget as the api token's.
        let client = client_ip(request.extensions());
        if let Some(wait) = state.credentials.failures.retry_after(client) {
            return (StatusCode::TOO_MANY_REQUESTS, [retry_after_header(wait)], "too many failed attempts")
                .into_response();
        }
        if !credentials.metrics_token_matches(bearer_of(&request)) {
            state.credentials.failures.record_failure(client);
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                "missing or wrong metrics token",
            )
                .into_response();
        }
    }
    let Some(handle) = &state.metrics else {
        return (StatusCode::NOT_FOUND, String::new()).into_response();
    };
    if let Ok(depth) = state.store.queue_depth().await {
        metrics::gauge!(QUEUE_DEPTH).set(f64::from(u32::try_from(depth).unwrap_or(u32::MAX)));
    }
    (StatusCode::OK, handle.render()).into_response()
}
