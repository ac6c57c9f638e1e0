//! Where the run store lives: `HIREWIRE_DATABASE_URL`, else `database:` in `<dir>/hirewire.yaml`, else
//! `sqlite://<dir>/hirewire.db`; plus `retention:` (default 90d). A stopgap until hirewire-core's config loader
//! is wired in: it reads just these two keys, leniently.

use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;
use hirewire_store::Store;

/// The default `retention:`.
const DEFAULT_RETENTION: Duration = Duration::from_secs(90 * 24 * 3600);

/// The database settings of a project directory.
#[derive(Debug)]
pub struct DatabaseSettings {
    /// The database URL (relative SQLite paths resolved against the project directory).
    pub url: String,
    /// How long runs are kept.
    pub retention: Duration,
}

impl DatabaseSettings {
    /// Opens (and migrates) the store.
    pub async fn open(&self) -> anyhow::Result<Store> {
        Store::open(&self.url)
            .await
            .with_context(|| format!("opening the database {}", hirewire_store::redact_url(&self.url)))
    }
}

/// Reads the database URL and retention for the project in `dir`.
pub fn database_settings(dir: &Path) -> anyhow::Result<DatabaseSettings> {
    #[derive(serde::Deserialize, Default)]
    struct Partial {
        database: Option<String>,
        retention: Option<String>,
    }
    let file = dir.join("hirewire.yaml");
    let partial: Partial = match std::fs::read_to_string(&file) {
        Ok(text) => serde_saphyr::from_str(&text).with_context(|| format!("{}: invalid YAML", file.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Partial::default(),
        Err(e) => return Err(e).with_context(|| format!("reading {}", file.display())),
    };
    let expand = |value: String, key: &str| -> anyhow::Result<String> {
        let Some(inner) = value.strip_prefix("${").and_then(|v| v.strip_suffix('}')) else {
            return Ok(value);
        };
        let (name, default) = inner.split_once(":-").map_or((inner, None), |(n, d)| (n, Some(d)));
        std::env::var(name)
            .ok()
            .or_else(|| default.map(str::to_owned))
            .with_context(|| format!("{}: `{key}` refers to ${{{name}}}, which is not set", file.display()))
    };
    let url = match std::env::var("HIREWIRE_DATABASE_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => partial
            .database
            .map(|url| expand(url, "database"))
            .transpose()?
            .unwrap_or_else(|| "sqlite://hirewire.db".to_owned()),
    };
    let retention = match partial.retention.map(|r| expand(r, "retention")).transpose()? {
        Some(text) => humantime::parse_duration(&text)
            .with_context(|| format!("{}: `retention: {text}` is not a duration like 90d", file.display()))?,
        None => DEFAULT_RETENTION,
    };
    Ok(DatabaseSettings { url: hirewire_store::resolve_sqlite_url(&url, dir), retention })
}
