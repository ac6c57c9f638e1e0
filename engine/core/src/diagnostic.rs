//! Diagnostics: one problem found in a project file, printed as `FILE:LINE:COL: error: message`.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The project cannot run as written.
    Error,
    /// Suspicious, but the project can run.
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
        }
    }
}

/// A line and column in a file, both 1-based (0 when unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct Position {
    /// 1-based line.
    pub line: u32,
    /// 1-based column (in characters).
    pub column: u32,
}

impl Position {
    /// A position at `line`, `column`.
    #[must_use]
    pub fn new(line: u32, column: u32) -> Self {
        Self { line, column }
    }
}

/// One problem in one file.
///
/// The message never contains a value that came from the environment.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Diagnostic {
    /// The file at fault, as given to the validator (relative paths stay relative).
    pub file: PathBuf,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// `error` or `warning`.
    pub severity: Severity,
    /// What is wrong, and where possible how to fix it.
    pub message: String,
}

impl Diagnostic {
    /// An error at `at` in `file`.
    pub fn error(file: &Path, at: Position, message: impl Into<String>) -> Self {
        Self::new(file, at, Severity::Error, message)
    }

    /// A warning at `at` in `file`.
    pub fn warning(file: &Path, at: Position, message: impl Into<String>) -> Self {
        Self::new(file, at, Severity::Warning, message)
    }

    fn new(file: &Path, at: Position, severity: Severity, message: impl Into<String>) -> Self {
        Self { file: file.to_path_buf(), line: at.line, column: at.column, severity, message: message.into() }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}: {}", self.file.display(), self.line, self.column, self.severity.as_str(), self.message)
    }
}

/// All problems found in a project (or in the files asked about).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Report {
    /// The problems, sorted by file, line and column.
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    /// Whether any problem is an error.
    #[must_use]
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.severity == Severity::Error)
    }

    /// The number of errors.
    #[must_use]
    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == Severity::Error).count()
    }

    /// The number of warnings.
    #[must_use]
    pub fn warning_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == Severity::Warning).count()
    }

    /// Adds problems.
    pub fn extend(&mut self, diagnostics: impl IntoIterator<Item = Diagnostic>) {
        self.diagnostics.extend(diagnostics);
    }

    /// Sorts by file, line, column and removes exact duplicates.
    pub fn sort(&mut self) {
        self.diagnostics.sort();
        self.diagnostics.dedup();
    }

    /// The stable `--json` form: an array of `{file, line, column, severity, message}`.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Array(
            self.diagnostics
                .iter()
                .map(|d| {
                    serde_json::json!({
                        "file": d.file.display().to_string(),
                        "line": d.line,
                        "column": d.column,
                        "severity": d.severity.as_str(),
                        "message": d.message,
                    })
                })
                .collect(),
        )
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.diagnostics {
            writeln!(f, "{d}")?;
        }
        Ok(())
    }
}

/// Collects diagnostics for one file.
#[derive(Debug)]
pub struct Sink {
    file: PathBuf,
    /// What was collected so far.
    pub diagnostics: Vec<Diagnostic>,
}

impl Sink {
    /// A sink for `file`.
    #[must_use]
    pub fn new(file: &Path) -> Self {
        Self { file: file.to_path_buf(), diagnostics: Vec::new() }
    }

    /// The file this sink collects for.
    #[must_use]
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// Records an error.
    pub fn error(&mut self, at: Position, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::error(&self.file, at, message));
    }

    /// Records a warning.
    pub fn warning(&mut self, at: Position, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::warning(&self.file, at, message));
    }

    /// Whether an error was recorded.
    #[must_use]
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.severity == Severity::Error)
    }
}
