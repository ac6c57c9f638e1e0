//! The fake's Web API methods and incoming webhooks.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::{FakeData, FakeState, Message};

/// An `ok:false` answer (HTTP 200, as Slack does).
fn slack_error(code: &str) -> Response {
    Json(json!({"ok": false, "error": code})).into_response()
}

/// The arguments of a Web API call: JSON body, form body or query, plus the bearer token.
fn arguments(
    headers: &HeaderMap,
    query: &HashMap<String, String>,
    body: &Bytes,
) -> (Map<String, Value>, Option<String>) {
    let content_type = headers.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let mut args: Map<String, Value> = query.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
    if content_type.starts_with("application/json") {
        if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) {
            args.extend(map);
        }
    } else {
        for (key, value) in url::form_urlencoded::parse(body) {
            let value = if key == "blocks" {
                serde_json::from_str(&value).unwrap_or(Value::String(value.into_owned()))
            } else {
                Value::String(value.into_owned())
            };
            args.insert(key.into_owned(), value);
        }
    }
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned)
        .or_else(|| args.get("token").and_then(Value::as_str).map(str::to_owned));
    (args, token)
}

/// Checks the token and a scope; the `ok:false` error otherwise.
fn authorize(data: &FakeData, token: Option<&str>, scope: &str) -> Result<(), Box<Response>> {
    let Some(token) = token.filter(|t| !t.is_empty()) else { return Err(Box::new(slack_error("not_authed"))) };
    let valid = match &data.settings.token {
        Some(expected) => expected == token,
        None => token.starts_with("xoxb-"),
    };
    if !valid {
        return Err(Box::new(slack_error("invalid_auth")));
    }
    if data.settings.token_revoked {
        return Err(Box::new(slack_error("token_revoked")));
    }
    if !data.settings.scopes.iter().any(|s| s == scope) {
        let provided = data.settings.scopes.join(",");
        return Err(Box::new(
            Json(json!({"ok": false, "error": "missing_scope", "needed": scope, "provided": provided})).into_response(),
        ));
    }
    Ok(())
}

/// Checks text and blocks the way Slack does.
fn check_content(args: &Map<String, Value>) -> Result<(), &'static str> {
    let text = args.get("text").and_then(Value::as_str).unwrap_or_default();
    let blocks = args.get("blocks");
    if let Some(blocks) = blocks {
        let valid = blocks
            .as_array()
            .is_some_and(|b| b.iter().all(|block| block.get("type").and_then(Value::as_str).is_some()));
        if !valid {
            return Err("invalid_blocks");
        }
    }
    if text.trim().is_empty() && blocks.and_then(Value::as_array).is_none_or(Vec::is_empty) {
        return Err("no_text");
    }
    if text.chars().count() > 40_000 {
        return Err("msg_too_long");
    }
    Ok(())
}

/// `POST /api/chat.postMessage`.
pub async fn post_message(
    State(state): State<FakeState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let (args, token) = arguments(&headers, &query, &body);
    let mut data = state.data();
    if let Err(answer) = authorize(&data, token.as_deref(), "chat:write") {
        return *answer;
    }
    let wanted = args.get("channel").and_then(Value::as_str).unwrap_or_default().trim().to_owned();
    let channel_id = if let Some(user) = data.users.iter().find(|u| u.id == wanted) {
        format!("D{}", user.id.trim_start_matches('U'))
    } else {
        let name = wanted.trim_start_matches('#');
        let Some(channel) = data.channels.iter().find(|c| c.id == wanted || c.name == name) else {
            return slack_error("channel_not_found");
        };
        if channel.is_archived {
            return slack_error("is_archived");
        }
        if !channel.is_member {
            return slack_error("not_in_channel");
        }
        channel.id.clone()
    };
    if let Err(code) = check_content(&args) {
        return slack_error(code);
    }
    if let Some(limiter) = &data.limiter
        && let Err(not_until) = limiter.check_key(&channel_id)
    {
        let wait = not_until.wait_time_from(governor::clock::Clock::now(&governor::clock::DefaultClock::default()));
        let mut response =
            (StatusCode::TOO_MANY_REQUESTS, Json(json!({"ok": false, "error": "ratelimited"}))).into_response();
        if let Ok(value) = HeaderValue::from_str(&(wait.as_secs() + 1).to_string()) {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, value);
        }
        return response;
    }
    let text = args.get("text").and_then(Value::as_str).map(str::to_owned);
    let message = Message {
        channel: channel_id.clone(),
        text: text.clone(),
        blocks: args.get("blocks").cloned(),
        thread_ts: args.get("thread_ts").and_then(Value::as_str).map(str::to_owned),
        ts: String::new(),
        via: "bot".into(),
    };
    let ts = data.store_message(message);
    Json(json!({
        "ok": true,
        "channel": channel_id,
        "ts": ts,
        "message": {"type": "message", "subtype": "bot_message", "text": text, "bot_id": "B0HIREWIRE", "ts": ts}
    }))
    .into_response()
}

/// `GET|POST /api/users.lookupByEmail`.
pub async fn lookup_by_email(
    State(state): State<FakeState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let (args, token) = arguments(&headers, &query, &body);
    let data = state.data();
    if let Err(answer) = authorize(&data, token.as_deref(), "users:read.email") {
        return *answer;
    }
    let email = args.get("email").and_then(Value::as_str).unwrap_or_default();
    match data.users.iter().find(|u| u.email.eq_ignore_ascii_case(email)) {
        Some(user) => {
            Json(json!({"ok": true, "user": {"id": user.id, "name": user.name, "profile": {"email": user.email}}}))
                .into_response()
        }
        None => slack_error("users_not_found"),
    }
}

/// `POST /api/auth.test`.
pub async fn auth_test(
    State(state): State<FakeState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let (_, token) = arguments(&headers, &query, &body);
    let data = state.data();
    if let Err(answer) = authorize(&data, token.as_deref(), "chat:write") {
        return *answer;
    }
    Json(json!({"ok": true, "url": "https://acme.slack.com/", "team": "Acme", "user": "hirewire", "team_id": "T0ACME", "user_id": "U0HIREWIRE", "bot_id": "B0HIREWIRE"}))
        .into_response()
}

/// `POST /services/{T}/{B}/{secret}`: plain-text `ok`, or a plain-text error with its status.
pub async fn incoming_webhook(State(state): State<FakeState>, body: Bytes) -> Response {
    let plain = |status: StatusCode, text: &str| {
        (status, [(axum::http::header::CONTENT_TYPE, "text/plain")], text.to_owned()).into_response()
    };
    let Ok(Value::Object(args)) = serde_json::from_slice::<Value>(&body) else {
        return plain(StatusCode::BAD_REQUEST, "invalid_payload");
    };
    let mut data = state.data();
    if data.settings.webhook_prohibited {
        return plain(StatusCode::FORBIDDEN, "action_prohibited");
    }
    let channel_id = data.settings.webhook_channel.clone();
    match data.channels.iter().find(|c| c.id == channel_id) {
        None => return plain(StatusCode::NOT_FOUND, "channel_not_found"),
        Some(channel) if channel.is_archived => return plain(StatusCode::GONE, "channel_is_archived"),
        Some(_) => {}
    }
    if check_content(&args).is_err() {
        return plain(StatusCode::BAD_REQUEST, "invalid_payload");
    }
    if let Some(limiter) = &data.limiter
        && limiter.check_key(&channel_id).is_err()
    {
        let mut response = plain(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
        response.headers_mut().insert(axum::http::header::RETRY_AFTER, HeaderValue::from_static("1"));
        return response;
    }
    let message = Message {
        channel: channel_id,
        text: args.get("text").and_then(Value::as_str).map(str::to_owned),
        blocks: args.get("blocks").cloned(),
        thread_ts: args.get("thread_ts").and_then(Value::as_str).map(str::to_owned),
        ts: String::new(),
        via: "webhook".into(),
    };
    data.store_message(message);
    plain(StatusCode::OK, "ok")
}
