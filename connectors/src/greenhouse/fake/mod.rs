//! The Greenhouse Harvest v3 sandbox fake (docs/contract.md section 8), mounted at `/greenhouse`: token
//! endpoints, v3 lists and writes, the rate window, Site Admin checks, a control API and
//! a signed-webhook sender. Routes are relative to the mount point.

pub mod api;
pub mod control;
pub mod gate;
pub mod index;
#[cfg(test)]
mod index_tests;
pub mod listing;
pub mod records;
pub mod seed;
pub mod state;
pub mod webhook_sender;

use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::routing::{get, patch, post};
use hirewire_sdk::fake::{FakeOptions, Faults, with_faults};

use state::{FakeSettings, FakeState};

/// The fake's shared state.
#[derive(Clone)]
pub struct SharedState {
    inner: Arc<Mutex<FakeState>>,
    /// The external URL prefix for `Link` headers (empty: derived from `Host`).
    pub public_url: String,
    /// The seed generated data comes from.
    pub seed: u64,
}

impl SharedState {
    /// Locks the account.
    pub fn lock(&self) -> MutexGuard<'_, FakeState> {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A fake with direct access to its state (tests use both this and the control API).
pub struct GreenhouseFake {
    /// Its state.
    pub state: SharedState,
    /// Its injected faults.
    pub faults: Faults,
}

impl GreenhouseFake {
    /// A fake seeded with the default sandbox data.
    #[must_use]
    pub fn new(options: &FakeOptions, settings: FakeSettings) -> Self {
        let mut account = FakeState::new(settings);
        seed::seed_default_data(&mut account, options.seed);
        let state = SharedState {
            inner: Arc::new(Mutex::new(account)),
            public_url: options.public_url.clone(),
            seed: options.seed,
        };
        Self {
            state,
            faults: Faults::default(),
        }
    }

    /// The router, wrapped with the shared fault injection.
    pub fn router(&self) -> Router {
        let v3 = Router::new()
            .route("/v3/{resource}", get(api::list))
            .route("/v3/notes", get(api::list).post(api::create_note))
            .route("/v3/candidate_tags", get(api::list).post(api::create_tag))
            .route("/v3/applied_candidate_tags", get(api::list).post(api::apply_tag))
            .route("/v3/candidates/{id}", patch(api::update_candidate))
            .layer(axum::middleware::from_fn_with_state(self.state.clone(), gate::admit));
        let router = Router::new()
            .route("/token", post(gate::client_credentials_token))
            .route("/auth/token", post(gate::api_key_token))
            .merge(v3)
            .merge(control::routes())
            .with_state(self.state.clone());
        with_faults(router, self.faults.clone())
    }
}

/// `FakeDescriptor::router` for Greenhouse.
pub fn router(options: FakeOptions) -> Router {
    GreenhouseFake::new(&options, FakeSettings::default()).router()
}
