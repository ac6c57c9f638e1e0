//! The fake's control API: read messages, add channels and users, set
//! behaviour switches, reset everything.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};

use super::{Channel, FakeData, FakeSettings, FakeState, User};

/// The control routes, below the mount point.
pub fn routes(state: FakeState) -> Router {
    Router::new()
        .route("/_control/messages", get(messages))
        .route("/_control/channels", get(channels).post(add_channel))
        .route("/_control/users", get(users).post(add_user))
        .route("/_control/settings", get(settings).put(set_settings))
        .route("/_control/reset", post(reset))
        .with_state(state)
}

async fn messages(State(state): State<FakeState>) -> impl IntoResponse {
    Json(state.data().messages.clone())
}

async fn channels(State(state): State<FakeState>) -> impl IntoResponse {
    Json(state.data().channels.clone())
}

/// Adds a channel, or replaces the one with the same id.
async fn add_channel(State(state): State<FakeState>, Json(channel): Json<Channel>) -> impl IntoResponse {
    let mut data = state.data();
    data.channels.retain(|c| c.id != channel.id);
    data.channels.push(channel);
    StatusCode::CREATED
}

async fn users(State(state): State<FakeState>) -> impl IntoResponse {
    Json(state.data().users.clone())
}

/// Adds a user, or replaces the one with the same id.
async fn add_user(State(state): State<FakeState>, Json(user): Json<User>) -> impl IntoResponse {
    let mut data = state.data();
    data.users.retain(|u| u.id != user.id);
    data.users.push(user);
    StatusCode::CREATED
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
