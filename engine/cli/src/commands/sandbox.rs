//! `hirewire sandbox`: serves the local fake of every connector's API on one
//! port, each under `/<connector>` (docs/contract.md section 8), for tests, the demo and benchmarks.

use std::net::SocketAddr;
use std::process::ExitCode;

use hirewire_runtime::sandbox::sandbox_app;

/// Arguments of `hirewire sandbox`.
#[derive(Debug, clap::Args)]
pub struct SandboxArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:9000")]
    pub listen: SocketAddr,
    /// Seed for generated data: the same seed gives the same sandbox.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// How clients reach the sandbox, for absolute links (default: `http://<listen>`; set it
    /// when listening on 0.0.0.0, e.g. `http://sandbox:9000` in docker-compose).
    #[arg(long)]
    pub public_url: Option<String>,
}

/// Runs the sandbox until interrupted.
pub async fn run(args: &SandboxArgs) -> anyhow::Result<ExitCode> {
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    let addr = listener.local_addr()?;
    let public_url =
        args.public_url.as_deref().map_or_else(|| format!("http://{addr}"), |url| url.trim_end_matches('/').to_owned());
    let app = sandbox_app(&hirewire_connectors::all(), &public_url, args.seed);
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
