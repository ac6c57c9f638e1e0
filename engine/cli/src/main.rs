//! The `hirewire` command line: one binary for the daemon, validation, run
//! history, the sandbox and operations (SPEC section 6).

mod commands;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Workflow automation for recruiting and HR operations.
#[derive(Debug, Parser)]
#[command(name = "hirewire", version, about, propagate_version = true)]
pub struct Cli {
    /// The project directory (holds hirewire.yaml and recipes/).
    #[arg(long, global = true, default_value = ".")]
    pub dir: PathBuf,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the daemon: triggers, workers, webhooks and the HTTP API.
    Run(commands::daemon::RunArgs),
    /// Check hirewire.yaml and recipes before anything runs.
    Validate(commands::validate::ValidateArgs),
    /// Print each connector's triggers and actions with their fields.
    Connectors(commands::connectors::ConnectorsArgs),
    /// Query the run history.
    #[command(subcommand)]
    Runs(commands::runs::RunsCommand),
    /// Apply database migrations.
    Migrate,
    /// Delete runs older than `retention:` and free the space.
    Prune(commands::prune::PruneArgs),
    /// Remove a candidate's personal data from every run, step and payload.
    ForgetCandidate(commands::forget::ForgetArgs),
    /// Run recipe tests (*.test.yaml) or one event, dry unless --send.
    Test(commands::recipe_test::TestArgs),
    /// Check connections' credentials, user lookup and permissions.
    #[command(subcommand)]
    Connections(commands::connections::ConnectionsCommand),
    /// Sandbox + engine + example recipes on SQLite, end to end.
    Demo(commands::demo::DemoArgs),
    /// Serve local fakes of every connector's API.
    Sandbox(commands::sandbox::SandboxArgs),
    /// Benchmarks: throughput, ceiling, backfill, history, idle.
    Bench(commands::bench::BenchArgs),
    /// List the live nodes sharing this project's database.
    Nodes(commands::nodes::NodesArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    if !matches!(cli.command, Command::Run(_) | Command::Bench(_)) {
        commands::logging::init_cli_logging();
    }
    match commands::dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    use super::Cli;

    /// Every subcommand's flags are consistent (e.g. `runs retry --version` does not clash with `--version`).
    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }
}
