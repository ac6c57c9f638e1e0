//! Bearer-token check for `/api` (constant-time comparison, the token in effect after any reload), with the
//! limit on failed attempts per client.

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::auth_limit::{client_ip, retry_after_header};

/// The bearer token of a request's `Authorization` header (empty when there is none).
#[must_use]
pub fn bearer_of(request: &Request) -> &str {
    request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
}

/// Rejects requests without `Authorization: Bearer <api_token>` when a token is configured; a client with too
/// many wrong tokens in a row gets 429 with `Retry-After`, its token not even compared.
pub async fn require_bearer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let credentials = state.credentials.current();
    if !credentials.requires_api_token() {
        return next.run(request).await;
    }
    let client = client_ip(request.extensions());
    if let Some(wait) = state.credentials.failures.retry_after(client) {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [retry_after_header(wait)],
            axum::Json(serde_json::json!({ "error": "too many wrong bearer tokens; retry later" })),
        )
            .into_response();
    }
    if credentials.api_token_matches(bearer_of(&request)) {
        next.run(request).await
    } else {
        state.credentials.failures.record_failure(client);
        tracing::warn!(%client, "API request with a missing or wrong bearer token");
        (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            axum::Json(serde_json::json!({ "error": "missing or wrong bearer token" })),
        )
            .into_response()
    }
}
