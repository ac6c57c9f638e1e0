//! What every fake request passes through: the token endpoints, bearer checks (401),
//! Site Admin and scope checks (403), the fixed rate window with `X-RateLimit-*` headers
//! and 429 + `Retry-After`, and the request log.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::Utc;
use rand::Rng as _;
use serde_json::json;

use super::SharedState;
use super::state::{Grant, LoggedRequest, timestamp};

/// The acting user of an admitted API request (`None`: integration service user).
#[derive(Debug, Clone, Copy)]
pub struct Acting(pub Option<i64>);

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let raw = headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Basic ")?;
    let decoded = String::from_utf8(STANDARD.decode(raw.trim()).ok()?).ok()?;
    let (user, pass) = decoded.split_once(':')?;
    Some((user.to_owned(), pass.to_owned()))
}

fn mint(state: &SharedState, sub: Option<i64>) -> Response {
    let mut s = state.lock();
    let token: String = format!("fake-jwt-{:032x}", rand::rng().random::<u128>());
    let ttl = chrono::Duration::milliseconds((s.settings.token_ttl_secs * 1000.0) as i64);
    let expires_at = Utc::now() + ttl;
    s.tokens.insert(token.clone(), Grant { sub, expires_at });
    let body = if s.settings.token_expiry_field == "expires_in" {
        json!({"access_token": token, "token_type": "Bearer", "expires_in": s.settings.token_ttl_secs})
    } else {
        json!({"access_token": token, "token_type": "Bearer", "expires_at": timestamp(expires_at)})
    };
    Json(body).into_response()
}

/// `POST /token`: client credentials with HTTP Basic and an optional `sub`.
pub async fn client_credentials_token(State(state): State<SharedState>, headers: HeaderMap, body: String) -> Response {
    state.lock().counters.token_requests += 1;
    let form: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes()).into_owned().collect();
    let field = |k: &str| form.iter().find(|(f, _)| f == k).map(|(_, v)| v.clone());
    let valid = {
        let s = state.lock();
        basic_credentials(&headers)
            .is_some_and(|(id, secret)| id == s.settings.client_id && secret == s.settings.client_secret)
    };
    if !valid {
        return (StatusCode::UNAUTHORIZED, Json(json!({"error": "invalid_client"}))).into_response();
    }
    if field("grant_type").as_deref() != Some("client_credentials") {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "unsupported_grant_type"})),
        )
            .into_response();
    }
    let sub = match field("sub") {
        None => None,
        Some(raw) => match raw.parse::<i64>() {
            Ok(id) if state.lock().get("users", id).is_some() => Some(id),
            _ => return (StatusCode::BAD_REQUEST, Json(json!({"error": "invalid_grant"}))).into_response(),
        },
    };
    mint(&state, sub)
}

/// `POST /auth/token`: exchanges a Harvest API key (Basic `<key>:`) for a v3 token.
pub async fn api_key_token(State(state): State<SharedState>, headers: HeaderMap) -> Response {
    state.lock().counters.token_requests += 1;
    let valid = {
        let s = state.lock();
        basic_credentials(&headers).is_some_and(|(key, _)| key == s.settings.api_key)
    };
    if !valid {
        return (StatusCode::UNAUTHORIZED, Json(json!({"error": "invalid_client"}))).into_response();
    }
    mint(&state, None)
}

fn errors(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"errors": [message]}))).into_response()
}

/// The scope a request needs, e.g. `harvest:candidates:list`.
fn scope_of(method: &Method, path: &str) -> String {
    let resource = path.trim_start_matches("/v3/").split('/').next().unwrap_or_default();
    let verb = match *method {
        Method::GET => "list",
        Method::POST => "create",
        Method::PATCH | Method::PUT => "update",
        _ => "delete",
    };
    format!("harvest:{resource}:{verb}")
}

/// Middleware on `/v3/...`: rate window, token, scope and Site Admin checks, headers, log.
pub async fn admit(State(state): State<SharedState>, mut request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().unwrap_or_default().to_owned();
    let now_ms = u64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis()),
    )
    .unwrap_or(0);
    let (limit, remaining, reset, verdict) = {
        let mut s = state.lock();
        s.counters.requests += 1;
        let window_ms = s.settings.window_secs.max(1) * 1000;
        let start = now_ms / window_ms * window_ms;
        if s.window.0 != start {
            s.window = (start, 0);
        }
        let limit = s.settings.rate_limit;
        let reset_secs = (start + window_ms).div_ceil(1000);
        if s.window.1 >= limit {
            s.counters.throttled += 1;
            let wait = (start + window_ms - now_ms).div_ceil(1000).max(1);
            (limit, 0, reset_secs, Err((StatusCode::TOO_MANY_REQUESTS, wait)))
        } else {
            s.window.1 += 1;
            let bearer = request
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::to_owned);
            let grant = bearer
                .and_then(|t| s.tokens.get(&t).cloned())
                .filter(|g| g.expires_at > Utc::now());
            let verdict = match grant {
                None => {
                    s.counters.unauthorized += 1;
                    Err((StatusCode::UNAUTHORIZED, 0))
                }
                Some(grant) => {
                    let scope = scope_of(&method, &path);
                    let admin = grant.sub.is_none_or(|id| {
                        s.get("users", id)
                            .and_then(|u| u.get("site_admin"))
                            .and_then(serde_json::Value::as_bool)
                            == Some(true)
                    });
                    if s.settings.denied_scopes.contains(&scope) {
                        Err((StatusCode::FORBIDDEN, 1))
                    } else if method == Method::GET && !admin {
                        Err((StatusCode::FORBIDDEN, 2))
                    } else {
                        request.extensions_mut().insert(Acting(grant.sub));
                        Ok(())
                    }
                }
            };
            (limit, limit - s.window.1, reset_secs, verdict)
        }
    };
    let mut response = match verdict {
        Ok(()) => next.run(request).await,
        Err((StatusCode::TOO_MANY_REQUESTS, wait)) => {
            let mut r = errors(StatusCode::TOO_MANY_REQUESTS, "Rate limit exceeded.");
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait));
            r
        }
        Err((StatusCode::UNAUTHORIZED, _)) => errors(StatusCode::UNAUTHORIZED, "Invalid or expired access token."),
        Err((_, 1)) => errors(
            StatusCode::FORBIDDEN,
            &format!("Missing scope: {}", scope_of(&method, &path)),
        ),
        Err(_) => errors(
            StatusCode::FORBIDDEN,
            "List endpoints require authorization by a Site Admin.",
        ),
    };
    let h = response.headers_mut();
    h.insert("x-ratelimit-limit", HeaderValue::from(limit));
    h.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
    h.insert("x-ratelimit-reset", HeaderValue::from(reset));
    state.lock().log.push(LoggedRequest {
        method: method.to_string(),
        path,
        query,
        status: response.status().as_u16(),
    });
    response
}
