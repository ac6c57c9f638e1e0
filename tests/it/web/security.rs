//! Attacks on the daemon's HTTP side and the mistakes of a careless operator, each reproduced: a `next=` that
//! leaves the site or breaks the `Location` header, a cookie kept after logout, secrets rotated by a reload,
//! token guessing in parallel, an open `/metrics`, and connections that never finish their headers.

use std::time::{Duration, Instant};

use hirewire_runtime::serve::{ServeLimits, serve};
use hirewire_tests::engine::Db;
use hirewire_tests::memory;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, RETRY_AFTER, SET_COOKIE};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::{TOKEN, WebFixture};
use crate::engine::on_both_databases;

/// What the tests rotate the api token to.
const ROTATED_TOKEN: &str = "rotated-token-5e4d3c2b1a09f8e7";
/// The metrics token of the `/metrics` test.
const METRICS_TOKEN: &str = "metrics-token-0a1b2c3d4e5f6a7b";

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

async fn log_in(http: &reqwest::Client, base: &str, next: &str) -> reqwest::Response {
    http.post(format!("{base}/login")).form(&[("token", TOKEN), ("next", next)]).send().await.expect("POST /login")
}

/// Logs in; returns the `Cookie` header value.
async fn session_cookie(http: &reqwest::Client, base: &str) -> String {
    let response = log_in(http, base, "/runs").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let set_cookie = response.headers()[SET_COOKIE].to_str().expect("ascii");
    set_cookie.split(';').next().expect("name=value").to_owned()
}

async fn runs_page_status(http: &reqwest::Client, base: &str, cookie: &str) -> StatusCode {
    http.get(format!("{base}/runs")).header(COOKIE, cookie).send().await.expect("GET /runs").status()
}

async fn login_next_stays_on_this_site_and_in_the_header(db: Db) {
    let fixture = WebFixture::start(db, "sec-next", "Create the employee.", "Ada").await;
    let (base, http) = (fixture.base.clone(), client());
    for hostile in ["/\t/evil.example", "/\t\t//evil.example", "/runs\r\nSet-Cookie: planted=1", "/\n/evil", "/ /x"] {
        let response = log_in(&http, &base, hostile).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{hostile:?}");
        assert_eq!(response.headers()[LOCATION], "/", "{hostile:?}");
        let cookies: Vec<_> = response.headers().get_all(SET_COOKIE).iter().collect();
        assert_eq!(cookies.len(), 1, "one session cookie, nothing planted: {cookies:?}");
        let form = http.get(format!("{base}/login")).query(&[("next", hostile)]).send().await.expect("GET");
        let page = form.text().await.expect("body");
        assert!(page.contains(r#"name="next" value="/""#), "{hostile:?}: {page}");
    }
    let response = log_in(&http, &base, "/runs?status=failed").await;
    assert_eq!(response.headers()[LOCATION], "/runs?status=failed", "a local path is kept");
    fixture.stop().await;
}

async fn logout_ends_the_session_even_for_a_kept_cookie(db: Db) {
    let fixture = WebFixture::start(db, "sec-logout", "Create the employee.", "Ada").await;
    let (base, http) = (fixture.base.clone(), client());
    let (kept, other) = (session_cookie(&http, &base).await, session_cookie(&http, &base).await);
    assert_eq!(runs_page_status(&http, &base, &kept).await, StatusCode::OK);
    let logout = http.post(format!("{base}/logout")).header(COOKIE, &kept).send().await.expect("POST /logout");
    assert_eq!(logout.status(), StatusCode::SEE_OTHER);
    assert!(logout.headers()[SET_COOKIE].to_str().expect("ascii").contains("Max-Age=0"));
    assert_eq!(runs_page_status(&http, &base, &kept).await, StatusCode::SEE_OTHER, "the old cookie is refused");
    assert_eq!(runs_page_status(&http, &base, &other).await, StatusCode::OK, "another login is not ended");

    // A restart (or another node of the cluster) remembers the logout: the store holds it, not the process.
    let WebFixture { project, daemon, store, .. } = fixture;
    daemon.stop().await;
    let restarted = project.start("web-node-restarted", vec![memory::descriptor()]).await;
    let base = format!("http://{}", restarted.addr);
    assert_eq!(runs_page_status(&http, &base, &kept).await, StatusCode::SEE_OTHER, "refused after a restart too");
    assert_eq!(runs_page_status(&http, &base, &other).await, StatusCode::OK, "a live session survives a restart");
    assert!(store.prune_ended_web_sessions(chrono::Utc::now()).await.expect("prune") == 0, "not expired yet");
    restarted.stop().await;
    project.cleanup().await;
}

async fn post_webhook(http: &reqwest::Client, base: &str, signature: &str) -> StatusCode {
    let body = serde_json::json!({ "delivery_id": format!("rotation-{signature}"), "events": [] });
    let response = http.post(format!("{base}/webhooks/mem")).header("x-memory-signature", signature).json(&body);
    response.send().await.expect("POST webhook").status()
}

async fn api_status(http: &reqwest::Client, base: &str, token: &str) -> (StatusCode, String) {
    let response = http.get(format!("{base}/api/runs")).bearer_auth(token).send().await.expect("GET /api/runs");
    (response.status(), response.text().await.expect("body"))
}

async fn reload_rotates_the_api_token_the_webhook_secret_and_ends_sessions(db: Db) {
    let fixture = WebFixture::start(db, "sec-rotate", "Create the employee.", "Ada").await;
    let (base, http) = (fixture.base.clone(), client());
    let cookie = session_cookie(&http, &base).await;
    assert_eq!(post_webhook(&http, &base, "s3cret-hook").await, StatusCode::OK);
    let config_path = fixture.project.dir.path().join("hirewire.yaml");
    let config = std::fs::read_to_string(&config_path).expect("config");
    let rotated = config.replace(TOKEN, ROTATED_TOKEN).replace("s3cret-hook", "n3w-hook-after-leak");
    std::fs::write(&config_path, rotated).expect("write config");

    let deadline = Instant::now() + Duration::from_secs(20);
    while api_status(&http, &base, ROTATED_TOKEN).await.0 != StatusCode::OK {
        assert!(Instant::now() < deadline, "the rotated api token was never accepted");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (status, body) = api_status(&http, &base, TOKEN).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the old api token is refused after the reload");
    assert!(!body.contains(TOKEN), "the refused token is not echoed: {body}");
    assert_eq!(post_webhook(&http, &base, "s3cret-hook").await, StatusCode::UNAUTHORIZED, "old webhook secret");
    assert_eq!(post_webhook(&http, &base, "n3w-hook-after-leak").await, StatusCode::OK, "new webhook secret");
    assert_eq!(runs_page_status(&http, &base, &cookie).await, StatusCode::SEE_OTHER, "rotation ends sessions");
    fixture.stop().await;
}

async fn failed_logins_and_bearer_guesses_are_limited_per_client(db: Db) {
    let fixture = WebFixture::start(db, "sec-guess", "Create the employee.", "Ada").await;
    let (base, http) = (fixture.base.clone(), client());
    let mut guesses = tokio::task::JoinSet::new();
    for i in 0..20 {
        let (http, base) = (http.clone(), base.clone());
        guesses.spawn(async move {
            let form = [("token", format!("guess-{i}")), ("next", "/".to_owned())];
            http.post(format!("{base}/login")).form(&form).send().await.expect("POST /login")
        });
    }
    let answers = guesses.join_all().await;
    let limited: Vec<_> = answers.iter().filter(|r| r.status() == StatusCode::TOO_MANY_REQUESTS).collect();
    assert!(limited.len() >= 5, "20 parallel guesses: {:?}", answers.iter().map(|r| r.status()).collect::<Vec<_>>());
    assert!(limited.iter().all(|r| r.headers().contains_key(RETRY_AFTER)));
    let right = log_in(&http, &base, "/").await;
    assert_eq!(right.status(), StatusCode::TOO_MANY_REQUESTS, "while held back even the right token waits");

    // The bearer path shares the budget: this client is held back there too, and the guess is not echoed.
    let (status, body) = api_status(&http, &base, "bearer-guess-XYZ").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(!body.contains("bearer-guess-XYZ"), "{body}");
    fixture.stop().await;
}

async fn metrics_need_the_metrics_token_when_one_is_set(db: Db) {
    let fixture = WebFixture::start(db, "sec-metrics", "Create the employee.", "Ada").await;
    let (base, http) = (fixture.base.clone(), client());
    assert_ne!(http.get(format!("{base}/metrics")).send().await.expect("GET").status(), StatusCode::UNAUTHORIZED);
    let config_path = fixture.project.dir.path().join("hirewire.yaml");
    let config = std::fs::read_to_string(&config_path).expect("config");
    std::fs::write(&config_path, format!("metrics_token: {METRICS_TOKEN}\n{config}")).expect("write config");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let open = http.get(format!("{base}/metrics")).send().await.expect("GET /metrics");
        if open.status() == StatusCode::UNAUTHORIZED {
            assert!(!open.text().await.expect("body").contains(METRICS_TOKEN));
            break;
        }
        assert!(Instant::now() < deadline, "metrics_token was never required");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let wrong = http.get(format!("{base}/metrics")).bearer_auth(TOKEN).send().await.expect("GET");
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED, "the api token is not the metrics token");
    let right = http.get(format!("{base}/metrics")).bearer_auth(METRICS_TOKEN).send().await.expect("GET");
    assert_ne!(right.status(), StatusCode::UNAUTHORIZED);
    let mut statuses = Vec::new();
    for guess in 0..12 {
        let guessed = http.get(format!("{base}/metrics")).bearer_auth(format!("guess-{guess}")).send().await;
        statuses.push(guessed.expect("GET").status());
    }
    assert_eq!(statuses.last(), Some(&StatusCode::TOO_MANY_REQUESTS), "guessing is limited: {statuses:?}");
    let limited = http.get(format!("{base}/metrics")).bearer_auth(METRICS_TOKEN).send().await.expect("GET");
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS, "not even compared while limited");
    assert!(limited.headers().contains_key(RETRY_AFTER));
    fixture.stop().await;
}

on_both_databases!(
    login_next_stays_on_this_site_and_in_the_header,
    logout_ends_the_session_even_for_a_kept_cookie,
    reload_rotates_the_api_token_the_webhook_secret_and_ends_sessions,
    failed_logins_and_bearer_guesses_are_limited_per_client,
    metrics_need_the_metrics_token_when_one_is_set
);

/// Serves a one-route router with a short header deadline; returns its address and the shutdown switch.
async fn serve_with_short_deadline(max_connections: usize) -> (std::net::SocketAddr, tokio::sync::watch::Sender<bool>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let router = axum::Router::new().route("/healthz", axum::routing::get(|| async { "ok" }));
    let limits = ServeLimits { header_read_timeout: Duration::from_millis(500), max_connections };
    let (stop, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(serve(listener, router, limits, stopped));
    (addr, stop)
}

/// Reads until the server closes the connection; returns what it sent, or None when it is still open after 5 s.
async fn read_until_closed(stream: &mut tokio::net::TcpStream) -> Option<String> {
    let mut received = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut received)).await.ok()?;
    let _ = read;
    Some(String::from_utf8_lossy(&received).into_owned())
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let (addr, stop) = serve_with_short_deadline(16).await;
    let mut slow = tokio::net::TcpStream::connect(addr).await.expect("connect");
    slow.write_all(b"GET /healthz HT").await.expect("half a request line");
    let started = Instant::now();
    assert!(read_until_closed(&mut slow).await.is_some(), "the half-sent request was not cut off");
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());

    // A whole request is answered, and the idle keep-alive connection is closed after the same deadline.
    let mut idle = tokio::net::TcpStream::connect(addr).await.expect("connect");
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.expect("request");
    let answered = read_until_closed(&mut idle).await.expect("an idle keep-alive connection is closed");
    assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
    let _ = stop.send(true);
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_until_one_closes() {
    let (addr, stop) = serve_with_short_deadline(1).await;
    let mut holder = tokio::net::TcpStream::connect(addr).await.expect("connect");
    holder.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.expect("unfinished headers");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    let answer = reqwest::get(format!("http://{addr}/healthz")).await.expect("answered once the slot frees");
    assert_eq!(answer.status(), StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300), "served beyond the cap: {:?}", started.elapsed());
    let _ = stop.send(true);
}
