//! The sandbox: every connector's fake mounted under `/<connector>` on one
//! router (docs/contract.md section 8), served by `hirewire sandbox` and used by the demo, the
//! tests and the benchmarks.

use std::collections::BTreeMap;

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

/// Variables that point the example project's connections (`hirewire.yaml` at the repository root) at the
/// sandbox served at `sandbox_url`, and its history at `database_url`.
#[must_use]
pub fn example_project_env(sandbox_url: &str, database_url: &str, webhook_secret: &str) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    for (var, path) in [
        ("GREENHOUSE_BASE_URL", "/greenhouse"),
        ("GREENHOUSE_AUTH_URL", "/greenhouse/token"),
        ("BAMBOOHR_BASE_URL", "/bamboohr"),
        ("HIBOB_BASE_URL", "/hibob"),
        ("PERSONIO_BASE_URL", "/personio"),
        ("SLACK_BASE_URL", "/slack"),
        ("PEOPLE_API_URL", "/http/people"),
    ] {
        env.insert(var.to_owned(), format!("{sandbox_url}{path}"));
    }
    env.insert("HIREWIRE_DATABASE_URL".to_owned(), database_url.to_owned());
    env.insert("GREENHOUSE_WEBHOOK_SECRET".to_owned(), webhook_secret.to_owned());
    env
}
