//! `hirewire validate` on the example project (`hirewire.yaml` + `recipes/`)
//! against the real connector registry: it validates clean, and a copy with
//! one injected error fails with exactly that error (library API and the
//! built binary's exit codes).

use std::path::{Path, PathBuf};
use std::process::Command;

use hirewire_core::validate::{CONFIG_FILE, RECIPES_DIR, UsageError, recipe_files, validate_paths};
use hirewire_tests::{hirewire_binary, workspace_root};

/// No variables set: the example project must work on a fresh clone.
fn no_env(_: &str) -> Option<String> {
    None
}

/// Copies the example project (config + recipes) into a temporary directory.
fn copy_example_project() -> tempfile::TempDir {
    let root = workspace_root();
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(root.join(CONFIG_FILE), dir.path().join(CONFIG_FILE)).expect("copy hirewire.yaml");
    let recipes = root.join(RECIPES_DIR);
    for file in recipe_files(&recipes) {
        let relative = file.strip_prefix(&recipes).expect("under recipes/");
        let target = dir.path().join(RECIPES_DIR).join(relative);
        std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        std::fs::copy(&file, target).expect("copy recipe");
    }
    dir
}

#[test]
fn example_project_validates_clean_against_the_real_connectors() {
    let registry = hirewire_connectors::all();
    let report = validate_paths(&workspace_root(), &[], &registry, &no_env).expect("project dir exists");
    assert!(report.diagnostics.is_empty(), "the example project has problems:\n{report}");
    assert!(recipe_files(&workspace_root().join(RECIPES_DIR)).len() >= 6, "at least six example recipes");
}

#[test]
fn one_injected_error_is_reported_with_its_position() {
    let dir = copy_example_project();
    let file = dir.path().join(RECIPES_DIR).join("hired-to-bamboohr.yaml");
    let text = std::fs::read_to_string(&file).expect("read");
    let line = text.lines().position(|l| l.contains("action: bamboohr.upsert_employee")).expect("the action line") + 1;
    std::fs::write(&file, text.replacen("bamboohr.upsert_employee", "bamboohr.upsert_employe", 1)).expect("write");

    let report = validate_paths(dir.path(), &[], &hirewire_connectors::all(), &no_env).expect("project dir exists");
    let errors: Vec<String> = report.diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 1, "{report}");
    let expected = format!(
        "{}:{line}:13: error: connector `bamboohr` has no action `upsert_employe` (did you mean `upsert_employee`?)",
        file.display()
    );
    assert!(errors[0].starts_with(&expected), "{}\nexpected to start with\n{expected}", errors[0]);
}

#[test]
fn a_missing_path_is_a_usage_error() {
    let missing = PathBuf::from("no/such/recipes");
    let result =
        validate_paths(&workspace_root(), std::slice::from_ref(&missing), &hirewire_connectors::all(), &no_env);
    assert_eq!(result, Err(UsageError::PathNotFound(missing)));
}

fn run_validate(binary: &Path, dir: &Path, extra: &[&str]) -> (i32, String, String) {
    let output = Command::new(binary)
        .arg("--dir")
        .arg(dir)
        .arg("validate")
        .args(extra)
        .env_remove("HIREWIRE_API_TOKEN")
        .env("GREENHOUSE_CLIENT_SECRET", "gh-cli-s3cret")
        .output()
        .expect("run hirewire");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_binary_exits_0_1_and_2_and_never_prints_secrets() {
    let binary = hirewire_binary();
    let dir = copy_example_project();
    let recipes = dir.path().join(RECIPES_DIR);

    let (code, stdout, stderr) = run_validate(&binary, dir.path(), &[recipes.to_str().expect("utf-8 path")]);
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert_eq!(stdout, "");

    let file = recipes.join("interview-digest.yaml");
    let text = std::fs::read_to_string(&file).expect("read");
    std::fs::write(&file, text.replacen("\"0 8 * * 1-5\"", "\"0 8 * *\"", 1)).expect("write");
    // A secret from the environment that ends up in a wrong place must not be echoed.
    let config = std::fs::read_to_string(dir.path().join(CONFIG_FILE)).expect("read config");
    let config = config.replacen(
        "environment: ${GREENHOUSE_ENVIRONMENT:-sandbox}",
        "environment: ${GREENHOUSE_CLIENT_SECRET}",
        1,
    );
    std::fs::write(dir.path().join(CONFIG_FILE), config).expect("write config");

    let (code, stdout, stderr) = run_validate(&binary, dir.path(), &[]);
    assert_eq!(code, 1, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(
        stdout.contains("interview-digest.yaml:5:13: error: `schedule` must be a cron pattern of 5 or 6 fields"),
        "{stdout}"
    );
    assert!(stdout.contains("the value from the environment is not one of production, sandbox"), "{stdout}");
    let (json_code, json, _) = run_validate(&binary, dir.path(), &["--json"]);
    assert_eq!(json_code, 1);
    let parsed: serde_json::Value = serde_json::from_str(&json).expect("--json prints JSON");
    let first = &parsed.as_array().expect("an array")[0];
    for key in ["file", "line", "column", "severity", "message"] {
        assert!(first.get(key).is_some(), "missing {key} in {first}");
    }
    for output in [&stdout, &stderr, &json] {
        assert!(!output.contains("gh-cli-s3cret"), "a secret leaked:\n{output}");
    }

    let (code, _, stderr) = run_validate(&binary, dir.path(), &["no/such/file.yaml"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no/such/file.yaml: no such file or directory"), "{stderr}");
}

/// `validate` builds every connection as `run` does: settings the connector refuses fail validation, with exit 1
/// and each at the setting at fault.
#[test]
fn validate_refuses_the_connection_settings_that_run_refuses() {
    let binary = hirewire_binary();
    let dir = copy_example_project();
    let config = std::fs::read_to_string(dir.path().join(CONFIG_FILE)).expect("read config");
    let config = config.replacen("${GREENHOUSE_USER_EMAIL:-recruiting-ops@acme.example}", "not-an-email", 1).replacen(
        "${BAMBOOHR_BASE_URL:-http://127.0.0.1:9000/bamboohr}",
        "not a url",
        1,
    );
    std::fs::write(dir.path().join(CONFIG_FILE), &config).expect("write config");
    let line_of = |needle: &str| config.lines().position(|l| l.contains(needle)).expect("line") + 1;

    let (code, stdout, stderr) = run_validate(&binary, dir.path(), &[]);
    assert_eq!(code, 1, "stdout:\n{stdout}\nstderr:\n{stderr}");
    let email = format!("hirewire.yaml:{}:17: error: connection `greenhouse`", line_of("not-an-email"));
    let url = format!("hirewire.yaml:{}:15: error: connection `bamboohr`", line_of("not a url"));
    for (expected, field) in [(email, "`user_email`"), (url, "`base_url`")] {
        let line = stdout.lines().find(|l| l.contains(&expected)).unwrap_or_else(|| panic!("{expected}\n{stdout}"));
        assert!(line.contains(field), "{line}");
    }
}

/// A guessable api token is refused by `validate` (and so by `run`), with the way to make a good one, and the
/// token itself is never echoed.
#[test]
fn validate_refuses_a_short_api_token_without_echoing_it() {
    let binary = hirewire_binary();
    let dir = copy_example_project();
    let config = std::fs::read_to_string(dir.path().join(CONFIG_FILE)).expect("read config");
    let config = config.replacen("${HIREWIRE_API_TOKEN:-}", "shorty-Tk7", 1) + "metrics_token: ${SHORT_METRICS:-m}\n";
    std::fs::write(dir.path().join(CONFIG_FILE), &config).expect("write config");

    let (code, stdout, stderr) = run_validate(&binary, dir.path(), &[]);
    assert_eq!(code, 1, "stdout:\n{stdout}\nstderr:\n{stderr}");
    for key in ["api_token", "metrics_token"] {
        let line = stdout.lines().find(|l| l.contains(&format!("`{key}` is too short"))).expect(key);
        assert!(line.contains("openssl rand -hex 32") && line.contains("at least 24"), "{line}");
    }
    assert!(!stdout.contains("shorty-Tk7") && !stderr.contains("shorty-Tk7"), "{stdout}{stderr}");
}
