//! The `hirewire` command line: one binary for the daemon, validation, run
//! history, the sandbox and operations (SPEC section 6).

mod commands;
mod panic_log;

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
    panic_log::install();
    if !matches!(cli.command, Command::Run(_) | Command::Bench(_)) {
        commands::logging::init_cli_logging();
    }
    if matches!(cli.command, Command::Run(_)) {
        daemon_heap::limit_arenas();
        daemon_heap::start_returning_free_memory();
    }
    match commands::dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// The daemon's heap under glibc's allocator. By default glibc gives threads up to 8 arenas per core and
/// keeps what they free: a burst (100 polls falling due on one tick, a webhook spike) leaves free pages in
/// every arena that touched it, resident for the daemon's lifetime. Capping the arenas at one per core and
/// handing whole free pages back to the kernel every 10 s keeps an idle daemon's heap near what it uses.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod daemon_heap {
    use std::time::Duration;

    /// How often free heap pages are given back.
    const RETURN_FREE_MEMORY_EVERY: Duration = Duration::from_secs(10);

    /// Caps glibc's malloc arenas at one per core; call before any thread is started.
    pub fn limit_arenas() {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        let arenas = libc::c_int::try_from(cores).unwrap_or(libc::c_int::MAX);
        // SAFETY: mallopt only changes a malloc tuning parameter; M_ARENA_MAX takes any positive count.
        #[allow(unsafe_code)]
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas);
        }
    }

    /// Starts a thread that returns whole free pages of every arena to the kernel (`malloc_trim`) every
    /// `RETURN_FREE_MEMORY_EVERY`; a few microseconds of CPU when idle.
    pub fn start_returning_free_memory() {
        let started =
            std::thread::Builder::new().name("hirewire-heap-trim".to_owned()).stack_size(64 * 1024).spawn(|| {
                loop {
                    std::thread::sleep(RETURN_FREE_MEMORY_EVERY);
                    // SAFETY: malloc_trim takes the allocator's own locks; 0 keeps no extra padding at the heap top.
                    #[allow(unsafe_code)]
                    unsafe {
                        libc::malloc_trim(0);
                    }
                }
            });
        if let Err(e) = started {
            eprintln!("warning: could not start the heap trimming thread ({e}); freed memory stays with the process");
        }
    }
}

/// Other allocators (musl, macOS) need no tuning here.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
mod daemon_heap {
    /// Nothing to cap.
    pub fn limit_arenas() {}
    /// Nothing to trim.
    pub fn start_returning_free_memory() {}
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
