//! Hot reload: on a file change under the project (or SIGHUP) the project is
//! validated again; a valid project replaces the recipes (a changed recipe
//! gets a new version for new runs; a removed one stops its trigger but keeps
//! its history), rebuilds the connections (a rotated webhook secret or credential
//! takes effect) and swaps the api and metrics tokens; an invalid edit keeps
//! everything as it was and logs every problem. `database:` and `listen:` cannot
//! change live: an edit of them is logged as needing a restart, the rest applies.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use hirewire_core::config::ProjectConfig;
use hirewire_core::env_expand::process_env;
use hirewire_core::validate::{CONFIG_FILE, RECIPES_DIR, load_project};
use hirewire_sdk::{ClusterView, ConnectorDescriptor, HttpClient};
use hirewire_store::Store;
use notify::Watcher as _;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::{mpsc, watch};

use crate::connections::Connections;
use crate::credentials::{Credentials, effective_api_token};
use crate::daemon::install_recipes;
use crate::metric_definitions::RELOADS_TOTAL;
use crate::recipe_book::RecipeBook;

/// What a reload replaces, and what the daemon started with.
#[derive(Clone)]
pub struct ReloadTargets {
    /// The project directory.
    pub dir: PathBuf,
    /// The connectors.
    pub registry: Arc<Vec<ConnectorDescriptor>>,
    /// Variables that take precedence over the process environment in `${VAR}`.
    pub env_overrides: BTreeMap<String, String>,
    /// The run history (new recipe versions are recorded there).
    pub store: Store,
    /// The recipes.
    pub book: RecipeBook,
    /// The live connections (rebuilt on reload).
    pub connections: Connections,
    /// The api and metrics tokens (swapped on reload).
    pub credentials: Arc<Credentials>,
    /// What new connections are built with.
    pub http: HttpClient,
    /// What new connections share budgets through.
    pub cluster: ClusterView,
    /// `database:` as the daemon started with it.
    pub started_database: SecretString,
    /// `listen:` as the daemon started with it.
    pub started_listen: SocketAddr,
}

/// Watches the project directory (and SIGHUP) and reloads until shutdown.
pub async fn watch_for_reloads(targets: ReloadTargets, mut shutdown: watch::Receiver<bool>) {
    let dir = targets.dir.clone();
    let (tx, mut rx) = mpsc::unbounded_channel::<()>();
    let file_tx = tx.clone();
    let project_dirs = [dir.clone(), dir.canonicalize().unwrap_or_else(|_| dir.clone())];
    let watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        let changed = !matches!(event.kind, notify::EventKind::Access(_))
            && (event.paths.is_empty() || event.paths.iter().any(|path| changes_the_project(&project_dirs, path)));
        if changed {
            let _ = file_tx.send(());
        }
    });
    let _watcher = match watcher {
        Ok(mut w) => {
            if let Err(e) = w.watch(&dir, notify::RecursiveMode::Recursive) {
                tracing::warn!(error = %e, "cannot watch the project for changes; SIGHUP still reloads");
            }
            Some(w)
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot watch the project for changes; SIGHUP still reloads");
            None
        }
    };
    #[cfg(unix)]
    {
        let hup_tx = tx.clone();
        tokio::spawn(async move {
            let Ok(mut hup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) else { return };
            while hup.recv().await.is_some() {
                let _ = hup_tx.send(());
            }
        });
    }
    loop {
        tokio::select! {
            got = rx.recv() => if got.is_none() { return },
            _ = shutdown.changed() => return,
        }
        // Debounce: editors write several events per save.
        tokio::time::sleep(Duration::from_millis(300)).await;
        while rx.try_recv().is_ok() {}
        reload_project(&targets).await;
    }
}

/// Whether a change at `path` can change the project in `dirs` (the project directory as given and
/// canonicalised): `hirewire.yaml` or anything under `recipes/`. The other files there are not the project's;
/// above all a SQLite run history kept in the directory (`sqlite://hirewire.db`), whose database, `-wal` and
/// `-shm` files change with every run, and made an idle daemon reload every few hundred milliseconds.
fn changes_the_project(dirs: &[PathBuf], path: &Path) -> bool {
    let Some(inside) = dirs.iter().find_map(|dir| path.strip_prefix(dir).ok()) else {
        // A path reported in a form we cannot place: reloading once too often is harmless.
        return true;
    };
    inside == Path::new(CONFIG_FILE) || inside.starts_with(RECIPES_DIR)
}

/// Reloads once; returns whether the new project was applied (recipes, connections and tokens; a changed
/// `database:` or `listen:` is logged as needing a restart and does not stop the rest).
pub async fn reload_project(targets: &ReloadTargets) -> bool {
    let env = |name: &str| targets.env_overrides.get(name).cloned().or_else(|| process_env(name));
    let project = match load_project(&targets.dir, &targets.registry, &env) {
        Ok(project) => project,
        Err(report) => {
            for diagnostic in &report.diagnostics {
                tracing::error!(problem = %diagnostic, "invalid edit; keeping the previous recipes, connections and tokens");
            }
            return rejected();
        }
    };
    let config = &project.config;
    let settings = config.connections.values().map(|c| (c.name.as_str(), c.connector.as_str(), c.settings()));
    let connections = match Connections::build_in_cluster(&targets.registry, settings, &targets.http, &targets.cluster)
    {
        Ok(connections) => connections,
        Err(e) => {
            tracing::error!(error = %e, "a connection cannot be built; keeping the previous project");
            return rejected();
        }
    };
    let api_token = match effective_api_token(config) {
        Ok(token) => token,
        Err(e) => {
            tracing::error!(error = %e, "keeping the previous project");
            return rejected();
        }
    };
    let needs_restart = restart_needed_for(targets, config);
    if let Err(e) = install_recipes(&targets.store, &targets.book, project.recipes).await {
        tracing::error!(error = %e, "recipes could not be recorded; keeping the previous project");
        return rejected();
    }
    targets.connections.replace_all(&connections);
    let api_token_changed = targets.credentials.replace(api_token, config.metrics_token.clone());
    metrics::counter!(RELOADS_TOTAL, "outcome" => "applied").increment(1);
    tracing::info!(
        recipes = targets.book.all_current().len(),
        connections = connections.names().len(),
        api_token_changed,
        "recipes, connections and tokens reloaded"
    );
    for key in needs_restart {
        tracing::warn!(key, "`{key}:` changed in hirewire.yaml: it takes effect only after a restart");
    }
    true
}

fn rejected() -> bool {
    metrics::counter!(RELOADS_TOTAL, "outcome" => "rejected").increment(1);
    false
}

/// The settings that changed but cannot change while running.
fn restart_needed_for(targets: &ReloadTargets, config: &ProjectConfig) -> Vec<&'static str> {
    let mut keys = Vec::new();
    if config.database.expose_secret() != targets.started_database.expose_secret() {
        keys.push("database");
    }
    if config.listen != targets.started_listen {
        keys.push("listen");
    }
    keys
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::changes_the_project;

    #[test]
    fn only_the_config_and_recipes_are_the_project() {
        let dirs = [PathBuf::from("./acme"), PathBuf::from("/srv/acme")];
        for changed in [
            "/srv/acme/hirewire.yaml",
            "./acme/recipes/hired.yaml",
            "/srv/acme/recipes",
            "/srv/acme/recipes/team/x.yml",
        ] {
            assert!(changes_the_project(&dirs, Path::new(changed)), "{changed}");
        }
        for ignored in [
            "/srv/acme/hirewire.db",
            "/srv/acme/hirewire.db-wal",
            "./acme/hirewire.db-shm",
            "/srv/acme/hirewire.yaml.swp",
            "/srv/acme/recipes.bak",
            "/srv/acme/.env.example",
        ] {
            assert!(!changes_the_project(&dirs, Path::new(ignored)), "{ignored}");
        }
        assert!(changes_the_project(&dirs, Path::new("/elsewhere/x")), "an unplaceable path reloads");
    }
}
