//! `POST /webhooks/<connection>`: verifies the delivery, records one run per
//! matching recipe and answers 2xx only once they are durably recorded (so the
//! sender redelivers otherwise); redeliveries are recognised and not recorded twice.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use hirewire_sdk::WebhookError;
use hirewire_store::WebhookOutcome;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::AppState;
use crate::intake::{Source, runs_for_event};
use crate::metric_definitions::{RUNS_RECORDED_TOTAL, WEBHOOKS_TOTAL};
use crate::notify::Reach;

/// Receives one webhook delivery.
pub async fn receive_webhook(
    State(state): State<AppState>,
    Path(connection): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let Some(live) = state.connections.get(&connection) else {
        return (StatusCode::NOT_FOUND, Json(json!({ "error": format!("no connection named `{connection}`") })));
    };
    let events = match live.connection.decode_webhook(&headers, &body) {
        Ok(events) => events,
        Err(e) => {
            let status = match e {
                WebhookError::BadSignature => StatusCode::UNAUTHORIZED,
                WebhookError::Malformed(_) => StatusCode::BAD_REQUEST,
                WebhookError::NotSupported => StatusCode::NOT_FOUND,
            };
            metrics::counter!(WEBHOOKS_TOTAL, "connection" => connection.clone(), "outcome" => "rejected").increment(1);
            tracing::warn!(connection = %connection, error = %e, "webhook rejected");
            return (status, Json(json!({ "error": e.to_string() })));
        }
    };
    let recipes = state.recipes.all_current();
    let mut runs = Vec::new();
    for event in &events {
        runs.extend(runs_for_event(&recipes, &connection, &event.event, Source::Webhook, &state.expr).await);
    }
    // A delivery without an id (a sender that sends none) is identified by its body.
    let delivery_id =
        events.iter().find_map(|e| e.delivery_id.clone()).unwrap_or_else(|| format!("sha256:{}", hex_digest(&body)));
    match state.store.record_webhook(&connection, &delivery_id, &runs).await {
        Ok(WebhookOutcome::Redelivery) => {
            metrics::counter!(WEBHOOKS_TOTAL, "connection" => connection.clone(), "outcome" => "duplicate")
                .increment(1);
            (StatusCode::OK, Json(json!({ "status": "duplicate", "delivery_id": delivery_id })))
        }
        Ok(WebhookOutcome::Recorded(outcomes)) => {
            metrics::counter!(WEBHOOKS_TOTAL, "connection" => connection.clone(), "outcome" => "recorded").increment(1);
            let run_ids: Vec<&str> = outcomes.iter().filter_map(|o| o.run_id()).collect();
            for run in &runs {
                metrics::counter!(RUNS_RECORDED_TOTAL, "recipe" => run.recipe.clone(), "source" => "webhook")
                    .increment(1);
            }
            if !run_ids.is_empty() {
                state.wake.runs_waiting(Reach::ThisNode).await;
            }
            (
                StatusCode::OK,
                Json(
                    json!({ "status": "recorded", "delivery_id": delivery_id, "runs": run_ids, "duplicates": outcomes.len() - run_ids.len() }),
                ),
            )
        }
        Err(e) => {
            tracing::error!(connection = %connection, error = %e, "webhook could not be recorded; the sender will redeliver");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "error": "could not record the delivery; retry later" })))
        }
    }
}

fn hex_digest(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
