//! Hot reload: on a file change under the project (or SIGHUP) the project is
//! validated again; a valid project replaces the recipes (a changed recipe
//! gets a new version for new runs; a removed one stops its trigger but keeps
//! its history), an invalid edit keeps the old recipes and logs every problem.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use hirewire_core::env_expand::process_env;
use hirewire_core::validate::{CONFIG_FILE, RECIPES_DIR, load_project};
use hirewire_sdk::ConnectorDescriptor;
use hirewire_store::Store;
use notify::Watcher as _;
use tokio::sync::{mpsc, watch};

use crate::daemon::install_recipes;
use crate::metric_definitions::RELOADS_TOTAL;
use crate::recipe_book::RecipeBook;

/// Watches `dir` (and SIGHUP) and reloads recipes until shutdown.
pub async fn watch_for_reloads(
    dir: PathBuf,
    registry: Arc<Vec<ConnectorDescriptor>>,
    env_overrides: BTreeMap<String, String>,
    store: Store,
    book: RecipeBook,
    mut shutdown: watch::Receiver<bool>,
) {
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
        reload_recipes(&dir, &registry, &env_overrides, &store, &book).await;
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

/// Reloads once; returns whether the new recipes were applied.
pub async fn reload_recipes(
    dir: &Path,
    registry: &[ConnectorDescriptor],
    env_overrides: &BTreeMap<String, String>,
    store: &Store,
    book: &RecipeBook,
) -> bool {
    let env = |name: &str| env_overrides.get(name).cloned().or_else(|| process_env(name));
    match load_project(dir, registry, &env) {
        Ok(project) => match install_recipes(store, book, project.recipes).await {
            Ok(()) => {
                metrics::counter!(RELOADS_TOTAL, "outcome" => "applied").increment(1);
                tracing::info!(recipes = book.all_current().len(), "recipes reloaded");
                true
            }
            Err(e) => {
                metrics::counter!(RELOADS_TOTAL, "outcome" => "rejected").increment(1);
                tracing::error!(error = %e, "recipes could not be recorded; keeping the previous ones");
                false
            }
        },
        Err(report) => {
            metrics::counter!(RELOADS_TOTAL, "outcome" => "rejected").increment(1);
            for diagnostic in &report.diagnostics {
                tracing::error!(problem = %diagnostic, "invalid edit; keeping the previous recipes");
            }
            false
        }
    }
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
