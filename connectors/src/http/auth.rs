//! Applying a connection's auth to requests, including the OAuth2
//! client-credentials token (cached, renewed before expiry and after a 401).

use std::time::Duration;

use hirewire_sdk::http_client::transport_error;
use hirewire_sdk::token_cache::{IssuedToken, TokenCache};
use hirewire_sdk::{ActionError, HttpClient};
use reqwest::RequestBuilder;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use super::config::{ClientAuthStyle, HttpAuth};

/// Signs requests for one connection.
#[derive(Debug)]
pub struct Authenticator {
    auth: HttpAuth,
    origin: Option<url::Origin>,
    tokens: TokenCache,
    http: HttpClient,
    connection: String,
}

impl Authenticator {
    /// An authenticator that signs requests to `base_url`'s origin (any URL when there is no base URL).
    #[must_use]
    pub fn new(auth: HttpAuth, base_url: Option<&url::Url>, http: HttpClient, connection: String) -> Self {
        Self { auth, origin: base_url.map(url::Url::origin), tokens: TokenCache::new(), http, connection }
    }

    /// Whether credentials may be sent to `url` (same origin as the base URL).
    #[must_use]
    pub fn applies_to(&self, url: &url::Url) -> bool {
        self.origin.as_ref().is_none_or(|origin| *origin == url.origin())
    }

    /// Whether a 401 may be cured by a new token.
    #[must_use]
    pub fn renews_tokens(&self) -> bool {
        matches!(self.auth, HttpAuth::Oauth2ClientCredentials { .. })
    }

    /// Adds the credentials to `request`; returns the OAuth2 token used, if any.
    ///
    /// # Errors
    /// When an OAuth2 token cannot be obtained.
    pub async fn sign(&self, request: RequestBuilder) -> Result<(RequestBuilder, Option<SecretString>), ActionError> {
        Ok(match &self.auth {
            HttpAuth::None => (request, None),
            HttpAuth::Basic { username, password } => {
                (request.basic_auth(username, Some(password.expose_secret())), None)
            }
            HttpAuth::Bearer(token) => (request.bearer_auth(token.expose_secret()), None),
            HttpAuth::Header { name, value } => (request.header(name.as_str(), value.expose_secret()), None),
            HttpAuth::Query { name, value } => (request.query(&[(name.as_str(), value.expose_secret())]), None),
            HttpAuth::Oauth2ClientCredentials { .. } => {
                let token = self.tokens.token(|| self.issue_token()).await?;
                (request.bearer_auth(token.expose_secret()), Some(token))
            }
        })
    }

    /// Forgets a token the API refused.
    pub async fn invalidate(&self, token: &SecretString) {
        self.tokens.invalidate(token).await;
    }

    async fn issue_token(&self) -> Result<IssuedToken, ActionError> {
        let HttpAuth::Oauth2ClientCredentials { token_url, client_id, client_secret, scope, audience, client_auth } =
            &self.auth
        else {
            return Err(ActionError::permanent("this connection has no OAuth2 client credentials"));
        };
        let mut form: Vec<(&str, &str)> = vec![("grant_type", "client_credentials")];
        if let Some(scope) = scope {
            form.push(("scope", scope));
        }
        if let Some(audience) = audience {
            form.push(("audience", audience));
        }
        let mut request = self.http.client().post(token_url).header(reqwest::header::ACCEPT, "application/json");
        match client_auth {
            ClientAuthStyle::Basic => request = request.basic_auth(client_id, Some(client_secret.expose_secret())),
            ClientAuthStyle::Body => {
                form.push(("client_id", client_id));
                form.push(("client_secret", client_secret.expose_secret()));
            }
        }
        let response = self.http.send(&self.connection, request.form(&form)).await?;
        let status = response.status();
        let text = response.text().await.map_err(|e| transport_error(&e))?;
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if !status.is_success() {
            let reason = [body.get("error"), body.get("error_description")]
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(": ");
            let reason = if reason.is_empty() { status.to_string() } else { reason };
            let mut error =
                ActionError::from_status(status.as_u16(), format!("OAuth2 token request failed: {reason}"), None);
            if matches!(status.as_u16(), 400 | 401 | 403) {
                error.kind = hirewire_sdk::ErrorKind::Auth;
            }
            return Err(error);
        }
        let token = body
            .get("access_token")
            .and_then(Value::as_str)
            .ok_or_else(|| ActionError::auth("OAuth2 token answer has no access_token"))?;
        let expires_in = body.get("expires_in").and_then(Value::as_u64).map(Duration::from_secs);
        Ok(IssuedToken { value: SecretString::from(token.to_owned()), expires_in })
    }
}
