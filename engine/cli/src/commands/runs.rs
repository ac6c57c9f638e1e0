//! `hirewire runs list` and `hirewire runs show`: the run history, as a table or as stable JSON (docs/contract.md section 6).

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use hirewire_runtime::ops::{ErrorClass, FilterProblems, PageSize, RunQuery};
use hirewire_store::{RunDetail, RunFilter, RunSummary, StoreError};
use serde_json::Value;

use super::project_store::store_settings;

/// `hirewire runs ...`.
#[derive(Debug, Subcommand)]
pub enum RunsCommand {
    /// List runs, newest first.
    List(ListArgs),
    /// Show one run with its steps' inputs, outputs and errors.
    Show(ShowArgs),
    /// Queue finished runs again (by id or by filter).
    #[command(disable_version_flag = true)]
    Retry(super::retry::RetryArgs),
}

/// The exit code of a command line that cannot be carried out as written.
pub const USAGE_ERROR: u8 = 2;

/// `hirewire runs list`. The filters are read by the same parser as the API's and the web page's.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only this recipe.
    #[arg(long)]
    pub recipe: Option<String>,
    /// Only this status: queued, running, succeeded, failed, skipped or cancelled.
    #[arg(long)]
    pub status: Option<String>,
    /// Only runs recorded within this long (30min, 24h, 7d, 2w) or since this RFC 3339 time.
    #[arg(long)]
    pub since: Option<String>,
    /// Only runs about this Greenhouse candidate id.
    #[arg(long)]
    pub candidate: Option<String>,
    /// At most this many runs.
    #[arg(long, default_value = "50")]
    pub limit: String,
    /// Only runs older than this run id (the next page).
    #[arg(long)]
    pub before: Option<String>,
    /// Print a JSON array instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `hirewire runs show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The run id.
    pub run_id: String,
    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,
}

/// The store filter of `hirewire runs list`'s flags, read by the parser the API and the web page use.
fn list_filter(args: &ListArgs, now: DateTime<Utc>) -> Result<RunFilter, FilterProblems> {
    let query = RunQuery {
        recipe: args.recipe.clone(),
        status: args.status.clone(),
        since: args.since.clone(),
        candidate: args.candidate.clone(),
        limit: Some(args.limit.clone()),
        before: args.before.clone(),
    };
    query.filter(now, PageSize::CLI)
}

/// Runs `hirewire runs ...` for the project in `dir`.
pub async fn run(dir: &Path, command: RunsCommand) -> anyhow::Result<ExitCode> {
    let store = store_settings(dir)?.open().await?;
    match command {
        RunsCommand::Retry(args) => super::retry::run(&store, args).await,
        RunsCommand::List(args) => {
            let filter = match list_filter(&args, Utc::now()) {
                Ok(filter) => filter,
                Err(problems) => {
                    eprintln!("error: {problems}");
                    return Ok(ExitCode::from(USAGE_ERROR));
                }
            };
            let runs = store.list_runs(&filter).await.context("listing runs")?;
            if args.json {
                let list: Vec<Value> = runs.iter().map(summary_json).collect();
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else if runs.is_empty() {
                println!("no runs match");
            } else {
                println!("{}", runs_table(&runs));
            }
            Ok(ExitCode::SUCCESS)
        }
        RunsCommand::Show(args) => {
            let Some(detail) = store.get_run(&args.run_id).await.context("reading the run")? else {
                let missing = StoreError::RunNotFound(args.run_id.clone());
                eprintln!("error: {missing} in {}", store.display_url());
                return Ok(ExitCode::from(ErrorClass::of(&missing).exit_code()));
            };
            if args.json {
                println!("{}", serde_json::to_string_pretty(&detail_json(&detail))?);
            } else {
                print_detail(&detail);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub use hirewire_store::run_json::{detail_json, summary_json};

fn time(at: Option<DateTime<Utc>>) -> String {
    at.map_or_else(|| "-".to_owned(), |at| at.format("%Y-%m-%d %H:%M:%S").to_string())
}

fn took(from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> String {
    match (from, to) {
        (Some(from), Some(to)) => {
            let millis = u64::try_from((to - from).num_milliseconds()).unwrap_or_default();
            humantime::format_duration(std::time::Duration::from_millis(millis)).to_string()
        }
        _ => "-".to_owned(),
    }
}

fn new_table() -> Table {
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
    table
}

fn runs_table(runs: &[RunSummary]) -> Table {
    let mut table = new_table();
    table.set_header(["ID", "RECIPE", "STATUS", "TRIGGER EVENT", "CANDIDATE", "STARTED", "TOOK", "ERROR"]);
    for run in runs {
        table.add_row([
            run.id.clone(),
            run.recipe.clone(),
            run.status.to_string(),
            run.event_id.clone().unwrap_or_else(|| "-".to_owned()),
            run.candidate_id.clone().unwrap_or_else(|| "-".to_owned()),
            time(run.started_at),
            took(run.started_at, run.finished_at),
            run.error.as_deref().map_or_else(|| "-".to_owned(), |e| e.chars().take(80).collect()),
        ]);
    }
    table
}

fn print_detail(detail: &RunDetail) {
    let run = &detail.run;
    let mut table = new_table();
    let optional = |value: &Option<String>| value.clone().unwrap_or_else(|| "-".to_owned());
    table.add_row(["run", run.id.as_str()]);
    table.add_row(["recipe", &format!("{} (version {})", run.recipe, run.recipe_version)]);
    table.add_row(["status", &format!("{} (attempt {})", run.status, run.attempt)]);
    table.add_row(["trigger", &format!("{} event {}", run.trigger, optional(&run.event_id))]);
    table.add_row(["business key", &optional(&run.business_key)]);
    table.add_row([
        "candidate / application / job",
        &format!("{} / {} / {}", optional(&run.candidate_id), optional(&run.application_id), optional(&run.job_id)),
    ]);
    table.add_row(["created", &time(Some(run.created_at))]);
    table.add_row(["started", &time(run.started_at)]);
    table.add_row(["finished", &format!("{} (took {})", time(run.finished_at), took(run.started_at, run.finished_at))]);
    if let Some(retry_of) = &run.retry_of {
        table.add_row(["retry of", &format!("{retry_of} (requested by {})", optional(&run.requested_by))]);
    }
    if let Some(at) = detail.redacted_at {
        table.add_row(["personal data removed", &time(Some(at))]);
    }
    table.add_row(["error", &optional(&run.error)]);
    println!("{table}");
    if detail.steps.is_empty() {
        println!("no steps recorded");
        return;
    }
    let mut steps = new_table();
    steps.set_header(["STEP", "ACTION", "STATUS", "ATTEMPTS", "STARTED", "TOOK", "ERROR"]);
    for step in &detail.steps {
        steps.add_row([
            step.step_id.clone(),
            step.action.clone(),
            step.status.to_string(),
            step.attempts.to_string(),
            time(step.started_at),
            took(step.started_at, step.finished_at),
            optional(&step.error),
        ]);
    }
    println!("{steps}");
    for step in &detail.steps {
        let pretty = |value: &Option<Value>| {
            value.as_ref().map_or_else(|| "-".to_owned(), |v| serde_json::to_string_pretty(v).unwrap_or_default())
        };
        println!(
            "\nstep {} input:\n{}\nstep {} output:\n{}",
            step.step_id,
            pretty(&step.input),
            step.step_id,
            pretty(&step.output)
        );
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::*;

    /// `hirewire runs list` with `args`.
    fn list_args(args: &[&str]) -> ListArgs {
        #[derive(clap::Parser)]
        struct Line {
            #[command(flatten)]
            list: ListArgs,
        }
        Line::try_parse_from(std::iter::once("list").chain(args.iter().copied())).expect("flags").list
    }

    #[test]
    fn flags_become_the_store_filter() {
        let now = Utc::now();
        let filter = list_args(&["--status", "failed", "--since", "2w", "--limit", "5", "--candidate", "42"]);
        let filter = list_filter(&filter, now).expect("valid");
        assert_eq!(filter.status, Some(hirewire_store::RunStatus::Failed));
        assert_eq!(filter.since, Some(now - chrono::TimeDelta::weeks(2)));
        assert_eq!((filter.limit, filter.candidate_id.as_deref()), (5, Some("42")));
        let rfc3339 = list_filter(&list_args(&["--since", "2026-11-28T14:00:00Z"]), now).expect("valid");
        assert_eq!(rfc3339.since.map(|s| s.to_rfc3339()).as_deref(), Some("2026-11-28T14:00:00+00:00"));
    }

    #[test]
    fn a_huge_since_is_a_usage_error_with_its_reason() {
        for since in ["100000000d", "99999999999999d"] {
            let problems = list_filter(&list_args(&["--since", since]), Utc::now()).expect_err("too far back");
            assert_eq!(
                problems.to_string(),
                format!("since: `{since}` reaches too far back; at most 36525d (100 years)")
            );
        }
        let dir = tempfile::tempdir().expect("dir");
        let runtime = crate::commands::runtime().expect("runtime");
        let code = runtime
            .block_on(run(dir.path(), RunsCommand::List(list_args(&["--since", "100000000d"]))))
            .expect("runs list");
        assert_eq!(code, ExitCode::from(USAGE_ERROR));
    }
}
