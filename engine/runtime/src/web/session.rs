//! Web sessions: the login cookie (an HMAC-signed expiry and label, never the api token), the CSRF tokens of
//! the retry form, and the middleware that keeps the pages behind the api token.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::Mac;
use rand::RngCore;

use super::WebState;
use crate::auth_limit::{FailedAuthLimiter, client_ip, retry_after_header};
use crate::credentials::{Credentials, mac_of};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "hirewire_session";
/// How long a login lasts.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 60 * 60);
/// Longest session label (the "your name" field of the login form).
pub const MAX_LABEL_CHARS: usize = 64;

/// Signs sessions and CSRF tokens with the key of the credentials in effect (derived from the api token, so
/// rotating the token ends every session), and ends sessions on logout.
pub struct WebKeys {
    credentials: Arc<Credentials>,
}

impl fmt::Debug for WebKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebKeys").field("credentials", &self.credentials).finish()
    }
}

/// Who is signed in, from a valid session cookie (or a bearer header, or the open loopback mode).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    /// The cookie value (empty for bearer and open access): CSRF tokens are bound to it.
    pub session: String,
    /// The name given at login, if any.
    pub label: Option<String>,
}

impl Viewer {
    /// What a retry records as `requested_by`: `web`, or `web:<label>`.
    #[must_use]
    pub fn requested_by(&self) -> String {
        match &self.label {
            Some(label) => format!("web:{label}"),
            None => "web".to_owned(),
        }
    }
}

/// The parts of a signed session cookie value `v2.<expires>.<id>.<label>.<mac>`.
struct SessionParts<'a> {
    expires: &'a str,
    id: &'a str,
    label: &'a str,
    mac: &'a str,
}

impl<'a> SessionParts<'a> {
    fn parse(value: &'a str) -> Option<Self> {
        let mut parts = value.split('.');
        let (Some("v2"), Some(expires), Some(id), Some(label), Some(mac), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        Some(Self { expires, id, label, mac })
    }
}

impl WebKeys {
    /// Keys over the daemon's live credentials.
    #[must_use]
    pub fn new(credentials: Arc<Credentials>) -> Self {
        Self { credentials }
    }

    /// Whether the pages need a login.
    #[must_use]
    pub fn requires_login(&self) -> bool {
        self.credentials.current().requires_api_token()
    }

    /// Whether `presented` is the api token (constant time).
    #[must_use]
    pub fn token_matches(&self, presented: &str) -> bool {
        self.credentials.current().api_token_matches(presented)
    }

    /// The limit on failed authentication per client.
    #[must_use]
    pub fn failures(&self) -> &FailedAuthLimiter {
        &self.credentials.failures
    }

    fn sign(&self, parts: &[&str]) -> String {
        hex::encode(mac_of(self.credentials.current().session_key(), parts).finalize().into_bytes())
    }

    fn verify(&self, parts: &[&str], presented_hex: &str) -> bool {
        let key = *self.credentials.current().session_key();
        hex::decode(presented_hex).is_ok_and(|bytes| mac_of(&key, parts).verify_slice(&bytes).is_ok())
    }

    /// A new session cookie value (a random session id) that expires `SESSION_LIFETIME` after `now_unix`,
    /// carrying `label`.
    #[must_use]
    pub fn issue_session(&self, label: Option<&str>, now_unix: i64) -> String {
        let expires = (now_unix + i64::try_from(SESSION_LIFETIME.as_secs()).unwrap_or(i64::MAX)).to_string();
        let mut id = [0_u8; 16];
        rand::rng().fill_bytes(&mut id);
        let id = hex::encode(id);
        let label = URL_SAFE_NO_PAD.encode(label.unwrap_or_default());
        let mac = self.sign(&["session", &expires, &id, &label]);
        format!("v2.{expires}.{id}.{label}.{mac}")
    }

    fn valid_session<'a>(&self, value: &'a str, now_unix: i64) -> Option<(SessionParts<'a>, i64)> {
        let parts = SessionParts::parse(value)?;
        if !self.verify(&["session", parts.expires, parts.id, parts.label], parts.mac) {
            return None;
        }
        let expires = parts.expires.parse::<i64>().ok()?;
        (expires > now_unix && !self.credentials.session_ended(parts.id)).then_some((parts, expires))
    }

    /// The viewer of a valid, unexpired session cookie value that was not logged out.
    #[must_use]
    pub fn check_session(&self, value: &str, now_unix: i64) -> Option<Viewer> {
        let (parts, _) = self.valid_session(value, now_unix)?;
        let label = String::from_utf8(URL_SAFE_NO_PAD.decode(parts.label).ok()?).ok()?;
        Some(Viewer { session: value.to_owned(), label: (!label.is_empty()).then_some(label) })
    }

    /// Ends the session of a valid cookie value (logout) on this node: the cookie is refused here from now on.
    /// Returns the session's id and the Unix time its cookie expires, for the store to remember it on every
    /// node and across restarts.
    pub fn end_session(&self, value: &str, now_unix: i64) -> Option<(String, i64)> {
        let (parts, expires) = self.valid_session(value, now_unix)?;
        self.credentials.end_session(parts.id, expires, now_unix);
        Some((parts.id.to_owned(), expires))
    }

    /// The session id a cookie value carries (unchecked: call it on a viewer's session only).
    #[must_use]
    pub fn session_id(value: &str) -> Option<&str> {
        SessionParts::parse(value).map(|parts| parts.id)
    }

    /// The CSRF token of the retry form of `run_id` for `viewer`.
    #[must_use]
    pub fn csrf_token(&self, viewer: &Viewer, run_id: &str) -> String {
        self.sign(&["csrf retry", &viewer.session, run_id])
    }

    /// Whether `presented` is `viewer`'s CSRF token for `run_id` (constant time).
    #[must_use]
    pub fn csrf_matches(&self, viewer: &Viewer, run_id: &str, presented: &str) -> bool {
        self.verify(&["csrf retry", &viewer.session, run_id], presented)
    }
}

/// Trims a login label to printable characters, at most `MAX_LABEL_CHARS`.
#[must_use]
pub fn clean_label(raw: &str) -> Option<String> {
    let label: String = raw.trim().chars().filter(|c| !c.is_control()).take(MAX_LABEL_CHARS).collect();
    (!label.is_empty()).then_some(label)
}

/// The value of cookie `name` in the request's `Cookie` headers.
#[must_use]
pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(k, v)| (k == name).then_some(v))
}

/// The host part of the `Host` header, without the port.
fn host_name(headers: &HeaderMap) -> &str {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or_default();
    }
    host.rsplit_once(':').map_or(host, |(name, _)| name)
}

/// Whether the request was addressed to a loopback host name.
#[must_use]
pub fn is_loopback_host(headers: &HeaderMap) -> bool {
    let name = host_name(headers);
    name.eq_ignore_ascii_case("localhost") || name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether the request came over plain http (no `X-Forwarded-Proto: https` from a TLS proxy).
fn is_plain_http(headers: &HeaderMap) -> bool {
    !headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|p| p.eq_ignore_ascii_case("https"))
}

/// The `Set-Cookie` value for a session (`None`: clear it). `Secure` unless the request came over plain http
/// to a loopback address.
#[must_use]
pub fn session_cookie(value: Option<&str>, request_headers: &HeaderMap) -> String {
    let secure = if is_plain_http(request_headers) && is_loopback_host(request_headers) { "" } else { "; Secure" };
    match value {
        Some(value) => format!(
            "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
            SESSION_LIFETIME.as_secs()
        ),
        None => format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"),
    }
}

/// The seconds since the Unix epoch.
#[must_use]
pub fn now_unix() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The viewer of a request: a valid session cookie or bearer header when a token is configured, anyone on a
/// loopback host when not.
#[must_use]
pub fn viewer_of(keys: &WebKeys, headers: &HeaderMap) -> Option<Viewer> {
    if !keys.requires_login() {
        return is_loopback_host(headers).then(|| Viewer { session: String::new(), label: None });
    }
    if let Some(viewer) = cookie_value(headers, SESSION_COOKIE).and_then(|v| keys.check_session(v, now_unix())) {
        return Some(viewer);
    }
    let bearer =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "))?;
    keys.token_matches(bearer).then(|| Viewer { session: String::new(), label: Some("api".to_owned()) })
}

/// A safe place to go back to after login: an absolute path on this site (`/` then not `/` or `\\`), of
/// printable ASCII only (no control character, no space, nothing a browser would strip or turn into another
/// host, nothing that cannot go into `Location`); anything else goes to `/`.
#[must_use]
pub fn local_path(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && path.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// Lets signed-in viewers through (with a `Viewer` extension); sends others to the login form (GET) or answers
/// 401 (other methods). Cross-site form posts (an `Origin` that is not this host) are refused.
pub async fn require_viewer(State(web): State<WebState>, mut request: Request, next: Next) -> Response {
    let headers = request.headers();
    if request.method() != Method::GET && request.method() != Method::HEAD && !same_origin(headers) {
        return (StatusCode::FORBIDDEN, "cross-site request refused").into_response();
    }
    let client = client_ip(request.extensions());
    let presents_bearer = headers.contains_key(header::AUTHORIZATION);
    if presents_bearer && let Some(wait) = web.keys.failures().retry_after(client) {
        return (StatusCode::TOO_MANY_REQUESTS, [retry_after_header(wait)], "too many failed attempts").into_response();
    }
    let viewer = match viewer_of(&web.keys, headers) {
        Some(viewer) if !viewer.session.is_empty() => not_logged_out(&web, viewer).await,
        other => other,
    };
    if viewer.is_none() && presents_bearer && web.keys.requires_login() {
        web.keys.failures().record_failure(client);
    }
    match viewer {
        Some(viewer) => {
            request.extensions_mut().insert(viewer);
            next.run(request).await
        }
        None if !web.keys.requires_login() => (
            StatusCode::FORBIDDEN,
            "without `api_token:` the web page answers only on a loopback address (127.0.0.1, localhost)",
        )
            .into_response(),
        None if request.method() == Method::GET => {
            let wanted = request.uri().path_and_query().map_or("/", |pq| pq.as_str());
            let next: String = url::form_urlencoded::byte_serialize(wanted.as_bytes()).collect();
            Redirect::to(&format!("/login?next={next}")).into_response()
        }
        None => (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")], "log in first").into_response(),
    }
}

/// `viewer`, unless its session was ended by logout on any node (the store remembers it across restarts).
/// A store that cannot answer refuses the session: a logged-out cookie must not pass while it is down.
async fn not_logged_out(web: &WebState, viewer: Viewer) -> Option<Viewer> {
    let id = WebKeys::session_id(&viewer.session)?;
    match web.app.store.web_session_ended(id).await {
        Ok(false) => Some(viewer),
        Ok(true) => None,
        Err(e) => {
            tracing::warn!(error = %e, "could not check whether a web session was ended; refusing it");
            None
        }
    }
}

/// Whether a request's `Origin` (when sent) is the host it was sent to.
#[must_use]
pub fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let origin_host = origin.split_once("://").map_or("", |(_, rest)| rest);
    !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::http::HeaderValue;
    use secrecy::SecretString;

    use super::*;

    const TOKEN: &str = "tok-1234567890abcdefghij";

    fn credentials(token: &str) -> Arc<Credentials> {
        Arc::new(Credentials::new(Some(SecretString::from(token.to_owned())), None))
    }

    fn keys() -> WebKeys {
        WebKeys::new(credentials(TOKEN))
    }

    #[test]
    fn sessions_verify_expire_and_resist_tampering() {
        let keys = keys();
        let value = keys.issue_session(Some("Ada"), 1_000);
        assert!(!value.contains(TOKEN));
        let viewer = keys.check_session(&value, 1_001).expect("valid");
        assert_eq!(viewer.label.as_deref(), Some("Ada"));
        assert_eq!(viewer.requested_by(), "web:Ada");
        assert!(keys.check_session(&value, 1_000 + 12 * 3600).is_none(), "expired");
        let forged = value.replace(&URL_SAFE_NO_PAD.encode("Ada"), &URL_SAFE_NO_PAD.encode("Eve"));
        assert!(keys.check_session(&forged, 1_001).is_none(), "label is signed");
        let other = WebKeys::new(credentials("other-token-1234567890abc"));
        assert!(other.check_session(&value, 1_001).is_none(), "a new token ends old sessions");
    }

    #[test]
    fn logout_and_token_rotation_end_a_session() {
        let credentials = credentials(TOKEN);
        let keys = WebKeys::new(credentials.clone());
        let (kept, ended) = (keys.issue_session(Some("Ada"), 1_000), keys.issue_session(Some("Ada"), 1_000));
        assert_ne!(kept, ended, "each login is its own session");
        keys.end_session(&ended, 1_001);
        assert!(keys.check_session(&ended, 1_002).is_none(), "logged out");
        assert!(keys.check_session(&kept, 1_002).is_some(), "the other session stays");
        credentials.replace(Some(SecretString::from("rotated-token-1234567890ab")), None);
        assert!(keys.check_session(&kept, 1_002).is_none(), "rotating the api token ends every session");
        assert!(keys.token_matches("rotated-token-1234567890ab") && !keys.token_matches(TOKEN));
    }

    #[test]
    fn csrf_tokens_bind_session_and_run() {
        let keys = keys();
        let viewer = keys.check_session(&keys.issue_session(None, 0), 1).expect("valid");
        let token = keys.csrf_token(&viewer, "run-1");
        assert!(keys.csrf_matches(&viewer, "run-1", &token));
        assert!(!keys.csrf_matches(&viewer, "run-2", &token));
        let other = keys.check_session(&keys.issue_session(Some("x"), 0), 1).expect("valid");
        assert!(!keys.csrf_matches(&other, "run-1", &token));
        assert!(!keys.csrf_matches(&viewer, "run-1", "not-hex"));
    }

    #[test]
    fn cookie_is_secure_except_plain_http_on_loopback() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        let cookie = session_cookie(Some("v"), &headers);
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"));
        assert!(!cookie.contains("Secure"));
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert!(session_cookie(Some("v"), &headers).ends_with("; Secure"));
        headers.remove("x-forwarded-proto");
        headers.insert(header::HOST, HeaderValue::from_static("hirewire.acme.example"));
        assert!(session_cookie(None, &headers).ends_with("; Secure"));
    }

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(local_path(Some("/runs?status=failed")), "/runs?status=failed");
        assert_eq!(local_path(Some("//evil.example/")), "/");
        assert_eq!(local_path(Some("https://evil.example/")), "/");
        assert_eq!(local_path(Some("/\\evil.example")), "/");
        assert_eq!(local_path(None), "/");
        for hostile in ["/\t/evil.example", "/\t\t/evil.example", "/x\r\nSet-Cookie: a=b", "/\n", "/ /evil", "/\u{7f}"]
        {
            assert_eq!(local_path(Some(hostile)), "/", "{hostile:?}");
        }
        assert_eq!(local_path(Some("javascript:alert(1)")), "/");
        assert_eq!(local_path(Some("/runs/%09x")), "/runs/%09x", "percent-encoded stays a path");
    }

    #[test]
    fn debug_output_hides_the_token() {
        assert!(!format!("{:?}", keys()).contains(TOKEN));
    }
}
