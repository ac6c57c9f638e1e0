//! Sandbox fakes: each connector serves a local fake of its API, mounted by
//! `hirewire sandbox` under `/<connector>`. This module holds what all fakes
//! share: their descriptor, options, fault injection and a test server.
//!
//! Fault injection (docs/contract.md section 8) is the same for every fake: `POST
//! /<connector>/_control/faults` with a `FaultRule` makes the next `count`
//! requests under `path_prefix` (or every such request for `for_ms`
//! milliseconds from when the rule is added, an outage) answer `status` (with
//! `Retry-After` for 429), arrive late (`delay_ms`) or be dropped (`drop`: the
//! connection is closed without an answer). `DELETE
//! /<connector>/_control/faults` clears them.
//!
//! Only the descriptor types are always built (a [`crate::ConnectorDescriptor`] names its fake); the
//! fault injection is behind the `sandbox` feature and the `TestServer` behind `test-util`.

use axum::Router;

#[cfg(any(test, feature = "sandbox"))]
mod faults;
#[cfg(any(test, feature = "test-util"))]
mod test_server;

#[cfg(any(test, feature = "sandbox"))]
pub use faults::{FaultRule, Faults, with_faults};
#[cfg(any(test, feature = "test-util"))]
pub use test_server::TestServer;

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
