//! The BambooHR REST client: Basic auth `key:x`, JSON, and BambooHR's error
//! conventions (`X-BambooHR-Error-Message`, throttling as 429 or 503 with `Retry-After`).

use hirewire_sdk::field_at_fault::field_named_in;
use hirewire_sdk::http_client::retry_after;
use hirewire_sdk::{ActionError, ErrorKind, HttpClient};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value, json};

use super::actions::DirectoryEmployee;
use super::config::BambooHrConfig;
use super::lookup::first_with_work_email;

/// The header BambooHR puts its error reason in.
pub const ERROR_MESSAGE_HEADER: &str = "x-bamboohr-error-message";

/// A client for one BambooHR company.
#[derive(Debug, Clone)]
pub struct BambooHrClient {
    http: HttpClient,
    connection: String,
    api_root: String,
    api_key: SecretString,
}

impl BambooHrClient {
    /// A client for the connection `connection` with `config`.
    #[must_use]
    pub fn new(http: HttpClient, connection: String, config: &BambooHrConfig) -> Self {
        Self { http, connection, api_root: config.api_root(), api_key: config.api_key.clone() }
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .client()
            .request(method, format!("{}{path}", self.api_root))
            .basic_auth(self.api_key.expose_secret(), Some("x"))
            .header(reqwest::header::ACCEPT, "application/json")
    }

    async fn send(&self, request: RequestBuilder, fields: &Map<String, Value>) -> Result<Response, ActionError> {
        let response = self.http.send(&self.connection, request).await?;
        if response.status().is_success() {
            return Ok(response);
        }
        Err(error_from_response(response, fields).await)
    }

    /// Creates an employee and returns its id (from the `Location` header of the 201).
    ///
    /// # Errors
    /// The classified BambooHR error (409 for an unknown list value or a duplicate work email).
    pub async fn create_employee(&self, fields: &Map<String, Value>) -> Result<String, ActionError> {
        let response = self.send(self.request(Method::POST, "/employees").json(fields), fields).await?;
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| ActionError::permanent("BambooHR created the employee but sent no Location header"))?;
        employee_id_from_location(location)
            .ok_or_else(|| ActionError::permanent(format!("no employee id in Location header '{location}'")))
    }

    /// Updates the given fields of employee `id` (BambooHR updates by POST).
    ///
    /// # Errors
    /// The classified BambooHR error (404 unknown employee, 409 bad value or duplicate email).
    pub async fn update_employee(&self, id: &str, fields: &Map<String, Value>) -> Result<(), ActionError> {
        let path = format!("/employees/{}", url_segment(id)?);
        self.send(self.request(Method::POST, &path).json(fields), fields).await?;
        Ok(())
    }

    /// Finds an employee by work email (case-insensitive): the directory has no
    /// email filter, so it is read whole and filtered here (row by row, keeping
    /// only the match). A directory that is not shared (403) falls back to a
    /// custom report, which includes inactive employees.
    ///
    /// # Errors
    /// The classified BambooHR error.
    pub async fn find_by_work_email(&self, email: &str) -> Result<Option<DirectoryEmployee>, ActionError> {
        let response = self.http.send(&self.connection, self.request(Method::GET, "/employees/directory")).await?;
        match response.status() {
            // An empty directory answers 404.
            StatusCode::NOT_FOUND => Ok(None),
            StatusCode::FORBIDDEN => self.find_by_work_email_in_report(email).await,
            status if status.is_success() => find_in_answer(response, email).await,
            _ => Err(error_from_response(response, &Map::new()).await),
        }
    }

    /// Finds an employee by work email in a custom report, which includes
    /// inactive employees that the directory leaves out.
    ///
    /// # Errors
    /// The classified BambooHR error.
    pub async fn find_by_work_email_in_report(&self, email: &str) -> Result<Option<DirectoryEmployee>, ActionError> {
        let body = json!({
            "title": "hirewire employee lookup",
            "fields": ["id", "displayName", "firstName", "lastName", "workEmail", "jobTitle", "department", "location", "division"],
        });
        let request = self.request(Method::POST, "/reports/custom").query(&[("format", "JSON")]).json(&body);
        let response = self.send(request, &Map::new()).await?;
        find_in_answer(response, email).await
    }

    /// Checks the API key by reading the directory.
    pub async fn check_access(&self) -> Result<(), ActionError> {
        let response = self.http.send(&self.connection, self.request(Method::GET, "/employees/directory")).await?;
        match response.status() {
            StatusCode::NOT_FOUND => Ok(()),
            status if status.is_success() => Ok(()),
            _ => Err(error_from_response(response, &Map::new()).await),
        }
    }
}

/// The id at the end of `…/v1/employees/{id}`.
#[must_use]
pub fn employee_id_from_location(location: &str) -> Option<String> {
    let path = location.split(['?', '#']).next()?.trim_end_matches('/');
    let (before, id) = path.rsplit_once('/')?;
    (before.ends_with("/employees") && !id.is_empty()).then(|| id.to_owned())
}

fn url_segment(id: &str) -> Result<String, ActionError> {
    let id = id.trim();
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(ActionError::invalid_input(format!("'{id}' is not a BambooHR employee id")).with_field("id"));
    }
    Ok(id.to_owned())
}

/// The employee with work email `email` in a directory or custom-report answer.
async fn find_in_answer(response: Response, email: &str) -> Result<Option<DirectoryEmployee>, ActionError> {
    let text = response.text().await.map_err(|e| hirewire_sdk::http_client::transport_error(&e))?;
    first_with_work_email(&text, email)
        .map_err(|e| ActionError::permanent(format!("unexpected BambooHR response: {e}")))
}

/// Classifies a BambooHR error answer, keeping its own message and naming the field at fault.
pub async fn error_from_response(response: Response, fields: &Map<String, Value>) -> ActionError {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.text().await.unwrap_or_default();
    classify_error(status, &headers, &body, fields)
}

/// Classifies an answer from its parts (see [`error_from_response`]).
#[must_use]
pub fn classify_error(status: u16, headers: &http::HeaderMap, body: &str, fields: &Map<String, Value>) -> ActionError {
    let message = headers
        .get(ERROR_MESSAGE_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| json_message(body))
        .filter(|m| !m.trim().is_empty())
        .unwrap_or_else(|| {
            let text = body.trim();
            if text.is_empty() || text.starts_with('<') {
                StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("error").to_owned()
            } else {
                text.chars().take(300).collect()
            }
        });
    let wait = retry_after(headers);
    let mut error = ActionError::from_status(status, message, wait);
    // Before 2026-09-16 BambooHR throttled with 503 (+ Retry-After); 503 alone means "unavailable".
    if status == 503 && wait.is_some() {
        error.kind = ErrorKind::RateLimited;
    }
    if let Some(field) = field_named_in(&error.message, fields.keys().map(String::as_str)) {
        error = error.with_field(field);
    }
    error
}

/// The message of BambooHR's JSON errors: `{code,message}` or `{errors:{error}}`.
fn json_message(body: &str) -> Option<String> {
    let value: Value = serde_json::from_str(body).ok()?;
    value
        .get("message")
        .and_then(Value::as_str)
        .or_else(|| value.pointer("/errors/error").and_then(Value::as_str))
        .map(str::to_owned)
}
