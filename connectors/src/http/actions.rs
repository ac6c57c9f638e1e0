//! The `http.request` action: its typed, documented input and output.

use std::collections::BTreeMap;

use hirewire_sdk::reexports::async_trait;
use hirewire_sdk::{Action, ActionContext, ActionError, ActionList};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::client::HttpRequestClient;

/// An HTTP method.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    /// GET (default).
    #[default]
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// PATCH.
    Patch,
    /// DELETE.
    Delete,
    /// HEAD.
    Head,
    /// OPTIONS.
    Options,
}

impl HttpMethod {
    /// Whether repeating the request is safe (GET, HEAD, PUT, DELETE, OPTIONS).
    #[must_use]
    pub fn is_idempotent(self) -> bool {
        !matches!(self, Self::Post | Self::Patch)
    }
    /// The reqwest method.
    #[must_use]
    pub fn as_reqwest(self) -> reqwest::Method {
        match self {
            Self::Get => reqwest::Method::GET,
            Self::Post => reqwest::Method::POST,
            Self::Put => reqwest::Method::PUT,
            Self::Patch => reqwest::Method::PATCH,
            Self::Delete => reqwest::Method::DELETE,
            Self::Head => reqwest::Method::HEAD,
            Self::Options => reqwest::Method::OPTIONS,
        }
    }
}

/// A request body: exactly one of `json`, `form` or `raw`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RequestBody {
    /// A JSON document (`Content-Type: application/json`).
    Json(Value),
    /// URL-encoded form fields (`application/x-www-form-urlencoded`).
    Form(BTreeMap<String, Value>),
    /// Text sent as is, with `content_type` (default `text/plain`).
    Raw(String),
}

/// How to read the response body.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResponseParse {
    /// JSON when the response says it is JSON, else text (default).
    #[default]
    Auto,
    /// Always JSON (an error when it is not).
    Json,
    /// Always text.
    Text,
}

/// Input of `http.request`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestInput {
    /// The method (default GET).
    #[serde(default)]
    pub method: HttpMethod,
    /// A path relative to the connection's `base_url` (or a full URL).
    #[serde(default)]
    pub path: Option<String>,
    /// A full URL (instead of `path`). The connection's auth is sent only to its base URL's origin.
    #[serde(default)]
    pub url: Option<String>,
    /// Query parameters; a list value repeats the parameter.
    #[serde(default)]
    pub query: BTreeMap<String, Value>,
    /// Request headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The body: `{json: …}`, `{form: {…}}` or `{raw: "…"}`.
    #[serde(default)]
    pub body: Option<RequestBody>,
    /// The body's content type (overrides the default of its kind).
    #[serde(default)]
    pub content_type: Option<String>,
    /// Timeout in milliseconds (default: the connection's, else 30000).
    #[serde(default)]
    pub timeout_ms: Option<u64>,
    /// Statuses that count as success (default: any 2xx).
    #[serde(default)]
    pub expected_status: Vec<u16>,
    /// How to read the response body (default auto).
    #[serde(default)]
    pub response: ResponseParse,
    /// Extra attempts after a transient failure or 429, within this step (default 2; POST and PATCH: 0).
    #[serde(default)]
    pub retries: Option<u32>,
    /// Whether POST and PATCH may be retried too (default false: they may not be idempotent).
    #[serde(default)]
    pub retry_non_idempotent: bool,
}

/// Output of `http.request`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestOutput {
    /// The response status.
    pub status: u16,
    /// Response headers, lowercase names (`set-cookie` is left out).
    pub headers: BTreeMap<String, String>,
    /// The response body: JSON, text, or null for an empty body.
    pub body: Value,
}

/// `http.request`: sends a request to the connection's API.
pub struct Request;

#[async_trait]
impl Action<HttpRequestClient> for Request {
    type Input = RequestInput;
    type Output = RequestOutput;
    const NAME: &'static str = "request";
    const DESCRIPTION: &'static str =
        "Sends an HTTP request to the connection's API and returns its status, headers and body.";
    fn example(&self) -> (Value, Value) {
        (
            json!({
                "method": "POST",
                "path": "/people",
                "body": {"json": {"email": "ada@acme.example", "name": "Ada Lovelace"}},
                "expected_status": [200, 201]
            }),
            json!({"status": 201, "headers": {"content-type": "application/json"}, "body": {"id": "p_123"}}),
        )
    }
    async fn run(
        &self,
        client: &HttpRequestClient,
        input: RequestInput,
        _: &ActionContext,
    ) -> Result<RequestOutput, ActionError> {
        client.request(&input).await
    }
}

/// The HTTP connector's actions.
pub const ACTIONS: ActionList<HttpRequestClient> = ActionList { connector: "http", actions: &[&Request] };
