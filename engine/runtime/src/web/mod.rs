//! The run-history web page served by `hirewire run` under `/` (docs/contract.md section 7): recipes, runs, one run and its retry.
//!
//! Server-rendered with maud (every value escaped), one inline style sheet and a few lines of script allowed by
//! hash in the Content-Security-Policy, nothing from other origins. The pages sit behind the api token: a login
//! form sets an HMAC-signed session cookie (`HttpOnly`, `SameSite=Strict`, `Secure` off loopback), and a bearer
//! header works too. Without an api token the daemon listens on loopback only and the pages are open to
//! loopback hosts. The retry form carries a CSRF token bound to the session and the run.

mod chart;
mod layout;
mod login;
mod recipes;
mod run;
mod runs;
pub mod session;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::api::AppState;
use session::WebKeys;

/// What the page handlers share: the daemon's state and the session keys.
#[derive(Clone)]
pub struct WebState {
    /// The daemon's state (store, recipes, wake-up).
    pub app: AppState,
    /// Signs sessions and CSRF tokens.
    pub keys: Arc<WebKeys>,
}

/// The web page's routes, to merge into the daemon's router.
pub fn web_routes(state: AppState) -> Router<AppState> {
    let web = WebState { keys: Arc::new(WebKeys::new(state.credentials.clone())), app: state };
    let pages = Router::new()
        .route("/", get(recipes::recipes_page))
        .route("/runs", get(runs::runs_page))
        .route("/runs/{id}", get(run::run_page))
        .route("/runs/{id}/retry", get(run::confirm_retry_page).post(run::retry))
        .route_layer(axum::middleware::from_fn_with_state(web.clone(), session::require_viewer));
    Router::new()
        .route("/login", get(login::login_form).post(login::log_in))
        .route("/logout", post(login::log_out))
        .merge(pages)
        .layer(DefaultBodyLimit::max(16 * 1024))
        .with_state(web)
}
