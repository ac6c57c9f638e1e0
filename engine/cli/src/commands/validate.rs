//! `hirewire validate [PATH…] [--json]`: checks `hirewire.yaml` and recipes
//! before anything runs. Exit 0 when valid, 1 when problems were found, 2 on
//! a usage error (a PATH or `--dir` that does not exist).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use hirewire_core::env_expand::process_env;
use hirewire_core::validate::validate_paths;

/// Arguments of `hirewire validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Recipe files or folders to check (default: the project's `recipes/`).
    /// `hirewire.yaml` is always read from `--dir`.
    pub paths: Vec<PathBuf>,
    /// Print the problems as a JSON array of `{file, line, column, severity, message}`.
    #[arg(long)]
    pub json: bool,
}

/// Runs `hirewire validate`.
pub fn run(dir: &Path, args: &ValidateArgs) -> anyhow::Result<ExitCode> {
    let registry = hirewire_connectors::all();
    let report = match validate_paths(dir, &args.paths, &registry, &process_env) {
        Ok(report) => report,
        Err(usage) => {
            eprintln!("error: {usage}");
            return Ok(ExitCode::from(2));
        }
    };
    let printed = if args.json {
        writeln!(std::io::stdout().lock(), "{}", serde_json::to_string_pretty(&report.to_json())?)
    } else {
        write!(std::io::stdout().lock(), "{report}")
    };
    // A closed pipe (`| head`) is not a failure of the validation.
    if let Err(e) = printed
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(e.into());
    }
    if !args.json {
        let (errors, warnings) = (report.error_count(), report.warning_count());
        if errors == 0 && warnings == 0 {
            eprintln!("no problems found");
        } else {
            eprintln!("{errors} error{}, {warnings} warning{}", plural(errors), plural(warnings));
        }
    }
    Ok(if report.has_errors() { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
