//! The Slack client: `chat.postMessage` with a bot token (HTTP 200 with
//! `ok:false` is an error), `users.lookupByEmail` to message people directly,
//! and incoming webhooks (plain-text answers with real statuses).

use hirewire_sdk::http_client::{retry_after, transport_error};
use hirewire_sdk::{ActionError, ErrorKind, HttpClient};
use reqwest::{Response, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value, json};

use super::actions::{PostMessageInput, PostMessageOutput};
use super::config::{SlackAuth, SlackConfig};

/// A client for one Slack connection.
#[derive(Debug, Clone)]
pub struct SlackClient {
    http: HttpClient,
    connection: String,
    api_root: String,
    auth: SlackAuth,
}

/// The class of a Slack error code (`ok:false` `error`, or a webhook's plain-text answer).
#[must_use]
pub fn error_kind(code: &str) -> ErrorKind {
    match code {
        "channel_not_found" | "users_not_found" | "user_not_found" | "thread_not_found" | "message_not_found" => {
            ErrorKind::NotFound
        }
        "invalid_auth"
        | "not_authed"
        | "token_revoked"
        | "token_expired"
        | "account_inactive"
        | "missing_scope"
        | "not_allowed_token_type"
        | "no_permission"
        | "ekm_access_denied"
        | "team_access_not_granted"
        | "action_prohibited"
        | "invalid_token"
        | "no_service"
        | "no_team"
        | "team_disabled" => ErrorKind::Auth,
        "ratelimited" | "rate_limited" => ErrorKind::RateLimited,
        "no_text"
        | "msg_too_long"
        | "invalid_blocks"
        | "invalid_blocks_format"
        | "invalid_arguments"
        | "invalid_payload"
        | "too_many_attachments"
        | "invalid_form_data"
        | "invalid_json"
        | "json_not_object" => ErrorKind::InvalidInput,
        "internal_error" | "fatal_error" | "service_unavailable" | "request_timeout" | "rollup_error" => {
            ErrorKind::Transient
        }
        _ => ErrorKind::Permanent,
    }
}

/// The input field a Slack error code is about.
fn field_of(code: &str) -> Option<&'static str> {
    match code {
        "channel_not_found"
        | "users_not_found"
        | "user_not_found"
        | "not_in_channel"
        | "is_archived"
        | "channel_is_archived"
        | "cannot_dm_bot" => Some("channel"),
        "no_text" | "msg_too_long" => Some("text"),
        "invalid_blocks" | "invalid_blocks_format" => Some("blocks"),
        "thread_not_found" => Some("thread_ts"),
        _ => None,
    }
}

/// A classified error for Slack's code `code`, with a hint where one helps.
#[must_use]
pub fn slack_error(code: &str, status: u16, detail: Option<String>) -> ActionError {
    let hint = match code {
        "not_in_channel" => Some("invite the bot to the channel first".to_owned()),
        _ => detail,
    };
    let message = match hint {
        Some(hint) => format!("{code} ({hint})"),
        None => code.to_owned(),
    };
    let mut error = ActionError::new(error_kind(code), message).with_status(status);
    if let Some(field) = field_of(code) {
        error = error.with_field(field);
    }
    error
}

impl SlackClient {
    /// A client for the connection `connection`.
    #[must_use]
    pub fn new(http: HttpClient, connection: String, config: &SlackConfig, auth: SlackAuth) -> Self {
        Self { http, connection, api_root: config.api_root(), auth }
    }

    /// Posts a message and returns where it went.
    ///
    /// # Errors
    /// A classified error: `channel_not_found` is not found, `invalid_auth` auth, 429 rate limited...
    pub async fn post_message(&self, input: &PostMessageInput) -> Result<PostMessageOutput, ActionError> {
        let no_text = input.text.as_deref().is_none_or(|t| t.trim().is_empty());
        let no_blocks = input.blocks.as_ref().is_none_or(Vec::is_empty);
        if no_text && no_blocks {
            return Err(ActionError::invalid_input("give `text` or `blocks`").with_field("text"));
        }
        match &self.auth {
            SlackAuth::Bot(token) => self.post_with_token(token, input).await,
            SlackAuth::Webhook(url) => self.post_to_webhook(url, input).await,
        }
    }

    async fn post_with_token(
        &self,
        token: &SecretString,
        input: &PostMessageInput,
    ) -> Result<PostMessageOutput, ActionError> {
        let channel = input.channel.as_deref().map(str::trim).filter(|c| !c.is_empty());
        let Some(channel) = channel else {
            return Err(ActionError::invalid_input("a channel is required with a bot token").with_field("channel"));
        };
        let target =
            if channel.contains('@') { self.user_id_by_email(token, channel).await? } else { channel.to_owned() };
        let mut body = Map::new();
        body.insert("channel".into(), json!(target));
        for (key, value) in [
            ("text", input.text.as_ref().map(|t| json!(t))),
            ("blocks", input.blocks.as_ref().map(|b| json!(b))),
            ("thread_ts", input.thread_ts.as_ref().map(|t| json!(t))),
        ] {
            if let Some(value) = value {
                body.insert(key.into(), value);
            }
        }
        let request = self
            .http
            .client()
            .post(format!("{}/chat.postMessage", self.api_root))
            .bearer_auth(token.expose_secret())
            .header(reqwest::header::CONTENT_TYPE, "application/json; charset=utf-8")
            .body(Value::Object(body).to_string());
        let answer = self.web_api_answer(self.http.send(&self.connection, request).await?).await?;
        Ok(PostMessageOutput {
            channel: answer.get("channel").and_then(Value::as_str).map(str::to_owned),
            ts: answer.get("ts").and_then(Value::as_str).map(str::to_owned),
        })
    }

    /// The user id of the Slack user with `email`.
    async fn user_id_by_email(&self, token: &SecretString, email: &str) -> Result<String, ActionError> {
        let request = self
            .http
            .client()
            .get(format!("{}/users.lookupByEmail", self.api_root))
            .query(&[("email", email)])
            .bearer_auth(token.expose_secret());
        let response = self.http.send(&self.connection, request).await?;
        let answer = self.web_api_answer(response).await.map_err(|mut e| {
            if e.field.as_deref() == Some("channel") {
                e.message = format!("{} (no Slack user has the email {email})", e.message);
            }
            e
        })?;
        answer
            .pointer("/user/id")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| ActionError::permanent("users.lookupByEmail answered without user.id"))
    }

    /// The body of a Web API answer, or its classified error (`ok:false` on HTTP 200, 429, 5xx).
    async fn web_api_answer(&self, response: Response) -> Result<Value, ActionError> {
        let status = response.status();
        let wait = retry_after(response.headers());
        let text = response.text().await.map_err(|e| transport_error(&e))?;
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Err(ActionError::rate_limited("ratelimited", wait).with_status(429));
        }
        let body: Value = match serde_json::from_str(&text) {
            Ok(body) => body,
            Err(_) if !status.is_success() => {
                let message =
                    if text.trim().is_empty() { status.to_string() } else { text.trim().chars().take(300).collect() };
                return Err(ActionError::from_status(status.as_u16(), message, wait));
            }
            Err(e) => return Err(ActionError::permanent(format!("unexpected Slack answer: {e}"))),
        };
        if body.get("ok").and_then(Value::as_bool) == Some(true) {
            return Ok(body);
        }
        let code = body.get("error").and_then(Value::as_str).unwrap_or("unknown_error");
        let detail = body.get("needed").and_then(Value::as_str).map(|needed| format!("needed: {needed}"));
        let mut error = slack_error(code, status.as_u16(), detail);
        if error.kind == ErrorKind::RateLimited {
            error = error.with_retry_after(wait);
        }
        Err(error)
    }

    async fn post_to_webhook(
        &self,
        url: &SecretString,
        input: &PostMessageInput,
    ) -> Result<PostMessageOutput, ActionError> {
        if input.channel.as_deref().is_some_and(|c| c.contains('@')) {
            return Err(ActionError::invalid_input("an incoming webhook cannot message a person; use a bot token")
                .with_field("channel"));
        }
        let mut body = Map::new();
        for (key, value) in [
            ("text", input.text.as_ref().map(|t| json!(t))),
            ("blocks", input.blocks.as_ref().map(|b| json!(b))),
            ("thread_ts", input.thread_ts.as_ref().map(|t| json!(t))),
        ] {
            if let Some(value) = value {
                body.insert(key.into(), value);
            }
        }
        let request = self.http.client().post(url.expose_secret()).json(&Value::Object(body));
        let response = self.http.send(&self.connection, request).await?;
        let status = response.status();
        let wait = retry_after(response.headers());
        let text = response.text().await.map_err(|e| transport_error(&e))?;
        let code = text.trim();
        if status.is_success() && code == "ok" {
            return Ok(PostMessageOutput { channel: None, ts: None });
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Err(ActionError::rate_limited("ratelimited", wait).with_status(429));
        }
        let plain_code = !code.is_empty() && code.chars().all(|c| c.is_ascii_lowercase() || c == '_');
        if plain_code {
            let mut error = slack_error(code, status.as_u16(), None);
            if status.is_server_error() {
                error.kind = ErrorKind::Transient;
            }
            return Err(error);
        }
        Err(ActionError::from_status(status.as_u16(), code.chars().take(300).collect::<String>(), wait))
    }

    /// Checks the token with `auth.test` (webhooks cannot be checked without posting).
    pub async fn check_token(&self) -> Result<String, ActionError> {
        match &self.auth {
            SlackAuth::Bot(token) => {
                let request =
                    self.http.client().post(format!("{}/auth.test", self.api_root)).bearer_auth(token.expose_secret());
                let answer = self.web_api_answer(self.http.send(&self.connection, request).await?).await?;
                let team = answer.get("team").and_then(Value::as_str).unwrap_or("?");
                let user = answer.get("user").and_then(Value::as_str).unwrap_or("?");
                Ok(format!("bot user {user} in workspace {team}"))
            }
            SlackAuth::Webhook(_) => Ok("incoming webhook (not checked: checking would post)".to_owned()),
        }
    }
}
