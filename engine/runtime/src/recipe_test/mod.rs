//! `hirewire test`: runs recipe tests (`*.test.yaml`) or one event through the
//! real executor on a throw-away SQLite history. Dry by default: every
//! connector call is answered by the test (or the action's documented
//! example) and shown with its rendered input; `--send` really calls.

mod file;
mod mock;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use hirewire_core::env_expand::process_env;
use hirewire_core::expr::ExprEngine;
use hirewire_core::recipe::{Recipe, Trigger};
use hirewire_core::validate::{Project, load_project};
use hirewire_sdk::{ConnectorDescriptor, HttpClient};
use hirewire_store::{NewRun, RunDetail, Store};
use serde_json::Value;

pub use file::{TestFile, find_test_files, is_subset};
use mock::MockConnection;

use crate::connections::Connections;
use crate::executor::{Executor, RunEnd};
use crate::recipe_book::RecipeBook;

/// What to run.
#[derive(Debug, Clone, Default)]
pub struct TestOptions {
    /// Only these recipes (none: all that have tests).
    pub recipes: Vec<String>,
    /// Run this one event (a JSON file) through the recipes instead of their test files.
    pub event_file: Option<PathBuf>,
    /// Really call the connectors.
    pub send: bool,
}

/// The outcome of one case.
#[derive(Debug)]
pub struct CaseReport {
    /// The recipe.
    pub recipe: String,
    /// The case's name (or the event file).
    pub case: String,
    /// What did not match (empty: passed).
    pub problems: Vec<String>,
    /// The run as recorded.
    pub run: Option<RunDetail>,
}

impl CaseReport {
    /// Whether every expectation held.
    #[must_use]
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Runs the tests of the project in `dir`.
///
/// # Errors
/// An invalid project or test file, or a history that cannot be created.
pub async fn run_recipe_tests(
    dir: &Path,
    registry: &[ConnectorDescriptor],
    options: &TestOptions,
) -> anyhow::Result<Vec<CaseReport>> {
    let project = load_project(dir, registry, &process_env).map_err(|report| {
        let lines: Vec<String> = report.diagnostics.iter().map(ToString::to_string).collect();
        anyhow::anyhow!("the project is not valid:\n{}", lines.join("\n"))
    })?;
    for name in &options.recipes {
        anyhow::ensure!(project.recipes.iter().any(|r| &r.name == name), "no recipe named `{name}`");
    }
    let mut reports = Vec::new();
    if let Some(event_file) = &options.event_file {
        let text = std::fs::read_to_string(event_file).with_context(|| format!("reading {}", event_file.display()))?;
        let event: Value =
            serde_json::from_str(&text).with_context(|| format!("{}: invalid JSON", event_file.display()))?;
        anyhow::ensure!(!options.recipes.is_empty(), "--event needs the recipe(s) to run it through");
        for name in &options.recipes {
            let case =
                CaseInput { name: event_file.display().to_string(), event: event.clone(), responses: BTreeMap::new() };
            let (run, _) = execute_case(&project, registry, name, &case, options.send).await?;
            reports.push(CaseReport { recipe: name.clone(), case: case.name, problems: Vec::new(), run });
        }
        return Ok(reports);
    }
    for path in find_test_files(&dir.join(hirewire_core::validate::RECIPES_DIR)) {
        let test = TestFile::read(&path)?;
        if !options.recipes.is_empty() && !options.recipes.contains(&test.recipe) {
            continue;
        }
        anyhow::ensure!(
            project.recipes.iter().any(|r| r.name == test.recipe),
            "{}: no recipe named `{}`",
            path.display(),
            test.recipe
        );
        for case in &test.cases {
            let event = case.event(&path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            let input = CaseInput { name: case.name.clone(), event, responses: case.responses.clone() };
            let (run, _) = execute_case(&project, registry, &test.recipe, &input, options.send).await?;
            let problems = check_expectations(&case.expect, run.as_ref());
            reports.push(CaseReport { recipe: test.recipe.clone(), case: case.name.clone(), problems, run });
        }
    }
    Ok(reports)
}

struct CaseInput {
    name: String,
    event: Value,
    responses: BTreeMap<String, Value>,
}

async fn execute_case(
    project: &Project,
    registry: &[ConnectorDescriptor],
    recipe_name: &str,
    case: &CaseInput,
    send: bool,
) -> anyhow::Result<(Option<RunDetail>, RunEnd)> {
    let recipe: Recipe = project
        .recipes
        .iter()
        .find(|r| r.name == recipe_name)
        .cloned()
        .with_context(|| format!("no recipe named `{recipe_name}`"))?;
    let scratch = tempfile::tempdir().context("creating a scratch directory")?;
    let store = Store::open(&format!("sqlite://{}", scratch.path().join("test.db").display())).await?;
    store.migrate().await?;
    store.record_recipe_version(&recipe.name, &recipe.version, "").await?;
    let connections = if send {
        Connections::build(
            registry,
            project.config.connections.values().map(|c| (c.name.as_str(), c.connector.as_str(), c.settings())),
            &HttpClient::default(),
        )?
    } else {
        let mut mocks = Connections::default();
        for connection in project.config.connections.values() {
            let descriptor = registry
                .iter()
                .find(|d| d.name == connection.connector)
                .cloned()
                .with_context(|| format!("unknown connector `{}`", connection.connector))?;
            let mock = MockConnection { descriptor, responses: case.responses.clone(), sent: Mutex::new(Vec::new()) };
            mocks.insert(&connection.name, &connection.connector, Arc::new(mock));
        }
        mocks
    };
    let trigger = match &recipe.trigger {
        Trigger::Connector(t) => t.event.clone(),
        Trigger::Clock(_) => "schedule".to_owned(),
    };
    let run = NewRun::new(&recipe.name, &recipe.version, trigger, case.event.clone())
        .with_event_id(format!("test:{}", case.name));
    store.enqueue_runs(&[run]).await?;
    let executor = Executor {
        store: store.clone(),
        expr: Arc::new(ExprEngine::new()),
        recipes: RecipeBook::new(vec![recipe]),
        connections,
        max_inline_retry_wait: Duration::ZERO,
        version_loader: None,
    };
    let claimed = store.claim_runs("recipe-test", 1, Duration::from_secs(300)).await?;
    let claimed = claimed.into_iter().next().context("the test run could not be claimed")?;
    let end = executor.execute(&claimed).await?;
    let detail = store.get_run(&claimed.id).await?;
    store.close().await;
    Ok((detail, end))
}

fn check_expectations(expect: &file::Expectations, run: Option<&RunDetail>) -> Vec<String> {
    let Some(run) = run else { return vec!["the run was not recorded".to_owned()] };
    let mut problems = Vec::new();
    let want = expect.status.as_deref().unwrap_or("succeeded");
    if run.run.status.as_str() != want {
        problems.push(format!(
            "run is {} (error: {}), expected {want}",
            run.run.status.as_str(),
            run.run.error.as_deref().unwrap_or("none")
        ));
    }
    if let Some(fragment) = &expect.error
        && !run.run.error.as_deref().unwrap_or_default().contains(fragment.as_str())
    {
        problems.push(format!("error {:?} does not contain {fragment:?}", run.run.error));
    }
    for (step_id, step_expect) in &expect.steps {
        let Some(step) = run.steps.iter().find(|s| &s.step_id == step_id) else {
            problems.push(format!("step `{step_id}` did not run"));
            continue;
        };
        if let Some(status) = &step_expect.status
            && step.status.as_str() != status
        {
            problems.push(format!("step `{step_id}` is {}, expected {status}", step.status.as_str()));
        }
        if let Some(input) = &step_expect.input {
            let actual = step.input.clone().unwrap_or(Value::Null);
            if !is_subset(input, &actual) {
                problems.push(format!("step `{step_id}` input {actual} does not match {input}"));
            }
        }
    }
    problems
}
