//! Sending one `http.request`: URL resolution, body encoding, auth, timeout,
//! expected statuses, response parsing and in-call retries (backon) on
//! idempotent methods.

use std::collections::BTreeMap;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use hirewire_sdk::field_at_fault::field_named_in;
use hirewire_sdk::http_client::{retry_after, transport_error};
use hirewire_sdk::{ActionError, HttpClient};
use reqwest::{RequestBuilder, StatusCode};
use serde_json::Value;

use super::actions::{RequestBody, RequestInput, RequestOutput, ResponseParse};
use super::auth::Authenticator;
use super::config::HttpConfig;

/// Default request timeout.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default extra attempts for idempotent methods.
const DEFAULT_RETRIES: u32 = 2;
/// The longest `Retry-After` waited for within a step; longer waits go back to the engine.
const MAX_IN_CALL_WAIT: Duration = Duration::from_secs(30);

/// A client for one generic HTTP connection.
#[derive(Debug)]
pub struct HttpRequestClient {
    http: HttpClient,
    connection: String,
    base_url: Option<url::Url>,
    headers: BTreeMap<String, String>,
    timeout: Duration,
    auth: Authenticator,
}

impl HttpRequestClient {
    /// A client for the connection `connection` with `config` (already checked).
    #[must_use]
    pub fn new(http: HttpClient, connection: String, config: HttpConfig) -> Self {
        let base_url = config.base_url.as_deref().and_then(|u| url::Url::parse(u).ok());
        let auth = Authenticator::new(config.auth, base_url.as_ref(), http.clone(), connection.clone());
        let timeout = config.timeout_ms.map_or(DEFAULT_TIMEOUT, Duration::from_millis);
        Self { http, connection, base_url, headers: config.headers, timeout, auth }
    }

    /// The absolute URL of a request.
    fn resolve_url(&self, input: &RequestInput) -> Result<url::Url, ActionError> {
        let (field, target) = match (&input.url, &input.path) {
            (Some(url), None) => ("url", url.as_str()),
            (None, Some(path)) => ("path", path.as_str()),
            (Some(_), Some(_)) => {
                return Err(ActionError::invalid_input("give `path` or `url`, not both").with_field("url"));
            }
            (None, None) => return Err(ActionError::invalid_input("give a `path` or a `url`").with_field("path")),
        };
        let target = target.trim();
        if target.starts_with("http://") || target.starts_with("https://") {
            return url::Url::parse(target)
                .map_err(|e| ActionError::invalid_input(format!("not a URL: {e}")).with_field(field));
        }
        if field == "url" {
            return Err(ActionError::invalid_input("must be a full http(s) URL").with_field("url"));
        }
        let Some(base) = &self.base_url else {
            return Err(
                ActionError::invalid_input("a relative path needs the connection's base_url").with_field("path")
            );
        };
        let joined = format!("{}/{}", base.as_str().trim_end_matches('/'), target.trim_start_matches('/'));
        url::Url::parse(&joined)
            .map_err(|e| ActionError::invalid_input(format!("not a valid path: {e}")).with_field("path"))
    }

    /// Sends the request, retrying transient failures when the method allows it.
    ///
    /// # Errors
    /// A classified error for an unexpected status (with the response's message) or a transport failure.
    pub async fn request(&self, input: &RequestInput) -> Result<RequestOutput, ActionError> {
        let url = self.resolve_url(input)?;
        let may_retry = input.method.is_idempotent() || input.retry_non_idempotent;
        let retries = if may_retry { input.retries.unwrap_or(DEFAULT_RETRIES) } else { 0 };
        let backoff = ExponentialBuilder::default()
            .with_min_delay(Duration::from_millis(200))
            .with_max_delay(Duration::from_secs(5))
            .with_max_times(usize::try_from(retries).unwrap_or(usize::MAX))
            .with_jitter();
        (|| self.attempt(&url, input))
            .retry(backoff)
            .when(ActionError::is_transient)
            .adjust(|error, next| {
                let next = next?;
                match error.retry_after() {
                    Some(wait) if wait > MAX_IN_CALL_WAIT => None,
                    Some(wait) => Some(wait),
                    None => Some(next),
                }
            })
            .await
    }

    /// One attempt (plus one token renewal after a 401 with OAuth2).
    async fn attempt(&self, url: &url::Url, input: &RequestInput) -> Result<RequestOutput, ActionError> {
        let mut renewed = false;
        loop {
            let mut request = self.build(url, input)?;
            let mut token = None;
            if self.auth.applies_to(url) {
                (request, token) = self.auth.sign(request).await?;
            }
            let response = self.http.send(&self.connection, request).await?;
            if response.status() == StatusCode::UNAUTHORIZED
                && !renewed
                && self.auth.renews_tokens()
                && let Some(token) = &token
            {
                self.auth.invalidate(token).await;
                renewed = true;
                continue;
            }
            return read_response(response, input).await;
        }
    }

    fn build(&self, url: &url::Url, input: &RequestInput) -> Result<RequestBuilder, ActionError> {
        let timeout = input.timeout_ms.map_or(self.timeout, Duration::from_millis);
        let mut request = self.http.client().request(input.method.as_reqwest(), url.clone()).timeout(timeout);
        let mut headers = self.headers.clone();
        headers.extend(input.headers.clone());
        for (name, value) in &headers {
            let name = http::HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                ActionError::invalid_input("not a valid header name").with_field(format!("headers.{name}"))
            })?;
            let value = http::HeaderValue::from_str(value).map_err(|_| {
                ActionError::invalid_input("not a valid header value").with_field(format!("headers.{name}"))
            })?;
            request = request.header(name, value);
        }
        let query: Vec<(String, String)> = input
            .query
            .iter()
            .flat_map(|(key, value)| match value {
                Value::Array(items) => {
                    items.iter().filter_map(scalar_text).map(|v| (key.clone(), v)).collect::<Vec<_>>()
                }
                other => scalar_text(other).map(|v| (key.clone(), v)).into_iter().collect(),
            })
            .collect();
        if !query.is_empty() {
            request = request.query(&query);
        }
        request = match &input.body {
            None => request,
            Some(RequestBody::Json(value)) => request
                .header(reqwest::header::CONTENT_TYPE, input.content_type.as_deref().unwrap_or("application/json"))
                .body(value.to_string()),
            Some(RequestBody::Form(fields)) => {
                let pairs: Vec<(String, String)> =
                    fields.iter().filter_map(|(k, v)| scalar_text(v).map(|v| (k.clone(), v))).collect();
                let encoded = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&pairs).finish();
                request
                    .header(
                        reqwest::header::CONTENT_TYPE,
                        input.content_type.as_deref().unwrap_or("application/x-www-form-urlencoded"),
                    )
                    .body(encoded)
            }
            Some(RequestBody::Raw(text)) => request
                .header(
                    reqwest::header::CONTENT_TYPE,
                    input.content_type.as_deref().unwrap_or("text/plain; charset=utf-8"),
                )
                .body(text.clone()),
        };
        Ok(request)
    }
}

/// A scalar as query or form text (`null` and objects give nothing).
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Reads the response into the output, or a classified error for an unexpected status.
async fn read_response(response: reqwest::Response, input: &RequestInput) -> Result<RequestOutput, ActionError> {
    let status = response.status();
    let mut headers = BTreeMap::new();
    for (name, value) in response.headers() {
        if name == reqwest::header::SET_COOKIE {
            continue;
        }
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        headers
            .entry(name.as_str().to_owned())
            .and_modify(|v: &mut String| {
                v.push_str(", ");
                v.push_str(&value);
            })
            .or_insert(value);
    }
    let wait = retry_after(response.headers());
    let is_json = headers.get("content-type").is_some_and(|c| c.contains("json"));
    let text = response.text().await.map_err(|e| transport_error(&e))?;
    let expected = if input.expected_status.is_empty() {
        status.is_success()
    } else {
        input.expected_status.contains(&status.as_u16())
    };
    if !expected {
        let message = error_message(&text, status);
        let mut error = ActionError::from_status(status.as_u16(), message, wait);
        let inputs = input.query.keys().map(String::as_str);
        let body_keys: Vec<String> = match &input.body {
            Some(RequestBody::Json(Value::Object(map))) => map.keys().cloned().collect(),
            Some(RequestBody::Form(map)) => map.keys().cloned().collect(),
            _ => Vec::new(),
        };
        if let Some(field) = field_named_in(&error.message, inputs.chain(body_keys.iter().map(String::as_str))) {
            error = error.with_field(field);
        }
        return Err(error);
    }
    let body = if text.is_empty() {
        Value::Null
    } else {
        match input.response {
            ResponseParse::Text => Value::String(text),
            ResponseParse::Json => serde_json::from_str(&text).map_err(|e| {
                ActionError::permanent(format!("response is not JSON: {e}")).with_status(status.as_u16())
            })?,
            ResponseParse::Auto if is_json => serde_json::from_str(&text).unwrap_or(Value::String(text)),
            ResponseParse::Auto => Value::String(text),
        }
    };
    Ok(RequestOutput { status: status.as_u16(), headers, body })
}

/// The remote's message: a JSON `message`/`error`/`detail`, else the text's first 300 characters.
fn error_message(text: &str, status: StatusCode) -> String {
    if let Ok(json) = serde_json::from_str::<Value>(text) {
        for key in ["message", "error_description", "error", "detail", "title"] {
            if let Some(message) = json.get(key).and_then(Value::as_str).filter(|m| !m.trim().is_empty()) {
                return message.to_owned();
            }
        }
    }
    let trimmed = text.trim();
    if trimmed.is_empty() {
        status.canonical_reason().unwrap_or("error").to_owned()
    } else {
        trimmed.chars().take(300).collect()
    }
}
