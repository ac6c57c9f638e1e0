//! The run store of a project directory, read with hirewire-core's config loader (the one the daemon uses):
//! `database:` (or `HIREWIRE_DATABASE_URL`, else `sqlite://<dir>/hirewire.db`) and `retention:`. Commands
//! that only touch the run history refuse a broken `database:` or `retention:`, and leave the rest of
//! `hirewire.yaml` (a connection whose secret is not set in this shell) to `hirewire validate` and the daemon.

use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;
use hirewire_core::config::parse_config;
use hirewire_core::env_expand::process_env;
use hirewire_core::yaml::parse_document;
use hirewire_core::{Diagnostic, Severity};
use hirewire_store::Store;
use secrecy::ExposeSecret as _;

/// The keys of `hirewire.yaml` these commands rely on.
const STORE_KEYS: [&str; 2] = ["database", "retention"];

/// The run store settings of a project directory.
#[derive(Debug)]
pub struct StoreSettings {
    /// The database URL (relative SQLite paths resolved against the project directory).
    pub url: String,
    /// How long runs are kept.
    pub retention: Duration,
}

impl StoreSettings {
    /// Opens (and migrates) the store.
    pub async fn open(&self) -> anyhow::Result<Store> {
        Store::open(&self.url)
            .await
            .with_context(|| format!("opening the database {}", hirewire_store::redact_url(&self.url)))
    }
}

/// Reads the run store settings of the project in `dir`.
pub fn store_settings(dir: &Path) -> anyhow::Result<StoreSettings> {
    let file = dir.join("hirewire.yaml");
    let text = match std::fs::read_to_string(&file) {
        Ok(text) => text,
        // No file: every default, and the environment's database URL still applies.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => "{}".to_owned(),
        Err(e) => return Err(e).with_context(|| format!("reading {}", file.display())),
    };
    let (config, diagnostics) = parse_config(&file, &text, &hirewire_connectors::all(), &process_env);
    let problems: Vec<String> = store_problems(&text, &diagnostics).map(ToString::to_string).collect();
    if !problems.is_empty() {
        anyhow::bail!("{}", problems.join("\n"));
    }
    let url = hirewire_store::resolve_sqlite_url(config.database.expose_secret(), dir);
    Ok(StoreSettings { url, retention: config.retention })
}

/// The errors about the store's keys (or the whole file, when it is not YAML).
fn store_problems<'a>(text: &str, diagnostics: &'a [Diagnostic]) -> impl Iterator<Item = &'a Diagnostic> {
    let lines: Option<Vec<u32>> = parse_document(text)
        .ok()
        .map(|root| STORE_KEYS.iter().filter_map(|key| root.get(key)).map(|node| node.at.line).collect());
    diagnostics
        .iter()
        .filter(move |d| d.severity == Severity::Error && lines.as_ref().is_none_or(|lines| lines.contains(&d.line)))
}
