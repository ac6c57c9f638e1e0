//! `hirewire forget-candidate ID`: removes a candidate's personal data from every run, step and payload.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;

use super::project_store::store_settings;

/// `hirewire forget-candidate`.
#[derive(Debug, Args)]
pub struct ForgetArgs {
    /// The Greenhouse candidate id.
    pub candidate_id: String,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `hirewire forget-candidate` for the project in `dir`.
pub async fn run(dir: &Path, args: &ForgetArgs) -> anyhow::Result<ExitCode> {
    let store = store_settings(dir)?.open().await?;
    let report = store
        .forget_candidate(&args.candidate_id)
        .await
        .with_context(|| format!("forgetting candidate {}", args.candidate_id))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "candidate {}: removed personal data from {} runs and {} steps ({} values redacted)",
            args.candidate_id, report.runs, report.steps, report.values_redacted
        );
    }
    Ok(ExitCode::SUCCESS)
}
