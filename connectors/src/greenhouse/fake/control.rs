//! The fake's control API under `/_control/`: create records, move/hire/reject
//! applications, bulk-generate data, change settings, read the request log and send
//! signed webhooks.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::SharedState;
use super::records::{NewCandidate, NewInterview};
use super::seed::{bulk_candidates, bulk_hires};
use super::webhook_sender::{deliver, webhook_body};

/// The control routes.
pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/_control/candidates", post(add_candidate))
        .route("/_control/users", post(add_user))
        .route("/_control/jobs", post(add_job))
        .route("/_control/applications", post(add_application))
        .route("/_control/applications/{id}/move", post(move_application))
        .route("/_control/applications/{id}/hire", post(hire_application))
        .route("/_control/applications/{id}/reject", post(reject_application))
        .route("/_control/interviews", post(add_interview))
        .route("/_control/offers", post(add_offer))
        .route("/_control/offers/{id}/accept", post(accept_offer))
        .route("/_control/bulk", post(bulk))
        .route("/_control/settings", get(read_settings).post(change_settings))
        .route("/_control/tokens/revoke", post(revoke_tokens))
        .route("/_control/requests", get(read_requests).delete(clear_requests))
        .route("/_control/webhooks", post(send_webhook))
}

fn created(v: Option<Value>) -> Response {
    match v {
        Some(v) => (StatusCode::CREATED, Json(v)).into_response(),
        None => (StatusCode::NOT_FOUND, Json(json!({"message": "Resource not found"}))).into_response(),
    }
}

async fn add_candidate(State(s): State<SharedState>, Json(c): Json<NewCandidate>) -> Response {
    created(Some(s.lock().add_candidate(&c)))
}

#[derive(Deserialize)]
struct NewUser {
    first_name: String,
    last_name: String,
    primary_email: String,
    #[serde(default)]
    site_admin: bool,
}

async fn add_user(State(s): State<SharedState>, Json(u): Json<NewUser>) -> Response {
    created(Some(s.lock().add_user(
        &u.first_name,
        &u.last_name,
        &u.primary_email,
        u.site_admin,
    )))
}

#[derive(Deserialize)]
struct NewJob {
    name: String,
}

async fn add_job(State(s): State<SharedState>, Json(j): Json<NewJob>) -> Response {
    created(Some(s.lock().add_job(&j.name)))
}

#[derive(Deserialize)]
struct NewApplication {
    candidate_id: i64,
    job_id: i64,
    #[serde(default)]
    prospect: bool,
}

async fn add_application(State(s): State<SharedState>, Json(a): Json<NewApplication>) -> Response {
    created(s.lock().add_application(a.candidate_id, a.job_id, a.prospect))
}

#[derive(Deserialize, Default)]
struct MoveTo {
    #[serde(default)]
    to_stage_name: Option<String>,
}

async fn move_application(State(s): State<SharedState>, Path(id): Path<i64>, body: Option<Json<MoveTo>>) -> Response {
    let to = body.map(|Json(b)| b).unwrap_or_default();
    created(s.lock().move_application(id, to.to_stage_name.as_deref()))
}

async fn hire_application(State(s): State<SharedState>, Path(id): Path<i64>) -> Response {
    created(s.lock().hire_application(id))
}

async fn reject_application(State(s): State<SharedState>, Path(id): Path<i64>) -> Response {
    created(s.lock().reject_application(id))
}

async fn add_interview(State(s): State<SharedState>, Json(i): Json<NewInterview>) -> Response {
    created(s.lock().add_interview(&i))
}

#[derive(Deserialize)]
struct NewOffer {
    application_id: i64,
    starts_on: String,
}

async fn add_offer(State(s): State<SharedState>, Json(o): Json<NewOffer>) -> Response {
    created(s.lock().add_offer(o.application_id, &o.starts_on))
}

async fn accept_offer(State(s): State<SharedState>, Path(id): Path<i64>) -> Response {
    created(s.lock().accept_offer(id))
}

#[derive(Deserialize)]
struct Bulk {
    /// `candidates` or `hires`.
    kind: String,
    count: usize,
}

async fn bulk(State(s): State<SharedState>, Json(b): Json<Bulk>) -> Response {
    let seed = s.seed;
    let ids = match b.kind.as_str() {
        "candidates" => bulk_candidates(&mut s.lock(), seed, b.count),
        "hires" => bulk_hires(&mut s.lock(), seed, b.count),
        _ => {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({"errors": ["kind: candidates or hires"]})),
            )
                .into_response();
        }
    };
    (
        StatusCode::CREATED,
        Json(json!({"count": ids.len(), "first_id": ids.first(), "last_id": ids.last()})),
    )
        .into_response()
}

async fn read_settings(State(s): State<SharedState>) -> Response {
    Json(json!(s.lock().settings)).into_response()
}

/// Merges the given keys into the settings (`rate_limit`, `window_secs`, `token_ttl_secs`...).
async fn change_settings(State(s): State<SharedState>, Json(changes): Json<Map<String, Value>>) -> Response {
    let mut state = s.lock();
    let mut current = match serde_json::to_value(&state.settings) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    current.extend(changes);
    match serde_json::from_value(Value::Object(current)) {
        Ok(settings) => {
            state.settings = settings;
            Json(json!(state.settings)).into_response()
        }
        Err(e) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"errors": [e.to_string()]})),
        )
            .into_response(),
    }
}

async fn revoke_tokens(State(s): State<SharedState>) -> Response {
    s.lock().tokens.clear();
    StatusCode::NO_CONTENT.into_response()
}

async fn read_requests(State(s): State<SharedState>) -> Response {
    let state = s.lock();
    Json(json!({"counters": state.counters, "log": state.log})).into_response()
}

async fn clear_requests(State(s): State<SharedState>) -> Response {
    let mut state = s.lock();
    state.log.clear();
    state.counters = super::state::Counters::default();
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
struct SendWebhook {
    url: String,
    secret: String,
    action: String,
    /// The application (or offer, for `offer_*` actions).
    id: i64,
    #[serde(default)]
    event_id: Option<String>,
    /// Total deliveries of the same event (redeliveries = deliveries - 1).
    #[serde(default)]
    deliveries: Option<u32>,
}

async fn send_webhook(State(s): State<SharedState>, Json(w): Json<SendWebhook>) -> Response {
    let body = webhook_body(&s.lock(), &w.action, w.id);
    let Some(body) = body else {
        return (StatusCode::NOT_FOUND, Json(json!({"message": "Resource not found"}))).into_response();
    };
    let event_id = w
        .event_id
        .unwrap_or_else(|| format!("{}-{}-{}", w.action, w.id, chrono::Utc::now().timestamp_millis()));
    let statuses = deliver(&w.url, &w.secret, &event_id, &body, w.deliveries.unwrap_or(1)).await;
    Json(json!({"event_id": event_id, "statuses": statuses})).into_response()
}
