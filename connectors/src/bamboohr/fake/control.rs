//! The fake's control API: read and seed employees, set list options and
//! behaviour switches, reset everything.

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
        .route("/_control/options", get(list_options).put(set_options))
        .route("/_control/settings", get(settings).put(set_settings))
        .route("/_control/reset", post(reset))
        .with_state(state)
}

async fn list_employees(State(state): State<FakeState>) -> impl IntoResponse {
    Json(state.data().employees.to_vec())
}

/// Seeds an employee (a flat BambooHR field map; `status: Inactive` hides it from the directory).
async fn seed_employee(State(state): State<FakeState>, Json(fields): Json<Map<String, Value>>) -> Response {
    let id = insert_employee(&mut state.data(), fields);
    (StatusCode::CREATED, Json(json!({"id": id}))).into_response()
}

async fn list_options(State(state): State<FakeState>) -> impl IntoResponse {
    Json(state.data().options.clone())
}

/// Replaces the options of the given list fields (an empty list removes the check).
async fn set_options(
    State(state): State<FakeState>,
    Json(lists): Json<BTreeMap<String, Vec<String>>>,
) -> impl IntoResponse {
    let mut data = state.data();
    for (field, values) in lists {
        if values.is_empty() {
            data.options.remove(&field);
        } else {
            data.options.insert(field, values);
        }
    }
    Json(data.options.clone())
}

async fn settings(State(state): State<FakeState>) -> impl IntoResponse {
    Json(state.data().settings.clone())
}

async fn set_settings(State(state): State<FakeState>, Json(settings): Json<FakeSettings>) -> impl IntoResponse {
    state.data().apply_settings(settings.clone());
    Json(settings)
}

async fn reset(State(state): State<FakeState>) -> impl IntoResponse {
    *state.data() = FakeData::new();
    state.log.clear();
    StatusCode::NO_CONTENT
}
