//! The HTTP API served by `hirewire run` (docs/contract.md section 7), built as `fn app() -> Router`
//! so that tests drive it without a socket.

mod auth;
mod health;
mod runs;
mod webhooks;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use axum::routing::{get, post};
use hirewire_core::expr::ExprEngine;
use hirewire_store::Store;
use metrics_exporter_prometheus::PrometheusHandle;

use crate::connections::Connections;
use crate::credentials::Credentials;
use crate::notify::Wakeup;
use crate::recipe_book::RecipeBook;

/// Largest webhook body accepted (Greenhouse payloads are a few KiB).
pub const MAX_WEBHOOK_BODY: usize = 1024 * 1024;

/// What the HTTP handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The run history.
    pub store: Store,
    /// Loaded recipes.
    pub recipes: RecipeBook,
    /// Live connections.
    pub connections: Connections,
    /// The expression engine (business keys).
    pub expr: Arc<ExprEngine>,
    /// Wakes the workers when runs were recorded.
    pub wake: Wakeup,
    /// The api token (none: the daemon listens on loopback only), the metrics token and the session key, as
    /// they are now (hot reload swaps them).
    pub credentials: Arc<Credentials>,
    /// Whether recipes are loaded (for `/readyz`).
    pub recipes_loaded: Arc<AtomicBool>,
    /// Prometheus exporter, when installed.
    pub metrics: Option<PrometheusHandle>,
    /// This node's id.
    pub node: String,
    /// The project directory (answers show recipe files relative to it).
    pub project_dir: PathBuf,
}

/// The daemon's router.
pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .route("/runs", get(runs::list_runs))
        .route("/runs/{id}", get(runs::show_run))
        .route("/runs/{id}/retry", post(runs::retry))
        .route("/recipes", get(runs::list_recipes))
        .route("/nodes", get(runs::list_nodes))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::require_bearer))
        .layer(DefaultBodyLimit::max(64 * 1024))
        .layer(axum::middleware::map_response(private_json));
    Router::new()
        .route("/webhooks/{connection}", post(webhooks::receive_webhook).layer(DefaultBodyLimit::max(MAX_WEBHOOK_BODY)))
        .nest("/api", api)
        .merge(crate::web::web_routes(state.clone()))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .with_state(state)
}

/// Marks every `/api` answer (which may carry candidates' personal data) as not to be sniffed as another
/// type nor stored by browsers or proxies.
async fn private_json(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
