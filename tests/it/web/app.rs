//! A daemon's HTTP router without a socket or background tasks, for router tests through
//! `app(state).oneshot(..)`: the project is loaded and its runs recorded and executed by the same parts the
//! daemon uses (the trigger scheduler's poll, the executor), each step called by the test when it wants it.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, Method, Request, StatusCode, header};
use hirewire_core::env_expand::process_env;
use hirewire_core::expr::ExprEngine;
use hirewire_core::validate::load_project;
use hirewire_runtime::api::{AppState, app};
use hirewire_runtime::connections::Connections;
use hirewire_runtime::credentials::Credentials;
use hirewire_runtime::daemon::install_recipes;
use hirewire_runtime::executor::Executor;
use hirewire_runtime::notify::Wakeup;
use hirewire_runtime::recipe_book::RecipeBook;
use hirewire_runtime::trigger_scheduler::TriggerScheduler;
use hirewire_sdk::{ClusterView, ConnectorDescriptor, HttpClient};
use hirewire_store::Store;
use serde_json::Value;
use tower::ServiceExt as _;

/// How long a claimed run stays leased to the test.
const LEASE: Duration = Duration::from_secs(30);
/// The `Host` every request names unless it says otherwise, as a client of a daemon on loopback would.
pub(crate) const HOST: &str = "127.0.0.1:8080";
/// The largest answer body read.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// One HTTP answer.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
}

impl Answer {
    /// The body as JSON.
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The value of header `name` (empty when absent).
    pub(crate) fn header(&self, name: HeaderName) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }
}

/// The project's router and the parts that record and execute its runs.
pub(crate) struct AppHarness {
    pub(crate) state: AppState,
    router: Router,
    scheduler: TriggerScheduler,
    executor: Executor,
}

impl AppHarness {
    /// Loads the project in `dir` on `store` with the real connectors plus `extra`, as node `node`.
    pub(crate) async fn new(dir: &Path, store: Store, node: &str, extra: Vec<ConnectorDescriptor>) -> Self {
        let mut registry = hirewire_connectors::all();
        registry.extend(extra);
        let project = load_project(dir, &registry, &process_env).unwrap_or_else(|report| panic!("{report}"));
        store.migrate().await.expect("migrate");
        store.upsert_node(node).await.expect("register the node");
        let connections = Connections::build_in_cluster(
            &registry,
            project.config.connections.values().map(|c| (c.name.as_str(), c.connector.as_str(), c.settings())),
            &HttpClient::default(),
            &ClusterView::default(),
        )
        .expect("connections");
        let recipes = RecipeBook::new(Vec::new());
        install_recipes(&store, &recipes, project.recipes).await.expect("install recipes");
        let expr = Arc::new(ExprEngine::new());
        let wake = Wakeup::new(store.clone());
        let state = AppState {
            store: store.clone(),
            recipes: recipes.clone(),
            connections: connections.clone(),
            expr: expr.clone(),
            wake: wake.clone(),
            credentials: Arc::new(Credentials::new(project.config.api_token, project.config.metrics_token)),
            recipes_loaded: Arc::new(AtomicBool::new(true)),
            metrics: None,
            node: node.to_owned(),
            project_dir: dir.to_path_buf(),
        };
        let scheduler = TriggerScheduler {
            store: store.clone(),
            recipes: recipes.clone(),
            connections: connections.clone(),
            expr: expr.clone(),
            node: node.to_owned(),
            wake,
            poll_lease: LEASE,
        };
        let executor = Executor {
            store,
            expr,
            recipes,
            connections,
            max_inline_retry_wait: Duration::from_secs(15),
            version_loader: None,
        };
        Self { router: app(state.clone()), state, scheduler, executor }
    }

    /// Polls every polling recipe's trigger once (recording what its connection has waiting).
    pub(crate) async fn poll_triggers(&self) {
        for recipe in self.state.recipes.all_current() {
            self.scheduler.poll_trigger(&recipe).await.unwrap_or_else(|e| panic!("poll {}: {e}", recipe.name));
        }
    }

    /// Claims and executes every run due now, until none is left.
    pub(crate) async fn run_due(&self) {
        loop {
            let runs = self.state.store.claim_runs(&self.state.node, 32, LEASE).await.expect("claim");
            if runs.is_empty() {
                return;
            }
            for run in &runs {
                self.executor.execute(run).await.unwrap_or_else(|e| panic!("execute {}: {e}", run.id));
            }
        }
    }

    /// Sends `request` to the router.
    pub(crate) async fn send(&self, request: Request<Body>) -> Answer {
        let response = self.router.clone().oneshot(request).await.expect("the router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), MAX_BODY).await.expect("body");
        Answer { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    /// `GET uri` with `headers`.
    pub(crate) async fn get(&self, uri: &str, headers: &[(HeaderName, &str)]) -> Answer {
        self.send(request(Method::GET, uri, headers, None)).await
    }

    /// `POST uri` with `headers` and `form` as `application/x-www-form-urlencoded`.
    pub(crate) async fn post_form(&self, uri: &str, headers: &[(HeaderName, &str)], form: &[(&str, &str)]) -> Answer {
        let mut encoded = reqwest::Url::parse("http://form.invalid/").expect("url");
        encoded.query_pairs_mut().extend_pairs(form);
        let body = encoded.query().unwrap_or_default().to_owned();
        self.send(request(Method::POST, uri, headers, Some(("application/x-www-form-urlencoded", body)))).await
    }

    /// `POST uri` with `headers` and `json` (none: an empty body).
    pub(crate) async fn post_json(&self, uri: &str, headers: &[(HeaderName, &str)], json: Option<&Value>) -> Answer {
        let body = json.map(|j| ("application/json", j.to_string()));
        self.send(request(Method::POST, uri, headers, body)).await
    }
}

/// A request to the router; `body` is its content type and text.
fn request(method: Method, uri: &str, headers: &[(HeaderName, &str)], body: Option<(&str, String)>) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(uri);
    if !headers.iter().any(|(name, _)| name == header::HOST) {
        builder = builder.header(header::HOST, HOST);
    }
    for (name, value) in headers {
        builder = builder.header(name, *value);
    }
    match body {
        Some((content_type, text)) => builder.header(header::CONTENT_TYPE, content_type).body(Body::from(text)),
        None => builder.body(Body::empty()),
    }
    .expect("request")
}

/// The value of `Authorization` presenting `token`.
pub(crate) fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}
