//! One module per subcommand; `dispatch` routes the parsed command line.

pub mod bench;
pub mod connections;
pub mod connectors;
pub mod daemon;
pub mod demo;
pub mod forget;
pub mod logging;
pub mod nodes;
pub mod project_store;
pub mod prune;
pub mod recipe_test;
pub mod retry;
pub mod runs;
pub mod sandbox;
pub mod validate;

use std::process::ExitCode;

use crate::{Cli, Command};

/// Runs the parsed command and returns the process exit code.
pub fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run(args) => runtime()?.block_on(daemon::run(&cli.dir, &args)),
        Command::Validate(args) => validate::run(&cli.dir, &args),
        Command::Connectors(args) => connectors::run(&args),
        Command::Runs(cmd) => runtime()?.block_on(runs::run(&cli.dir, cmd)),
        Command::Migrate => runtime()?.block_on(prune::migrate(&cli.dir)),
        Command::Prune(args) => runtime()?.block_on(prune::run(&cli.dir, &args)),
        Command::ForgetCandidate(args) => runtime()?.block_on(forget::run(&cli.dir, &args)),
        Command::Test(args) => runtime()?.block_on(recipe_test::run(&cli.dir, &args)),
        Command::Connections(cmd) => runtime()?.block_on(connections::run(&cli.dir, &cmd)),
        Command::Demo(args) => runtime()?.block_on(demo::run(&cli.dir, &args)),
        Command::Sandbox(args) => runtime()?.block_on(sandbox::run(&args)),
        Command::Bench(args) => runtime()?.block_on(bench::run(&args)),
        Command::Nodes(args) => runtime()?.block_on(nodes::run(&cli.dir, &args)),
    }
}

/// A multi-threaded tokio runtime for async commands.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}
