//! `/api/runs`, `/api/runs/<id>`, `/api/runs/<id>/retry`, `/api/recipes` and `/api/nodes`.

use std::time::Duration;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use hirewire_core::recipe::Trigger;
use hirewire_store::{RunFilter, StoreError};
use serde::Deserialize;
use serde_json::json;

use super::AppState;
use crate::intake::trigger_identity;
use crate::ops::{ErrorClass, PageSize, RetryRequest, RunQuery, parse_version, retry_run};
use hirewire_store::run_json::{detail_json as run_detail_json, summary_json as run_summary_json};

fn bad_request(message: impl Into<String>) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": message.into() }))).into_response()
}

/// The answer to a store error on run `run_id` (empty when no run was named), logged when the store failed.
fn store_error(e: &StoreError, run_id: &str) -> Response {
    let class = ErrorClass::of(e);
    if class == ErrorClass::Unavailable {
        tracing::error!(error = %e, "store error in API");
    }
    (class.http_status(), Json(json!({ "error": class.message(e, run_id) }))).into_response()
}

/// Lists runs, newest first, paginated with `before` (the response's `next_before`).
pub async fn list_runs(State(state): State<AppState>, query: Result<Query<RunQuery>, QueryRejection>) -> Response {
    let filter = match query
        .map_err(|e| e.body_text())
        .and_then(|Query(q)| q.filter(Utc::now(), PageSize::API).map_err(|problems| problems.to_string()))
    {
        Ok(filter) => filter,
        Err(message) => return bad_request(message),
    };
    match state.store.list_runs(&filter).await {
        Ok(runs) => {
            let next_before =
                (runs.len() == filter.limit as usize).then(|| runs.last().map(|r| r.id.clone())).flatten();
            let runs: Vec<_> = runs.iter().map(run_summary_json).collect();
            Json(json!({ "runs": runs, "next_before": next_before })).into_response()
        }
        Err(e) => store_error(&e, ""),
    }
}

/// One run with its steps.
pub async fn show_run(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    match state.store.get_run(&id).await {
        Ok(Some(run)) => Json(run_detail_json(&run)).into_response(),
        Ok(None) => store_error(&StoreError::RunNotFound(id.clone()), &id),
        Err(e) => store_error(&e, &id),
    }
}

/// Body of `POST /api/runs/<id>/retry`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryBody {
    /// Retry from this step (earlier steps keep their results).
    from_step: Option<String>,
    /// `original` (default) or `current`.
    version: Option<String>,
    /// Who asked (recorded with the new run).
    requested_by: Option<String>,
}

/// Retries a finished run.
pub async fn retry(State(state): State<AppState>, Path(id): Path<String>, body: Option<Json<RetryBody>>) -> Response {
    let body = body.map(|Json(b)| b).unwrap_or_default();
    let version = match parse_version(body.version.as_deref()) {
        Ok(version) => version,
        Err(message) => return bad_request(message),
    };
    let request = RetryRequest {
        from_step: body.from_step,
        version,
        requested_by: body.requested_by.unwrap_or_else(|| "api".to_owned()),
    };
    match retry_run(&state.store, &state.wake, &id, &request).await {
        Ok(new_id) => (StatusCode::ACCEPTED, Json(json!({ "retry_of": id, "run_id": new_id }))).into_response(),
        Err(e) => store_error(&e, &id),
    }
}

/// Each loaded recipe with its trigger state and last run.
pub async fn list_recipes(State(state): State<AppState>) -> Response {
    let mut out = Vec::new();
    for recipe in state.recipes.all_current() {
        let identity = trigger_identity(&recipe);
        let trigger_state = match state.store.trigger_state(&recipe.name, &identity).await {
            Ok(s) => s,
            Err(e) => return store_error(&e, ""),
        };
        let last = match state
            .store
            .list_runs(&RunFilter { recipe: Some(recipe.name.clone()), limit: 1, ..RunFilter::default() })
            .await
        {
            Ok(runs) => runs.first().map(run_summary_json),
            Err(e) => return store_error(&e, ""),
        };
        let trigger = match &recipe.trigger {
            Trigger::Connector(t) => json!({
                "connection": t.connection, "event": t.event, "delivery": t.delivery.as_str(),
            }),
            Trigger::Clock(_) => json!({ "schedule": true }),
        };
        out.push(json!({
            "name": recipe.name,
            "description": recipe.description,
            "enabled": recipe.enabled,
            "version": recipe.version,
            "file": project_relative(&state.project_dir, &recipe.file),
            "trigger": trigger,
            "trigger_state": trigger_state.map(|s| json!({
                "identity": s.identity,
                "cursor": s.cursor,
                "last_polled_at": s.last_polled_at,
                "next_fire_at": s.next_fire_at,
                "lease_owner": s.lease_owner,
            })),
            "last_run": last,
        }));
    }
    Json(json!({ "recipes": out })).into_response()
}

/// Nodes seen in the last minute.
pub async fn list_nodes(State(state): State<AppState>) -> Response {
    match state.store.live_nodes(Duration::from_secs(60)).await {
        Ok(nodes) => Json(json!({ "nodes": nodes, "this_node": state.node })).into_response(),
        Err(e) => store_error(&e, ""),
    }
}

/// `file` relative to the project directory (`recipes/hired.yaml`): answers never show where the project
/// lives on the server. A file outside the project shows as its name only.
fn project_relative(dir: &std::path::Path, file: &std::path::Path) -> String {
    file.strip_prefix(dir)
        .ok()
        .map(std::path::Path::to_path_buf)
        .or_else(|| file.file_name().map(std::path::PathBuf::from))
        .unwrap_or_default()
        .display()
        .to_string()
}
