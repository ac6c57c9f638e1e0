//! The Personio v1 client: a `/v1/auth` token (cached for its 24 hours,
//! renewed before expiry and after a 401), `{success, data}` envelopes and
//! `{success:false, error{code, message}}` errors.

use std::time::Duration;

use hirewire_sdk::field_at_fault::field_named_in;
use hirewire_sdk::http_client::{retry_after, transport_error};
use hirewire_sdk::token_cache::{IssuedToken, TokenCache};
use hirewire_sdk::{ActionError, HttpClient};
use reqwest::{RequestBuilder, Response, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value, json};

use super::actions::{Employee, EmployeeWriteOutput};
use super::config::PersonioConfig;

/// Personio asks for at least a second between retries after a 429 when it sends no `Retry-After`.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

/// A client for one Personio API credential.
#[derive(Debug)]
pub struct PersonioClient {
    http: HttpClient,
    connection: String,
    api_root: String,
    client_id: String,
    client_secret: SecretString,
    partner_id: Option<String>,
    app_id: Option<String>,
    tokens: TokenCache,
}

impl PersonioClient {
    /// A client for the connection `connection` with `config`.
    #[must_use]
    pub fn new(http: HttpClient, connection: String, config: &PersonioConfig) -> Self {
        Self {
            http,
            connection,
            api_root: config.api_root(),
            client_id: config.client_id.clone(),
            client_secret: config.client_secret.clone(),
            partner_id: config.partner_id.clone(),
            app_id: config.app_id.clone(),
            tokens: TokenCache::new(),
        }
    }

    fn with_headers(&self, mut request: RequestBuilder) -> RequestBuilder {
        request = request.header(reqwest::header::ACCEPT, "application/json");
        if let Some(id) = &self.partner_id {
            request = request.header("X-Personio-Partner-ID", id);
        }
        if let Some(id) = &self.app_id {
            request = request.header("X-Personio-App-ID", id);
        }
        request
    }

    /// Exchanges the credentials at `/v1/auth`.
    async fn issue_token(&self) -> Result<IssuedToken, ActionError> {
        let body = json!({"client_id": self.client_id, "client_secret": self.client_secret.expose_secret()});
        let request = self.with_headers(self.http.client().post(format!("{}/auth", self.api_root)).json(&body));
        let response = self.http.send(&self.connection, request).await?;
        if !response.status().is_success() {
            let mut error = error_from_response(response, &Map::new()).await;
            if error.status == Some(401) || error.status == Some(403) || error.status == Some(422) {
                error.kind = hirewire_sdk::ErrorKind::Auth;
            }
            error.message = format!("authentication failed: {}", error.message);
            return Err(error);
        }
        let envelope = json_body(response).await?;
        let token = envelope
            .pointer("/data/token")
            .and_then(Value::as_str)
            .ok_or_else(|| ActionError::permanent("Personio /v1/auth answered without data.token"))?;
        let expires_in = envelope.pointer("/data/expires_in").and_then(Value::as_u64).map(Duration::from_secs);
        Ok(IssuedToken { value: SecretString::from(token.to_owned()), expires_in })
    }

    /// Sends an authenticated request built by `build`; on a 401 the token is
    /// renewed and the request sent once more. Non-2xx answers are classified.
    async fn send(
        &self,
        build: impl Fn() -> RequestBuilder,
        fields: &Map<String, Value>,
    ) -> Result<Value, ActionError> {
        let mut renewed = false;
        loop {
            let token = self.tokens.token(|| self.issue_token()).await?;
            let request = self.with_headers(build()).bearer_auth(token.expose_secret());
            let response = self.http.send(&self.connection, request).await?;
            if response.status() == StatusCode::UNAUTHORIZED && !renewed {
                self.tokens.invalidate(&token).await;
                renewed = true;
                continue;
            }
            if !response.status().is_success() {
                return Err(error_from_response(response, fields).await);
            }
            return json_body(response).await;
        }
    }

    /// Creates an employee; returns its id and what Personio ignored.
    ///
    /// # Errors
    /// The classified Personio error (422 for an invalid payload).
    pub async fn create_employee(&self, fields: &Map<String, Value>) -> Result<EmployeeWriteOutput, ActionError> {
        let url = format!("{}/company/employees", self.api_root);
        let body = json!({"employee": fields});
        let envelope = self.send(|| self.http.client().post(&url).json(&body), fields).await?;
        write_output(&envelope)
    }

    /// Updates the given fields of employee `id` (never its email).
    ///
    /// # Errors
    /// The classified Personio error.
    pub async fn update_employee(
        &self,
        id: &str,
        fields: &Map<String, Value>,
    ) -> Result<EmployeeWriteOutput, ActionError> {
        let id = employee_id(id)?;
        let mut fields = fields.clone();
        fields.remove("email");
        let url = format!("{}/company/employees/{id}", self.api_root);
        let body = json!({"employee": fields});
        let envelope = self.send(|| self.http.client().patch(&url).json(&body), &fields).await?;
        let mut output = write_output(&envelope)?;
        if output.id.is_empty() {
            output.id = id.to_string();
        }
        Ok(output)
    }

    /// Finds an employee by email (`GET /v1/company/employees?email=`).
    ///
    /// # Errors
    /// The classified Personio error (429 above 300 a minute).
    pub async fn find_by_email(&self, email: &str) -> Result<Option<Employee>, ActionError> {
        let url = format!("{}/company/employees", self.api_root);
        let query = [("email", email.trim()), ("limit", "10"), ("offset", "0")];
        let envelope = self.send(|| self.http.client().get(&url).query(&query), &Map::new()).await?;
        let employees = envelope.get("data").and_then(Value::as_array).cloned().unwrap_or_default();
        Ok(employees
            .iter()
            .map(employee_from_attributes)
            .find(|e| e.email.as_deref().is_some_and(|m| m.eq_ignore_ascii_case(email.trim()))))
    }

    /// Checks the credentials by getting a token.
    pub async fn check_credentials(&self) -> Result<(), ActionError> {
        self.tokens.token(|| self.issue_token()).await.map(|_| ())
    }
}

fn employee_id(id: &str) -> Result<u64, ActionError> {
    id.trim()
        .parse()
        .map_err(|_| ActionError::invalid_input(format!("'{id}' is not a Personio employee id")).with_field("id"))
}

async fn json_body(response: Response) -> Result<Value, ActionError> {
    let text = response.text().await.map_err(|e| transport_error(&e))?;
    serde_json::from_str(&text).map_err(|e| ActionError::permanent(format!("unexpected Personio answer: {e}")))
}

fn write_output(envelope: &Value) -> Result<EmployeeWriteOutput, ActionError> {
    let id = match envelope.pointer("/data/id") {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    };
    let mut warnings = Vec::new();
    if let Some(meta) = envelope.get("meta") {
        collect_messages(meta, &mut warnings);
    }
    Ok(EmployeeWriteOutput { id, warnings })
}

/// Every message in Personio's `meta` (strings, or objects with `message`).
fn collect_messages(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|i| collect_messages(i, out)),
        Value::Object(map) => match map.get("message").and_then(Value::as_str) {
            Some(message) => out.push(message.to_owned()),
            None => map.values().for_each(|v| collect_messages(v, out)),
        },
        _ => {}
    }
}

/// The plain value of a `{label, value, type, universal_id}` attribute; org units give their name.
fn attribute(attributes: &Value, key: &str) -> Option<String> {
    let value = attributes.get(key)?.get("value")?;
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(_) => value.pointer("/attributes/name").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

fn employee_from_attributes(item: &Value) -> Employee {
    let attributes = item.get("attributes").cloned().unwrap_or(Value::Null);
    let get = |key: &str| attribute(&attributes, key);
    Employee {
        id: get("id").unwrap_or_default(),
        email: get("email"),
        first_name: get("first_name"),
        last_name: get("last_name"),
        preferred_name: get("preferred_name"),
        position: get("position"),
        department: get("department"),
        office: get("office"),
        hire_date: get("hire_date"),
        status: get("status"),
    }
}

/// Classifies a Personio error answer (v1 `error{code,message}` or v2 `errors[{title,detail}]`).
pub async fn error_from_response(response: Response, fields: &Map<String, Value>) -> ActionError {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap_or_default();
    let parsed: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let message = parsed
        .pointer("/error/message")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| {
            let first = parsed.pointer("/errors/0")?;
            first
                .get("detail")
                .or_else(|| first.get("details"))
                .or_else(|| first.get("title"))?
                .as_str()
                .map(str::to_owned)
        })
        .filter(|m| !m.trim().is_empty())
        .unwrap_or_else(|| {
            let trimmed = text.trim();
            if trimmed.is_empty() {
                StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("error").to_owned()
            } else {
                trimmed.chars().take(300).collect()
            }
        });
    let mut wait = retry_after(&headers);
    if status == 429 && wait.is_none() {
        wait = Some(DEFAULT_RETRY_AFTER);
    }
    let mut error = ActionError::from_status(status, message, wait);
    if let Some(field) = field_named_in(&error.message, fields.keys().map(String::as_str)) {
        error = error.with_field(field);
    }
    error
}
