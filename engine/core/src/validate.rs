//! Validating a project: `hirewire.yaml` plus `recipes/**/*.yaml`, every
//! problem of every file, and the checks across files (unique recipe names).
//!
//! [`validate_project`] is what `hirewire validate` and the daemon's hot
//! reload call; [`load_project`] returns the loaded project when it is valid.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use hirewire_sdk::ConnectorDescriptor;

use crate::config::{ProjectConfig, parse_config};
use crate::diagnostic::{Diagnostic, Position, Report};
use crate::env_expand::{EnvLookup, process_env};
use crate::expr::ExprEngine;
use crate::recipe::{LoadContext, Recipe, load_recipe};
use crate::yaml::parse_document;

/// The config file's name.
pub const CONFIG_FILE: &str = "hirewire.yaml";
/// The recipes folder's name.
pub const RECIPES_DIR: &str = "recipes";

/// A loaded, valid project.
#[derive(Debug)]
pub struct Project {
    /// Its directory.
    pub dir: PathBuf,
    /// `hirewire.yaml`.
    pub config: ProjectConfig,
    /// Its recipes, sorted by file.
    pub recipes: Vec<Recipe>,
    /// Warnings found while loading (no errors: the project is valid).
    pub warnings: Report,
}

/// A problem with the command line rather than the project.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsageError {
    /// A PATH argument does not exist.
    #[error("{0}: no such file or directory")]
    PathNotFound(PathBuf),
    /// The project directory does not exist.
    #[error("{0}: project directory not found")]
    DirNotFound(PathBuf),
}

/// Validates the whole project in `dir` with the process environment.
#[must_use]
pub fn validate_project(dir: &Path, registry: &[ConnectorDescriptor]) -> Report {
    match validate_paths(dir, &[], registry, &process_env) {
        Ok(report) => report,
        Err(e) => Report { diagnostics: vec![Diagnostic::error(dir, Position::new(1, 1), e.to_string())] },
    }
}

/// Loads the project in `dir`, or returns every problem when it has errors.
pub fn load_project(dir: &Path, registry: &[ConnectorDescriptor], env: EnvLookup<'_>) -> Result<Project, Report> {
    if !dir.is_dir() {
        let e = UsageError::DirNotFound(dir.to_path_buf());
        return Err(Report { diagnostics: vec![Diagnostic::error(dir, Position::new(1, 1), e.to_string())] });
    }
    let files = recipe_files(&dir.join(RECIPES_DIR));
    let (config, recipes, mut report) = check(dir, &files, &[], registry, env);
    report.sort();
    if report.has_errors() {
        return Err(report);
    }
    Ok(Project { dir: dir.to_path_buf(), config, recipes, warnings: report })
}

/// Validates `hirewire.yaml` in `dir` and the recipes at `paths` (files or
/// folders; none means `dir/recipes`). Recipe names must be unique across
/// the validated files and the project's other recipes.
pub fn validate_paths(
    dir: &Path,
    paths: &[PathBuf],
    registry: &[ConnectorDescriptor],
    env: EnvLookup<'_>,
) -> Result<Report, UsageError> {
    if !dir.is_dir() {
        return Err(UsageError::DirNotFound(dir.to_path_buf()));
    }
    let project_files = recipe_files(&tidy(&dir.join(RECIPES_DIR)));
    let files = if paths.is_empty() {
        project_files.clone()
    } else {
        let mut files = Vec::new();
        for path in paths {
            if path.is_dir() {
                files.extend(recipe_files(&tidy(path)));
            } else if path.is_file() {
                files.push(tidy(path));
            } else {
                return Err(UsageError::PathNotFound(path.clone()));
            }
        }
        files.sort();
        files.dedup();
        files
    };
    let others: Vec<PathBuf> = project_files.into_iter().filter(|p| !files.iter().any(|f| same_file(f, p))).collect();
    let (_, _, mut report) = check(dir, &files, &others, registry, env);
    report.sort();
    Ok(report)
}

fn check(
    dir: &Path,
    files: &[PathBuf],
    others: &[PathBuf],
    registry: &[ConnectorDescriptor],
    env: EnvLookup<'_>,
) -> (ProjectConfig, Vec<Recipe>, Report) {
    let mut report = Report::default();
    let config_path = tidy(&dir.join(CONFIG_FILE));
    let (config, diagnostics) = match std::fs::read_to_string(&config_path) {
        Ok(text) => parse_config(&config_path, &text, registry, env),
        Err(e) => (
            ProjectConfig::default(),
            vec![Diagnostic::error(
                &config_path,
                Position::new(1, 1),
                format!("cannot read {CONFIG_FILE}: {}", io_reason(&e)),
            )],
        ),
    };
    report.extend(diagnostics);
    let engine = ExprEngine::new();
    let cx = LoadContext { registry, connections: &config.connections, timezone: config.timezone, engine: &engine };
    let mut recipes = Vec::new();
    let mut names: HashMap<String, (PathBuf, Position)> = HashMap::new();
    for file in files {
        let text = match std::fs::read_to_string(file) {
            Ok(text) => text,
            Err(e) => {
                report.extend([Diagnostic::error(
                    file,
                    Position::new(1, 1),
                    format!("cannot read recipe: {}", io_reason(&e)),
                )]);
                continue;
            }
        };
        let (recipe, diagnostics) = load_recipe(file, &text, &cx);
        report.extend(diagnostics);
        if let Some((name, at)) = name_of(&text) {
            if let Some((first, first_at)) = names.get(&name) {
                report.extend([Diagnostic::error(
                    file,
                    at,
                    format!("recipe name `{name}` is already used by {}:{}", first.display(), first_at.line),
                )]);
            } else {
                names.insert(name, (file.clone(), at));
            }
        }
        recipes.extend(recipe);
    }
    for other in others {
        let Ok(text) = std::fs::read_to_string(other) else { continue };
        if let Some((name, at)) = name_of(&text)
            && let Some((first, first_at)) = names.get(&name)
        {
            report.extend([Diagnostic::error(
                first,
                *first_at,
                format!("recipe name `{name}` is already used by {}:{}", other.display(), at.line),
            )]);
        }
    }
    (config, recipes, report)
}

/// The recipe's `name:` and its position, when the file parses.
fn name_of(text: &str) -> Option<(String, Position)> {
    let root = parse_document(text).ok()?;
    let node = root.get("name")?;
    Some((node.as_str()?.to_owned(), node.at))
}

/// Every `*.yaml`/`*.yml` under `dir` (not `*.test.yaml`), sorted; hidden entries are skipped.
#[must_use]
pub fn recipe_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            // Symlinked folders are not followed (no cycles); symlinked files are read.
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_dir() {
                pending.push(path);
            } else if is_recipe_file(&name) && path.is_file() {
                out.push(tidy(&path));
            }
        }
    }
    out.sort();
    out
}

fn is_recipe_file(name: &str) -> bool {
    (name.ends_with(".yaml") || name.ends_with(".yml")) && !name.ends_with(".test.yaml") && !name.ends_with(".test.yml")
}

/// `./recipes/x.yaml` → `recipes/x.yaml`, for shorter diagnostics.
fn tidy(path: &Path) -> PathBuf {
    let tidied: PathBuf = path.components().filter(|c| !matches!(c, Component::CurDir)).collect();
    if tidied.as_os_str().is_empty() { PathBuf::from(".") } else { tidied }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "file not found".into(),
        std::io::ErrorKind::InvalidData => "not valid UTF-8".into(),
        _ => e.kind().to_string(),
    }
}

#[cfg(test)]
mod tests;
