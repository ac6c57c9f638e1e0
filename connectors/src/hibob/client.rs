//! The HiBob REST client: service-user Basic auth, `{key, error}` errors,
//! 304 on unchanged data, 429 per endpoint per minute.

use std::time::Duration;

use hirewire_sdk::field_at_fault::field_named_in;
use hirewire_sdk::http_client::{retry_after, transport_error};
use hirewire_sdk::{ActionError, HttpClient};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Value, json};

use super::actions::Employee;
use super::config::HiBobConfig;

/// The fields a search asks for.
const SEARCH_FIELDS: [&str; 9] = [
    "root.id",
    "root.firstName",
    "root.surname",
    "root.email",
    "root.displayName",
    "work.title",
    "work.department",
    "work.site",
    "work.startDate",
];

/// A client for one HiBob service user.
#[derive(Debug, Clone)]
pub struct HiBobClient {
    http: HttpClient,
    connection: String,
    api_root: String,
    service_user_id: String,
    token: SecretString,
}

#[derive(Deserialize)]
struct SearchResult {
    #[serde(default)]
    employees: Vec<Employee>,
}

impl HiBobClient {
    /// A client for the connection `connection` with `config`.
    #[must_use]
    pub fn new(http: HttpClient, connection: String, config: &HiBobConfig) -> Self {
        Self {
            http,
            connection,
            api_root: config.api_root(),
            service_user_id: config.service_user_id.clone(),
            token: config.token.clone(),
        }
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .client()
            .request(method, format!("{}{path}", self.api_root))
            .basic_auth(&self.service_user_id, Some(self.token.expose_secret()))
            .header(reqwest::header::ACCEPT, "application/json")
    }

    /// Sends and returns the answer when it is 2xx or 304; classifies anything else.
    async fn send(&self, request: RequestBuilder, body: &Value) -> Result<Response, ActionError> {
        let response = self.http.send(&self.connection, request).await?;
        if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED {
            return Ok(response);
        }
        Err(error_from_response(response, body).await)
    }

    /// Creates an employee and returns its id.
    ///
    /// # Errors
    /// The classified HiBob error (400 for a missing field, an unknown list value or a duplicate email).
    pub async fn create_employee(&self, body: &Value) -> Result<String, ActionError> {
        let response = self.send(self.request(Method::POST, "/people").json(body), body).await?;
        let text = response.text().await.map_err(|e| transport_error(&e))?;
        let created: Value = serde_json::from_str(&text)
            .map_err(|e| ActionError::permanent(format!("unexpected HiBob create answer: {e}")))?;
        match created.get("id") {
            Some(Value::String(id)) => Ok(id.clone()),
            Some(Value::Number(id)) => Ok(id.to_string()),
            _ => Err(ActionError::permanent("HiBob created the employee but returned no id")),
        }
    }

    /// Updates employee `id` with a partial body; `false` when HiBob says nothing changed (304).
    ///
    /// # Errors
    /// The classified HiBob error.
    pub async fn update_employee(&self, id: &str, body: &serde_json::Map<String, Value>) -> Result<bool, ActionError> {
        let body = Value::Object(body.clone());
        let path = format!("/people/{}", path_segment(id)?);
        let response = self.send(self.request(Method::PUT, &path).json(&body), &body).await?;
        Ok(response.status() != StatusCode::NOT_MODIFIED)
    }

    /// Changes employee `id`'s work email; `false` when it already was that.
    ///
    /// # Errors
    /// The classified HiBob error (400 when another employee has it).
    pub async fn update_email(&self, id: &str, email: &str) -> Result<bool, ActionError> {
        let body = json!({"email": email});
        let path = format!("/people/{}/email", path_segment(id)?);
        let response = self.send(self.request(Method::PUT, &path).json(&body), &body).await?;
        Ok(response.status() != StatusCode::NOT_MODIFIED)
    }

    /// Finds an employee by work email with one `root.email equals` filter (no paging).
    ///
    /// # Errors
    /// The classified HiBob error (429 above 50 searches a minute).
    pub async fn find_by_email(&self, email: &str, show_inactive: bool) -> Result<Option<Employee>, ActionError> {
        let body = json!({
            "fields": SEARCH_FIELDS,
            "filters": [{"fieldPath": "root.email", "operator": "equals", "values": [email.trim()]}],
            "showInactive": show_inactive,
        });
        let response = self.send(self.request(Method::POST, "/people/search").json(&body), &Value::Null).await?;
        let text = response.text().await.map_err(|e| transport_error(&e))?;
        let result: SearchResult = serde_json::from_str(&text)
            .map_err(|e| ActionError::permanent(format!("unexpected HiBob search answer: {e}")))?;
        let wanted = email.trim();
        Ok(result.employees.into_iter().find(|e| e.email.as_deref().is_some_and(|m| m.eq_ignore_ascii_case(wanted))))
    }
}

fn path_segment(id: &str) -> Result<String, ActionError> {
    let id = id.trim();
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(ActionError::invalid_input(format!("'{id}' is not a HiBob employee id")).with_field("id"));
    }
    Ok(id.to_owned())
}

/// The dotted paths of a JSON body's leaves (`work.site`).
fn leaf_paths(value: &Value, prefix: &str, out: &mut Vec<String>) {
    if let Value::Object(map) = value {
        for (key, inner) in map {
            let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
            if inner.is_object() {
                leaf_paths(inner, &path, out);
            } else {
                out.push(path);
            }
        }
    }
}

/// Classifies a HiBob error answer, keeping its `error` message and naming the field at fault.
pub async fn error_from_response(response: Response, body: &Value) -> ActionError {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap_or_default();
    classify_error(status, &headers, &text, body)
}

/// Classifies an answer from its parts (see [`error_from_response`]).
#[must_use]
pub fn classify_error(status: u16, headers: &http::HeaderMap, text: &str, body: &Value) -> ActionError {
    let parsed: Option<Value> = serde_json::from_str(text).ok();
    let key = parsed.as_ref().and_then(|v| v.get("key")).and_then(Value::as_str).map(str::to_owned);
    let message = parsed
        .as_ref()
        .and_then(|v| v.get("error").or_else(|| v.get("message")))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .filter(|m| !m.trim().is_empty())
        .unwrap_or_else(|| {
            let trimmed = text.trim();
            if trimmed.is_empty() {
                StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("error").to_owned()
            } else {
                trimmed.chars().take(300).collect()
            }
        });
    let wait = retry_after(headers).or_else(|| rate_limit_reset(headers));
    let mut error = ActionError::from_status(status, message, wait);
    let mut paths = Vec::new();
    leaf_paths(body, "", &mut paths);
    let field = key
        .filter(|k| paths.iter().any(|p| p == k))
        .or_else(|| field_named_in(&error.message, paths.iter().map(String::as_str)));
    if let Some(field) = field {
        error = error.with_field(field);
    }
    error
}

/// `X-RateLimit-Reset` (unconfirmed name): seconds to wait, or an epoch time in seconds.
fn rate_limit_reset(headers: &http::HeaderMap) -> Option<Duration> {
    let value: u64 = headers.get("x-ratelimit-reset")?.to_str().ok()?.trim().parse().ok()?;
    if value < 1_000_000_000 {
        return Some(Duration::from_secs(value));
    }
    let now = u64::try_from(chrono::Utc::now().timestamp()).ok()?;
    Some(Duration::from_secs(value.saturating_sub(now)))
}
