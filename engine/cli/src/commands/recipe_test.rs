//! `hirewire test`: recipe tests (`*.test.yaml`) or one event, dry by default,
//! showing each step's rendered input.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use hirewire_runtime::recipe_test::{TestOptions, run_recipe_tests};

/// Arguments of `hirewire test`.
#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// Only these recipes (with --event: the recipes to run the event through).
    pub recipes: Vec<String>,
    /// Run this event (the trigger's output, as JSON) instead of the test files.
    #[arg(long)]
    pub event: Option<PathBuf>,
    /// Really call the connectors instead of answering from the test.
    #[arg(long)]
    pub send: bool,
}

/// Runs the tests and prints each case with its steps.
pub async fn run(dir: &Path, args: &TestArgs) -> anyhow::Result<ExitCode> {
    let registry = hirewire_connectors::all();
    let options = TestOptions { recipes: args.recipes.clone(), event_file: args.event.clone(), send: args.send };
    let reports = run_recipe_tests(dir, &registry, &options).await?;
    if reports.is_empty() {
        println!("no recipe tests found (write recipes/**/*.test.yaml, or use --event FILE RECIPE)");
        return Ok(ExitCode::SUCCESS);
    }
    let mode = if args.send { "sent for real" } else { "dry run: nothing sent" };
    let mut failed = 0;
    for report in &reports {
        let verdict = if report.passed() { "PASS" } else { "FAIL" };
        println!("{verdict} {} / {} ({mode})", report.recipe, report.case);
        if let Some(run) = &report.run {
            println!("  run {}", run.run.status.as_str());
            for step in run.steps.iter().filter(|s| s.step_id != "trigger") {
                println!("  - {} [{}] {}", step.step_id, step.action, step.status.as_str());
                if let Some(input) = &step.input {
                    println!("      input:  {input}");
                }
                if let Some(error) = &step.error {
                    println!("      error:  {error}");
                }
            }
            if let Some(error) = &run.run.error {
                println!("  error: {error}");
            }
        }
        for problem in &report.problems {
            println!("  ✗ {problem}");
        }
        if !report.passed() {
            failed += 1;
        }
    }
    println!("{} passed, {failed} failed", reports.len() - failed);
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
