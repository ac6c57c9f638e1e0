//! The login form (`/login`: the api token in, a signed session cookie out) and logout.

use std::time::Duration;

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{Extensions, HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use super::WebState;
use super::layout::{Section, html_response, page};
use super::session::{SESSION_COOKIE, clean_label, cookie_value, local_path, now_unix, same_origin, session_cookie};
use crate::auth_limit::{client_ip, retry_after_header};

/// A wrong token costs this long (slows guessing).
const WRONG_TOKEN_DELAY: Duration = Duration::from_millis(300);

/// Query of `GET /login`.
#[derive(Debug, Default, Deserialize)]
pub struct LoginQuery {
    /// Where to go after logging in.
    next: Option<String>,
}

/// The login form.
#[derive(Deserialize)]
pub struct LoginForm {
    /// The api token.
    token: String,
    /// A name to record with retries (optional).
    #[serde(default)]
    name: String,
    /// Where to go after logging in.
    #[serde(default)]
    next: String,
}

fn login_page(status: StatusCode, next: &str, problem: Option<&str>) -> Response {
    let body = html! {
        section.card.login {
            h1 { "Log in to hirewire" }
            @if let Some(problem) = problem { p.error role="alert" { (problem) } }
            form method="post" action="/login" {
                input type="hidden" name="next" value=(next);
                label { "API token" input type="password" name="token" id="token" required autocomplete="current-password"; }
                label { "Your name (recorded with retries, optional)" input type="text" name="name" id="name" maxlength="64" autocomplete="name"; }
                button.primary type="submit" id="login" { "Log in" }
            }
        }
    };
    html_response(status, page("Log in", Section::Login, None, None, &body))
}

/// `GET /login`.
pub async fn login_form(State(web): State<WebState>, Query(query): Query<LoginQuery>) -> Response {
    if !web.keys.requires_login() {
        return Redirect::to("/").into_response();
    }
    login_page(StatusCode::OK, &local_path(query.next.as_deref()), None)
}

/// `POST /login`: a right token sets the session cookie and goes on to `next`. A client with too many wrong
/// tokens in a row is answered 429 with `Retry-After`, its token not even compared.
pub async fn log_in(
    State(web): State<WebState>,
    headers: HeaderMap,
    extensions: Extensions,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = local_path(Some(&form.next));
    if !web.keys.requires_login() {
        return Redirect::to(&next).into_response();
    }
    if !same_origin(&headers) {
        return (StatusCode::FORBIDDEN, "cross-site request refused").into_response();
    }
    let client = client_ip(&extensions);
    if let Some(wait) = web.keys.failures().retry_after(client) {
        tracing::warn!(%client, "web login refused: too many wrong tokens");
        let mut response = login_page(StatusCode::TOO_MANY_REQUESTS, &next, Some("Too many wrong tokens; wait."));
        let (name, value) = retry_after_header(wait);
        response.headers_mut().insert(name, value);
        return response;
    }
    if !web.keys.token_matches(&form.token) {
        web.keys.failures().record_failure(client);
        tokio::time::sleep(WRONG_TOKEN_DELAY).await;
        tracing::warn!(%client, "web login with a wrong token");
        return login_page(StatusCode::UNAUTHORIZED, &next, Some("That is not the api token."));
    }
    let label = clean_label(&form.name);
    let session = web.keys.issue_session(label.as_deref(), now_unix());
    let mut response = Redirect::to(&next).into_response();
    if let Ok(cookie) = session_cookie(Some(&session), &headers).parse() {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

/// `POST /logout`: ends the session (its cookie is refused from now on, even if kept) and clears the cookie.
pub async fn log_out(State(web): State<WebState>, headers: HeaderMap) -> Response {
    if let Some((id, expires)) =
        cookie_value(&headers, SESSION_COOKIE).and_then(|value| web.keys.end_session(value, now_unix()))
    {
        let expires_at = chrono::DateTime::from_timestamp(expires, 0).unwrap_or_else(chrono::Utc::now);
        if let Err(e) = web.app.store.end_web_session(&id, expires_at).await {
            tracing::warn!(error = %e, "could not record the logout for other nodes and restarts");
        }
    }
    let mut response = Redirect::to("/login").into_response();
    if let Ok(cookie) = session_cookie(None, &headers).parse() {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}
