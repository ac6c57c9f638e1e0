//! `hirewire sandbox`: serves the local fake of every connector's API on one
//! port, each under `/<connector>` (SPEC 8), for tests, the demo and benchmarks.

use std::net::SocketAddr;
use std::process::ExitCode;

use axum::Router;
use axum::routing::get;
use hirewire_sdk::FakeOptions;

/// Arguments of `hirewire sandbox`.
#[derive(Debug, clap::Args)]
pub struct SandboxArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:9000")]
    pub listen: SocketAddr,
    /// Seed for generated data: the same seed gives the same sandbox.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// Builds the router that mounts every connector's fake under `/<connector>`.
///
/// `public_url` is how clients reach the sandbox (e.g. `http://127.0.0.1:9000`),
/// used by the fakes for absolute links (`Link`, `Location`).
#[must_use]
pub fn sandbox_app(public_url: &str, seed: u64) -> Router {
    let mut app = Router::new();
    let mut mounted = Vec::new();
    for connector in hirewire_connectors::all() {
        let Some(fake) = connector.fake else { continue };
        let options = FakeOptions { seed, public_url: format!("{public_url}/{}", connector.name) };
        app = app.nest(&format!("/{}", connector.name), (fake.router)(options));
        mounted.push(connector.name);
    }
    let index = mounted.iter().map(|name| format!("/{name}\n")).collect::<String>();
    app.route("/", get(move || async move { index }))
}

/// Runs the sandbox until interrupted.
pub async fn run(args: &SandboxArgs) -> anyhow::Result<ExitCode> {
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    let addr = listener.local_addr()?;
    let public_url = format!("http://{addr}");
    let app = sandbox_app(&public_url, args.seed);
    for connector in hirewire_connectors::all().iter().filter(|c| c.fake.is_some()) {
        println!("{:<12} {public_url}/{}", connector.name, connector.name);
    }
    println!("sandbox listening on {public_url} (seed {})", args.seed);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(ExitCode::SUCCESS)
}
