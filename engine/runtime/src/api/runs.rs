//! `/api/runs`, `/api/runs/<id>`, `/api/runs/<id>/retry`, `/api/recipes` and `/api/nodes`.

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use hirewire_core::recipe::Trigger;
use hirewire_store::{RequeueVersion, RunFilter, RunStatus, StoreError};
use serde::Deserialize;
use serde_json::json;

use super::AppState;
use crate::intake::trigger_identity;
use hirewire_store::run_json::{detail_json as run_detail_json, summary_json as run_summary_json};

/// Query of `GET /api/runs` (the CLI's filters).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunsQuery {
    recipe: Option<String>,
    status: Option<String>,
    /// A duration back from now (`24h`, `7d`).
    since: Option<String>,
    candidate: Option<String>,
    limit: Option<u32>,
    /// Pagination: the last id of the previous page.
    before: Option<String>,
}

fn bad_request(message: impl Into<String>) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": message.into() }))).into_response()
}

fn store_error(e: &StoreError) -> Response {
    tracing::error!(error = %e, "store error in API");
    (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({ "error": "the run history is unavailable" }))).into_response()
}

/// Lists runs, newest first, paginated with `before` (the response's `next_before`).
pub async fn list_runs(State(state): State<AppState>, Query(query): Query<RunsQuery>) -> Response {
    let mut filter = RunFilter { limit: query.limit.unwrap_or(50).clamp(1, 500), ..RunFilter::default() };
    filter.recipe = query.recipe;
    filter.candidate_id = query.candidate;
    filter.before = query.before;
    if let Some(status) = query.status {
        match status.parse::<RunStatus>() {
            Ok(s) => filter.status = Some(s),
            Err(e) => return bad_request(e.to_string()),
        }
    }
    if let Some(since) = query.since {
        match humantime::parse_duration(&since) {
            Ok(d) => filter.since = Some(Utc::now() - chrono::Duration::from_std(d).unwrap_or_default()),
            Err(_) => return bad_request(format!("since: `{since}` is not a duration (24h, 7d...)")),
        }
    }
    match state.store.list_runs(&filter).await {
        Ok(runs) => {
            let next_before =
                (runs.len() == filter.limit as usize).then(|| runs.last().map(|r| r.id.clone())).flatten();
            let runs: Vec<_> = runs.iter().map(run_summary_json).collect();
            Json(json!({ "runs": runs, "next_before": next_before })).into_response()
        }
        Err(e) => store_error(&e),
    }
}

/// One run with its steps.
pub async fn show_run(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    match state.store.get_run(&id).await {
        Ok(Some(run)) => Json(run_detail_json(&run)).into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, Json(json!({ "error": format!("no run `{id}`") }))).into_response(),
        Err(e) => store_error(&e),
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
pub async fn retry_run(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Option<Json<RetryBody>>,
) -> Response {
    let body = body.map(|Json(b)| b).unwrap_or_default();
    let version = match body.version.as_deref() {
        None | Some("original") => RequeueVersion::Original,
        Some("current") => RequeueVersion::Current,
        Some(other) => return bad_request(format!("version: `{other}` is not `original` or `current`")),
    };
    let requested_by = body.requested_by.unwrap_or_else(|| "api".to_owned());
    match state.store.requeue_run(&id, body.from_step.as_deref(), version, Some(&requested_by)).await {
        Ok(new_id) => {
            crate::wakeup::announce_runs(&state.store, &state.wake).await;
            (StatusCode::ACCEPTED, Json(json!({ "retry_of": id, "run_id": new_id }))).into_response()
        }
        Err(StoreError::RunNotFound(_)) => {
            (StatusCode::NOT_FOUND, Json(json!({ "error": format!("no run `{id}`") }))).into_response()
        }
        Err(
            e @ (StoreError::NotRetryable { .. }
            | StoreError::StepNotFound { .. }
            | StoreError::RetryPending { .. }
            | StoreError::NoRecipeVersion { .. }),
        ) => (StatusCode::CONFLICT, Json(json!({ "error": e.to_string() }))).into_response(),
        Err(e) => store_error(&e),
    }
}

/// Each loaded recipe with its trigger state and last run.
pub async fn list_recipes(State(state): State<AppState>) -> Response {
    let mut out = Vec::new();
    for recipe in state.recipes.all_current() {
        let identity = trigger_identity(&recipe);
        let trigger_state = match state.store.trigger_state(&recipe.name, &identity).await {
            Ok(s) => s,
            Err(e) => return store_error(&e),
        };
        let last = match state
            .store
            .list_runs(&RunFilter { recipe: Some(recipe.name.clone()), limit: 1, ..RunFilter::default() })
            .await
        {
            Ok(runs) => runs.first().map(run_summary_json),
            Err(e) => return store_error(&e),
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
            "file": recipe.file.display().to_string(),
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
        Err(e) => store_error(&e),
    }
}
