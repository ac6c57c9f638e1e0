//! `/healthz`, `/readyz` (database reachable, recipes loaded) and `/metrics`.

use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;

use super::AppState;
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

/// Prometheus text exposition.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let Some(handle) = &state.metrics else {
        return (StatusCode::NOT_FOUND, String::new());
    };
    if let Ok(depth) = state.store.queue_depth().await {
        metrics::gauge!(QUEUE_DEPTH).set(f64::from(u32::try_from(depth).unwrap_or(u32::MAX)));
    }
    (StatusCode::OK, handle.render())
}
