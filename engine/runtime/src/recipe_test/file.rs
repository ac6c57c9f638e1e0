//! The recipe test file format (`recipes/**/*.test.yaml`).
//!
//! ```yaml
//! recipe: hired-to-bamboohr
//! cases:
//!   - name: an engineer is hired
//!     event_file: fixtures/hired.json      # or `event:` inline: the trigger's output
//!     responses:                           # what each step's connector call answers (default: the
//!       employee: { id: "123", created: true }   #   action's documented example output)
//!       notify: { error: { kind: invalid_input, message: "channel_not_found" } }
//!     expect:
//!       status: failed                     # succeeded | failed | skipped
//!       error: channel_not_found           # a substring of the run's error
//!       steps:
//!         employee:
//!           status: succeeded
//!           input: { firstName: Ada }      # these keys of the rendered input must be equal
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

/// One `*.test.yaml` file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestFile {
    /// The recipe under test.
    pub recipe: String,
    /// Its cases.
    pub cases: Vec<TestCase>,
}

/// One case: an event, the connectors' answers and what must happen.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestCase {
    /// What the case checks.
    pub name: String,
    /// The trigger's output, inline.
    #[serde(default)]
    pub event: Option<Value>,
    /// The trigger's output, from a JSON file relative to the test file.
    #[serde(default)]
    pub event_file: Option<PathBuf>,
    /// Answers by step id (`employee`, `interviewers[0].dm`).
    #[serde(default)]
    pub responses: BTreeMap<String, Value>,
    /// What must happen.
    #[serde(default)]
    pub expect: Expectations,
}

/// What a case expects.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectations {
    /// The run's final status (default `succeeded`).
    #[serde(default)]
    pub status: Option<String>,
    /// A substring of the run's error.
    #[serde(default)]
    pub error: Option<String>,
    /// Expectations per step id.
    #[serde(default)]
    pub steps: BTreeMap<String, StepExpectation>,
}

/// What one step must look like.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepExpectation {
    /// Its status.
    #[serde(default)]
    pub status: Option<String>,
    /// Keys of its rendered input that must be equal.
    #[serde(default)]
    pub input: Option<Value>,
}

/// A test file that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct TestFileError {
    /// The file.
    pub file: String,
    /// What is wrong.
    pub message: String,
}

impl TestFile {
    /// Reads and parses `path`.
    ///
    /// # Errors
    /// Unreadable file or invalid YAML (with line and column).
    pub fn read(path: &Path) -> Result<Self, TestFileError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| TestFileError { file: path.display().to_string(), message: e.to_string() })?;
        serde_saphyr::from_str(&text)
            .map_err(|e| TestFileError { file: path.display().to_string(), message: e.to_string() })
    }
}

impl TestCase {
    /// The case's event: inline, or read from `event_file` relative to `test_file`.
    ///
    /// # Errors
    /// Neither or both given; an unreadable or invalid JSON file.
    pub fn event(&self, test_file: &Path) -> Result<Value, String> {
        match (&self.event, &self.event_file) {
            (Some(event), None) => Ok(event.clone()),
            (None, Some(file)) => {
                let path = test_file.parent().unwrap_or(Path::new(".")).join(file);
                let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                serde_json::from_str(&text).map_err(|e| format!("{}: invalid JSON: {e}", path.display()))
            }
            _ => Err(format!("case `{}`: give exactly one of `event` or `event_file`", self.name)),
        }
    }
}

/// Whether every key of `expected` is equal in `actual` (recursively for objects).
#[must_use]
pub fn is_subset(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => e.iter().all(|(k, v)| a.get(k).is_some_and(|av| is_subset(v, av))),
        _ => expected == actual,
    }
}

/// Every `*.test.yaml` under `dir`, sorted.
#[must_use]
pub fn find_test_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return found };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(find_test_files(&path));
        } else if path.to_string_lossy().ends_with(".test.yaml") {
            found.push(path);
        }
    }
    found.sort();
    found
}
