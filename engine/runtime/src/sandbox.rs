//! The sandbox: every connector's fake mounted under `/<connector>` on one
//! router (SPEC 8), served by `hirewire sandbox` and used by the demo, the
//! tests and the benchmarks.

use axum::Router;
use axum::routing::get;
use hirewire_sdk::{ConnectorDescriptor, FakeOptions};

/// Builds the router that mounts every connector's fake under `/<connector>`.
///
/// `public_url` is how clients reach the sandbox (e.g. `http://127.0.0.1:9000`),
/// used by the fakes for absolute links (`Link`, `Location`).
pub fn sandbox_app(registry: &[ConnectorDescriptor], public_url: &str, seed: u64) -> Router {
    let mut app = Router::new();
    let mut mounted = Vec::new();
    for connector in registry {
        let Some(fake) = connector.fake else { continue };
        let options = FakeOptions { seed, public_url: format!("{public_url}/{}", connector.name) };
        app = app.nest(&format!("/{}", connector.name), (fake.router)(options));
        mounted.push(connector.name);
    }
    let index = mounted.iter().map(|name| format!("/{name}\n")).collect::<String>();
    app.route("/", get(move || async move { index }))
}

