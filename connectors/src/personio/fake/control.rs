//! The fake's control API: read and seed employees, set org units and
//! behaviour switches, revoke tokens, reset everything.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Map, Value, json};

use super::employees::insert_employee;
use super::{FakeData, FakeSettings, FakeState};

/// The control routes, below the mount point.
pub fn routes(state: FakeState) -> Router {
    Router::new()
        .route("/_control/employees", get(list_employees).post(seed_employee))
        .route("/_control/org_units", get(org_units).put(set_org_units))
        .route("/_control/settings", get(settings).put(set_settings))
        .route("/_control/revoke_tokens", post(revoke_tokens))
        .route("/_control/reset", post(reset))
        .with_state(state)
}

async fn list_employees(State(state): State<FakeState>) -> impl IntoResponse {
    Json(state.data().employees.clone())
}

/// Seeds an employee from plain v1 field values (`email`, `first_name`, `department`...).
async fn seed_employee(State(state): State<FakeState>, Json(fields): Json<Map<String, Value>>) -> Response {
    let id = insert_employee(&mut state.data(), fields);
    (StatusCode::CREATED, Json(json!({"id": id}))).into_response()
}

async fn org_units(State(state): State<FakeState>) -> impl IntoResponse {
    Json(state.data().org_units.clone())
}

/// Replaces the known names of the given org-unit kinds (`department`, `office`, `subcompany`).
async fn set_org_units(
    State(state): State<FakeState>,
    Json(units): Json<BTreeMap<String, Vec<String>>>,
) -> impl IntoResponse {
    let mut data = state.data();
    data.org_units.extend(units);
    Json(data.org_units.clone())
}

async fn settings(State(state): State<FakeState>) -> impl IntoResponse {
    Json(state.data().settings.clone())
}

async fn set_settings(State(state): State<FakeState>, Json(settings): Json<FakeSettings>) -> impl IntoResponse {
    state.data().apply_settings(settings.clone());
    Json(settings)
}

/// Makes every issued token invalid (as if it expired).
async fn revoke_tokens(State(state): State<FakeState>) -> impl IntoResponse {
    state.data().tokens.clear();
    StatusCode::NO_CONTENT
}

async fn reset(State(state): State<FakeState>) -> impl IntoResponse {
    *state.data() = FakeData::new();
    state.log.clear();
    StatusCode::NO_CONTENT
}
