//! The fake's control API: read and seed people, set company lists and
//! behaviour switches, reset everything.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Map, Value, json};

use super::people::insert_person;
use super::{FakeData, FakeSettings, FakeState};

/// The control routes, below the mount point.
pub fn routes(state: FakeState) -> Router {
    Router::new()
        .route("/_control/employees", get(list_people).post(seed_person))
        .route("/_control/lists", get(lists).put(set_lists))
        .route("/_control/settings", get(settings).put(set_settings))
        .route("/_control/reset", post(reset))
        .with_state(state)
}

/// Every person with its `active` flag.
async fn list_people(State(state): State<FakeState>) -> impl IntoResponse {
    let people: Vec<Value> = state
        .data()
        .people
        .iter()
        .map(|p| {
            let mut record = p.record.clone();
            record.insert("active".into(), Value::Bool(p.active));
            Value::Object(record)
        })
        .collect();
    Json(people)
}

/// Seeds a person (`active: false` makes it inactive); visible to searches at once.
async fn seed_person(State(state): State<FakeState>, Json(mut record): Json<Map<String, Value>>) -> Response {
    let active = record.remove("active").and_then(|v| v.as_bool()).unwrap_or(true);
    let mut data = state.data();
    let stored = insert_person(&mut data, record, active);
    if let Some(last) = data.people.last_mut() {
        last.visible_at = tokio::time::Instant::now();
    }
    (StatusCode::CREATED, Json(json!({"id": stored.get("id")}))).into_response()
}

async fn lists(State(state): State<FakeState>) -> impl IntoResponse {
    Json(state.data().lists.clone())
}

/// Replaces the values of the given company lists.
async fn set_lists(
    State(state): State<FakeState>,
    Json(lists): Json<BTreeMap<String, Vec<String>>>,
) -> impl IntoResponse {
    let mut data = state.data();
    data.lists.extend(lists);
    Json(data.lists.clone())
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
