//! HTTP connector tests against a small local API: URLs, bodies, every auth
//! kind, OAuth2 token caching and renewal, expected statuses, parsing,
//! retries only where safe, timeouts and secrets that never leak.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use hirewire_sdk::{ActionContext, ActionError, Connection, ErrorKind};
use serde_json::{Value, json};

use super::HttpConnection;
use crate::test_support::FakeServer;

#[derive(Default)]
struct Api {
    flaky_calls: AtomicU32,
    limited_calls: AtomicU32,
    token_calls: AtomicU32,
    valid_token: std::sync::Mutex<String>,
}

async fn echo(method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Json<Value> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    Json(json!({
        "method": method.as_str(), "path": uri.path(), "query": uri.query(),
        "authorization": header("authorization"), "x_api_key": header("x-api-key"),
        "content_type": header("content-type"), "x_trace": header("x-trace"),
        "body": String::from_utf8_lossy(&body),
    }))
}

async fn flaky(State(api): State<Arc<Api>>) -> Response {
    if api.flaky_calls.fetch_add(1, Ordering::SeqCst) < 2 {
        return (StatusCode::SERVICE_UNAVAILABLE, "try again").into_response();
    }
    Json(json!({"ok": true})).into_response()
}

async fn limited(State(api): State<Arc<Api>>) -> Response {
    if api.limited_calls.fetch_add(1, Ordering::SeqCst) == 0 {
        return (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "0")], "slow down").into_response();
    }
    Json(json!({"ok": true})).into_response()
}

async fn token(State(api): State<Arc<Api>>, headers: HeaderMap, body: String) -> Response {
    let basic = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default();
    // base64("client-1:oauth-secret-3f9")
    if basic != "Basic Y2xpZW50LTE6b2F1dGgtc2VjcmV0LTNmOQ==" || !body.contains("grant_type=client_credentials") {
        return (StatusCode::UNAUTHORIZED, Json(json!({"error": "invalid_client", "error_description": "bad client"})))
            .into_response();
    }
    let n = api.token_calls.fetch_add(1, Ordering::SeqCst) + 1;
    let token = format!("tok-{n}");
    *api.valid_token.lock().unwrap() = token.clone();
    Json(json!({"access_token": token, "token_type": "Bearer", "expires_in": 3600})).into_response()
}

async fn protected(State(api): State<Arc<Api>>, headers: HeaderMap) -> Response {
    let expected = format!("Bearer {}", api.valid_token.lock().unwrap());
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
        return (StatusCode::UNAUTHORIZED, Json(json!({"message": "token expired"}))).into_response();
    }
    Json(json!({"secret_data": 42})).into_response()
}

async fn revoke(State(api): State<Arc<Api>>) -> StatusCode {
    api.valid_token.lock().unwrap().clear();
    StatusCode::NO_CONTENT
}

async fn missing(Query(q): Query<HashMap<String, String>>) -> Response {
    let email = q.get("email").cloned().unwrap_or_default();
    (StatusCode::NOT_FOUND, Json(json!({"message": format!("no person with email {email}")}))).into_response()
}

async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(3)).await;
    "late"
}

async fn start() -> (FakeServer, Arc<Api>) {
    let api = Arc::new(Api::default());
    let router = Router::new()
        .route("/api/echo", any(echo))
        .route("/api/echo/{*rest}", any(echo))
        .route("/api/flaky", any(flaky))
        .route("/api/limited", any(limited))
        .route("/api/protected", get(protected))
        .route("/api/revoke", post(revoke))
        .route("/api/missing", get(missing))
        .route("/api/slow", get(slow))
        .route("/api/text", get(|| async { "hello" }))
        .route("/oauth/token", post(token))
        .with_state(api.clone());
    (FakeServer::start(router).await, api)
}

fn connect(server: &FakeServer, auth: Value) -> HttpConnection {
    let config = json!({"base_url": format!("{}/api", server.url()), "auth": auth, "headers": {"x-trace": "hirewire"}});
    HttpConnection::from_settings(FakeServer::settings("people_api", config)).unwrap()
}

async fn request(connection: &HttpConnection, input: Value) -> Result<Value, ActionError> {
    connection.run_action("request", input, &ActionContext::ad_hoc("call")).await
}

#[tokio::test]
async fn a_relative_path_joins_the_base_url_with_query_and_headers() {
    let (server, _) = start().await;
    let api = connect(&server, json!("none"));
    let out = request(&api, json!({"path": "/echo/people", "query": {"tag": ["a", "b"], "limit": 5, "skip": null}}))
        .await
        .unwrap();
    assert_eq!(out["status"], 200);
    assert_eq!(out["headers"]["content-type"], "application/json");
    assert_eq!(out["body"]["method"], "GET");
    assert_eq!(out["body"]["path"], "/api/echo/people");
    assert_eq!(out["body"]["query"], "limit=5&tag=a&tag=b");
    assert_eq!(out["body"]["x_trace"], "hirewire");
    assert_eq!(out["body"]["authorization"], Value::Null);
}

#[tokio::test]
async fn json_form_and_raw_bodies_are_encoded() {
    let (server, _) = start().await;
    let api = connect(&server, json!("none"));
    let out =
        request(&api, json!({"method": "POST", "path": "echo", "body": {"json": {"name": "Ada"}}})).await.unwrap();
    assert_eq!(
        (out["body"]["content_type"].as_str(), out["body"]["body"].as_str()),
        (Some("application/json"), Some("{\"name\":\"Ada\"}"))
    );
    let out = request(&api, json!({"method": "PUT", "path": "echo", "body": {"form": {"name": "Ada L", "n": 1}}}))
        .await
        .unwrap();
    assert_eq!(out["body"]["body"], "n=1&name=Ada+L");
    assert_eq!(out["body"]["content_type"], "application/x-www-form-urlencoded");
    let raw = json!({"method": "POST", "path": "echo", "body": {"raw": "<a/>"}, "content_type": "application/xml"});
    let out = request(&api, raw).await.unwrap();
    assert_eq!(
        (out["body"]["content_type"].as_str(), out["body"]["body"].as_str()),
        (Some("application/xml"), Some("<a/>"))
    );
}

#[tokio::test]
async fn bearer_basic_header_and_query_auth_are_sent() {
    let (server, _) = start().await;
    let out = request(&connect(&server, json!({"bearer": "bearer-secret-1"})), json!({"path": "echo"})).await.unwrap();
    assert_eq!(out["body"]["authorization"], "Bearer bearer-secret-1");
    let basic = connect(&server, json!({"basic": {"username": "u", "password": "p"}}));
    assert_eq!(request(&basic, json!({"path": "echo"})).await.unwrap()["body"]["authorization"], "Basic dTpw");
    let header = connect(&server, json!({"header": {"name": "X-Api-Key", "value": "k1"}}));
    assert_eq!(request(&header, json!({"path": "echo"})).await.unwrap()["body"]["x_api_key"], "k1");
    let query = connect(&server, json!({"query": {"name": "api_key", "value": "k2"}}));
    assert_eq!(
        request(&query, json!({"path": "echo", "query": {"a": 1}})).await.unwrap()["body"]["query"],
        "a=1&api_key=k2"
    );
}

#[tokio::test]
async fn credentials_are_not_sent_to_another_origin() {
    let (server, _) = start().await;
    let (other, _) = start().await;
    let api = connect(&server, json!({"bearer": "bearer-secret-1"}));
    let out = request(&api, json!({"url": format!("{}/api/echo", other.url())})).await.unwrap();
    assert_eq!(out["body"]["authorization"], Value::Null);
}

#[tokio::test]
async fn oauth2_tokens_are_cached_and_renewed_after_a_401() {
    let (server, api_state) = start().await;
    let auth = json!({"oauth2_client_credentials": {"token_url": format!("{}/oauth/token", server.url()), "client_id": "client-1", "client_secret": "oauth-secret-3f9", "scope": "people:read"}});
    let api = connect(&server, auth);
    for _ in 0..2 {
        assert_eq!(request(&api, json!({"path": "protected"})).await.unwrap()["body"]["secret_data"], 42);
    }
    assert_eq!(api_state.token_calls.load(Ordering::SeqCst), 1);
    request(&api, json!({"method": "POST", "path": "revoke"})).await.unwrap();
    assert_eq!(request(&api, json!({"path": "protected"})).await.unwrap()["status"], 200);
    assert_eq!(api_state.token_calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_refused_oauth2_client_is_an_auth_error_without_the_secret() {
    let (server, _) = start().await;
    let auth = json!({"oauth2_client_credentials": {"token_url": format!("{}/oauth/token", server.url()), "client_id": "client-1", "client_secret": "wrong-secret-8d"}});
    let api = connect(&server, auth);
    let error = request(&api, json!({"path": "protected"})).await.unwrap_err();
    assert_eq!((error.kind, error.status), (ErrorKind::Auth, Some(401)));
    assert_eq!(error.message, "OAuth2 token request failed: invalid_client: bad client");
    for text in [error.to_string(), format!("{error:?}"), format!("{api:?}")] {
        assert!(!text.contains("wrong-secret-8d"), "leak in {text}");
    }
}

#[tokio::test]
async fn expected_statuses_and_classified_errors() {
    let (server, _) = start().await;
    let api = connect(&server, json!("none"));
    let ok = request(&api, json!({"path": "missing", "expected_status": [404]})).await.unwrap();
    assert_eq!((ok["status"].as_u64(), ok["body"]["message"].as_str()), (Some(404), Some("no person with email ")));
    let error = request(&api, json!({"path": "missing", "query": {"email": "a@b.c"}})).await.unwrap_err();
    assert_eq!((error.kind, error.status), (ErrorKind::NotFound, Some(404)));
    assert_eq!(error.to_string(), "404 no person with email a@b.c");
    assert_eq!(error.field.as_deref(), Some("email"));
}

#[tokio::test]
async fn response_parsing_follows_the_choice() {
    let (server, _) = start().await;
    let api = connect(&server, json!("none"));
    assert_eq!(request(&api, json!({"path": "text"})).await.unwrap()["body"], "hello");
    let error = request(&api, json!({"path": "text", "response": "json"})).await.unwrap_err();
    assert!(error.message.starts_with("response is not JSON"), "{error}");
    assert_eq!(
        request(&api, json!({"path": "echo", "response": "text"})).await.unwrap()["body"]
            .as_str()
            .map(|b| b.starts_with('{')),
        Some(true)
    );
}

#[tokio::test]
async fn idempotent_methods_are_retried_within_the_step() {
    let (server, state) = start().await;
    let api = connect(&server, json!("none"));
    assert_eq!(request(&api, json!({"path": "flaky"})).await.unwrap()["body"], json!({"ok": true}));
    assert_eq!(state.flaky_calls.load(Ordering::SeqCst), 3);
    assert_eq!(request(&api, json!({"path": "limited"})).await.unwrap()["status"], 200);
    assert_eq!(state.limited_calls.load(Ordering::SeqCst), 2, "429 with Retry-After is retried");
}

#[tokio::test]
async fn post_is_not_retried_unless_asked() {
    let (server, state) = start().await;
    let api = connect(&server, json!("none"));
    let error = request(&api, json!({"method": "POST", "path": "flaky"})).await.unwrap_err();
    assert_eq!((error.kind, error.status), (ErrorKind::Transient, Some(503)));
    assert_eq!(error.message, "try again");
    assert_eq!(state.flaky_calls.load(Ordering::SeqCst), 1, "sent once");
    let out = request(&api, json!({"method": "POST", "path": "flaky", "retry_non_idempotent": true})).await.unwrap();
    assert_eq!(out["status"], 200);
    assert_eq!(state.flaky_calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_timeout_is_transient() {
    let (server, _) = start().await;
    let api = connect(&server, json!("none"));
    let error = request(&api, json!({"path": "slow", "timeout_ms": 200, "retries": 0})).await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::Transient);
    assert!(error.message.starts_with("request timed out"), "{error}");
}

#[tokio::test]
async fn bad_inputs_name_the_field_and_send_nothing() {
    let (server, _) = start().await;
    let api = connect(&server, json!("none"));
    let error = request(&api, json!({"path": "echo", "url": "https://x.example"})).await.unwrap_err();
    assert_eq!((error.kind, error.field.as_deref()), (ErrorKind::InvalidInput, Some("url")));
    let error = request(&api, json!({"path": "echo", "method": "FETCH"})).await.unwrap_err();
    assert_eq!(error.field.as_deref(), Some("method"));
    let error = request(&api, json!({"path": "echo", "headers": {"bad header": "x"}})).await.unwrap_err();
    assert_eq!(error.field.as_deref(), Some("headers.bad header"));
}

#[test]
fn the_spec_example_auth_parses() {
    let config = super::config::HttpConfig::parse(
        json!({"base_url": "https://people.acme.example/api", "auth": {"bearer": "t0k3n"}}),
    )
    .unwrap();
    assert!(matches!(config.auth, super::config::HttpAuth::Bearer(_)));
    assert!(!format!("{config:?}").contains("t0k3n"));
    let error = super::config::HttpConfig::parse(json!({"auth": {"bearer": "x", "basic": {}}})).unwrap_err();
    assert_eq!(error.field, "auth");
}
