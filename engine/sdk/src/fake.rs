//! Sandbox fakes: each connector serves a local fake of its API, mounted by
//! `hirewire sandbox` under `/<connector>`. This module holds what all fakes
//! share: their descriptor, options, fault injection and a test server.
//!
//! Fault injection (SPEC 8) is the same for every fake: `POST
//! /<connector>/_control/faults` with a [`FaultRule`] makes the next `count`
//! requests under `path_prefix` answer `status` (with `Retry-After` for 429),
//! arrive late (`delay_ms`) or be dropped (`drop`: the connection is closed
//! without an answer). `DELETE /<connector>/_control/faults` clears them.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Json;
use serde::{Deserialize, Serialize};

/// Options every fake is built with.
#[derive(Debug, Clone, Default)]
pub struct FakeOptions {
    /// Seed for generated data, so that `--seed N` gives the same sandbox.
    pub seed: u64,
    /// The external URL prefix the fake is reachable at (e.g. `http://127.0.0.1:9000/greenhouse`),
    /// for absolute links such as `Link` headers and `Location`.
    pub public_url: String,
}

/// Builds a connector's fake.
pub type FakeRouterFn = fn(FakeOptions) -> Router;

/// A connector's sandbox fake.
#[derive(Debug, Clone, Copy)]
pub struct FakeDescriptor {
    /// Builds the router; routes are relative to the mount point `/<connector>`.
    pub router: FakeRouterFn,
}

/// One injected fault.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// Only requests whose path (below the mount point) starts with this; empty means all.
    #[serde(default)]
    pub path_prefix: String,
    /// Answer with this status instead of serving the request.
    #[serde(default)]
    pub status: Option<u16>,
    /// `Retry-After` seconds to send with the status.
    #[serde(default)]
    pub retry_after: Option<u64>,
    /// Delay the answer by this many milliseconds.
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// Close the connection without answering.
    #[serde(default)]
    pub drop: bool,
    /// How many requests it applies to (`None`: until cleared).
    #[serde(default)]
    pub count: Option<u64>,
}

/// The faults currently injected into one fake.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    rules: Arc<Mutex<Vec<FaultRule>>>,
}

impl Faults {
    /// Adds a rule.
    pub fn add(&self, rule: FaultRule) {
        self.rules.lock().expect("fault lock").push(rule);
    }
    /// Removes every rule.
    pub fn clear(&self) {
        self.rules.lock().expect("fault lock").clear();
    }
    /// Takes the rule that applies to `path`, counting it down.
    fn take(&self, path: &str) -> Option<FaultRule> {
        let mut rules = self.rules.lock().expect("fault lock");
        let index = rules.iter().position(|r| path.starts_with(&r.path_prefix) && !path.contains("/_control/"))?;
        let rule = rules[index].clone();
        if let Some(count) = rules[index].count.as_mut() {
            *count = count.saturating_sub(1);
            if *count == 0 {
                rules.remove(index);
            }
        }
        Some(rule)
    }
}

/// Wraps a fake's router with the shared fault injection and its control routes.
pub fn with_faults(router: Router, faults: Faults) -> Router {
    let control = Router::new()
        .route("/_control/faults", post(add_fault).delete(clear_faults))
        .with_state(faults.clone());
    router
        .merge(control)
        .layer(axum::middleware::from_fn_with_state(faults, inject_fault))
}

async fn add_fault(State(faults): State<Faults>, Json(rule): Json<FaultRule>) -> impl IntoResponse {
    faults.add(rule);
    axum::http::StatusCode::NO_CONTENT
}

async fn clear_faults(State(faults): State<Faults>) -> impl IntoResponse {
    faults.clear();
    axum::http::StatusCode::NO_CONTENT
}

async fn inject_fault(State(faults): State<Faults>, request: Request, next: Next) -> Response {
    let Some(rule) = faults.take(request.uri().path()) else {
        return next.run(request).await;
    };
    if let Some(ms) = rule.delay_ms {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    if rule.drop {
        // Never answer: the client times out, as with a dropped connection.
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    match rule.status {
        Some(status) => {
            let code = axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
            let mut response = (code, format!("injected fault {status}")).into_response();
            if let Some(secs) = rule.retry_after
                && let Ok(v) = secs.to_string().parse() {
                    response.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
                }
            response
        }
        None => next.run(request).await,
    }
}

/// A fake served on a loopback port, for tests. Dropping it stops the server.
pub struct TestServer {
    /// The address it listens on.
    pub addr: SocketAddr,
    handle: tokio::task::JoinHandle<()>,
}

impl TestServer {
    /// Serves `router` on `127.0.0.1:0`.
    ///
    /// # Panics
    /// When no loopback port can be bound.
    pub async fn start(router: Router) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
        Self::serve(listener, router)
    }

    /// Serves `router` on an already bound `listener` (when the router must know its own address).
    ///
    /// # Panics
    /// When the listener has no local address.
    #[must_use]
    pub fn serve(listener: tokio::net::TcpListener, router: Router) -> Self {
        let addr = listener.local_addr().expect("local addr");
        let handle = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Self { addr, handle }
    }
    /// `http://127.0.0.1:PORT`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.handle.abort();
    }
}
