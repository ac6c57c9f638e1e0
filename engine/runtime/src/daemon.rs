//! `hirewire run`: loads the project, migrates the database, builds the
//! connections, and runs the HTTP server, the trigger scheduler, the workers,
//! the maintenance services and hot reload until SIGTERM/SIGINT.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use hirewire_core::env_expand::process_env;
use hirewire_core::expr::ExprEngine;
use hirewire_core::validate::{Project, load_project};
use hirewire_sdk::{ClusterView, ConnectorDescriptor, HttpClient};
use hirewire_store::Store;
use secrecy::ExposeSecret;
use tokio::sync::watch;

use crate::api::{AppState, app};
use crate::connections::Connections;
use crate::credentials::{Credentials, effective_api_token};
use crate::executor::Executor;
use crate::maintenance::{Maintenance, refresh_cluster_view};
use crate::notify::Wakeup;
use crate::recipe_book::RecipeBook;
use crate::reload::{ReloadTargets, watch_for_reloads};
use crate::serve::{ServeLimits, serve};
use crate::trigger_scheduler::TriggerScheduler;
use crate::worker::{WorkerOptions, run_workers};

/// Overrides `listen:` (e.g. `0.0.0.0:8080` in a container).
pub const LISTEN_VAR: &str = "HIREWIRE_LISTEN";
pub use crate::credentials::API_TOKEN_VAR;

/// Daemon settings that are not in `hirewire.yaml`.
#[derive(Debug, Clone)]
pub struct DaemonOptions {
    /// The project directory.
    pub dir: PathBuf,
    /// Worker settings (node id, lease, parallelism).
    pub worker: WorkerOptions,
    /// How often the trigger scheduler looks at schedules.
    pub scheduler_tick: Duration,
    /// How long a node may hold a polling trigger without renewing it (a dead node's poll
    /// moves to another node after this).
    pub poll_lease: Duration,
    /// Overrides `listen:` (tests use port 0).
    pub listen: Option<SocketAddr>,
    /// Whether to install the Prometheus recorder (once per process).
    pub install_metrics: bool,
    /// Variables that take precedence over the process environment when
    /// expanding `${VAR}` in `hirewire.yaml` (the demo points connections at its sandbox).
    pub env_overrides: std::collections::BTreeMap<String, String>,
    /// The HTTP listener's header deadline and connection cap.
    pub serve_limits: ServeLimits,
}

impl DaemonOptions {
    /// Defaults for the project in `dir`.
    #[must_use]
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
            worker: WorkerOptions::default(),
            scheduler_tick: Duration::from_secs(1),
            poll_lease: Duration::from_secs(120),
            listen: None,
            install_metrics: true,
            env_overrides: std::collections::BTreeMap::new(),
            serve_limits: ServeLimits::default(),
        }
    }
}

/// A running daemon.
pub struct Daemon {
    /// Where the HTTP server listens.
    pub addr: SocketAddr,
    /// The run history.
    pub store: Store,
    shutdown: watch::Sender<bool>,
    tasks: tokio::task::JoinSet<()>,
}

impl Daemon {
    /// Starts the daemon for the project in `options.dir`.
    ///
    /// # Errors
    /// An invalid project (every problem listed), an unreachable database, a
    /// connection that cannot be built, or an address that cannot be bound.
    pub async fn start(options: DaemonOptions, registry: Arc<Vec<ConnectorDescriptor>>) -> anyhow::Result<Self> {
        let project = load(&options.dir, &registry, &options.env_overrides)?;
        let url = hirewire_store::resolve_sqlite_url(project.config.database.expose_secret(), &options.dir);
        let store = Store::open(&url).await.context("opening the run history")?;
        store.migrate().await.context("migrating the run history")?;
        let http = HttpClient::default();
        let cluster = ClusterView::default();
        let connections = Connections::build_in_cluster(
            &registry,
            project.config.connections.values().map(|c| (c.name.as_str(), c.connector.as_str(), c.settings())),
            &http,
            &cluster,
        )?;
        let recipes = RecipeBook::new(Vec::new());
        install_recipes(&store, &recipes, project.recipes).await?;
        let expr = Arc::new(ExprEngine::new());
        let wake = Wakeup::new(store.clone());
        let node = options.worker.node.clone();
        store.upsert_node(&node).await.context("registering this node")?;
        refresh_cluster_view(&store, &cluster).await;

        let api_token = effective_api_token(&project.config)?;
        let listen = options
            .listen
            .or_else(|| std::env::var(LISTEN_VAR).ok().and_then(|s| s.parse().ok()))
            .unwrap_or(project.config.listen);
        if api_token.is_none() && !listen.ip().is_loopback() {
            anyhow::bail!("refusing to listen on {listen} without `api_token:`: set one, or listen on 127.0.0.1");
        }
        let metrics = if options.install_metrics {
            crate::metric_definitions::describe_metrics();
            metrics_exporter_prometheus::PrometheusBuilder::new().install_recorder().ok()
        } else {
            None
        };
        let credentials = Arc::new(Credentials::new(api_token, project.config.metrics_token.clone()));
        let recipes_loaded = Arc::new(AtomicBool::new(true));
        let state = AppState {
            store: store.clone(),
            recipes: recipes.clone(),
            connections: connections.clone(),
            expr: expr.clone(),
            wake: wake.clone(),
            credentials: credentials.clone(),
            recipes_loaded: recipes_loaded.clone(),
            metrics,
            node: node.clone(),
            project_dir: options.dir.clone(),
        };
        let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("binding {listen}"))?;
        let addr = listener.local_addr()?;
        let (shutdown, shutdown_rx) = watch::channel(false);
        let mut tasks = tokio::task::JoinSet::new();

        tasks.spawn(serve(listener, app(state), options.serve_limits, shutdown_rx.clone()));
        let executor = Executor {
            store: store.clone(),
            expr: expr.clone(),
            recipes: recipes.clone(),
            connections: connections.clone(),
            max_inline_retry_wait: Duration::from_secs(15),
            version_loader: Some(version_loader(registry.clone(), &project.config)),
        };
        tasks.spawn(run_workers(executor, options.worker.clone(), wake.clone(), shutdown_rx.clone()));
        tasks.spawn(wake.clone().forward_cluster_announcements(shutdown_rx.clone()));
        let scheduler = TriggerScheduler {
            store: store.clone(),
            recipes: recipes.clone(),
            connections: connections.clone(),
            expr,
            node: node.clone(),
            wake: wake.clone(),
            poll_lease: options.poll_lease,
        };
        tasks.spawn(scheduler.run(options.scheduler_tick, shutdown_rx.clone()));
        let reload = ReloadTargets {
            dir: options.dir.clone(),
            registry,
            env_overrides: options.env_overrides.clone(),
            store: store.clone(),
            book: recipes,
            connections,
            credentials,
            http,
            cluster: cluster.clone(),
            started_database: project.config.database.clone(),
            started_listen: project.config.listen,
        };
        Maintenance { store: store.clone(), node, cluster, retention: project.config.retention, wake }
            .spawn(&mut tasks, &shutdown_rx);
        tasks.spawn(watch_for_reloads(reload, shutdown_rx));
        tracing::info!(%addr, "hirewire is running");
        Ok(Self { addr, store, shutdown, tasks })
    }

    /// Simulates a crash: every task stops at once, nothing is given back (leases expire on their own).
    pub fn kill(mut self) {
        self.tasks.abort_all();
    }

    /// Stops claiming, lets running steps finish (up to the deadline) and stops every task.
    pub async fn stop(mut self) {
        let _ = self.shutdown.send(true);
        while self.tasks.join_next().await.is_some() {}
    }
}

/// Loads the project or explains every problem.
fn load(
    dir: &Path,
    registry: &[ConnectorDescriptor],
    overrides: &std::collections::BTreeMap<String, String>,
) -> anyhow::Result<Project> {
    let env = |name: &str| overrides.get(name).cloned().or_else(|| process_env(name));
    load_project(dir, registry, &env).map_err(|report| {
        let lines: Vec<String> = report.diagnostics.iter().map(ToString::to_string).collect();
        anyhow::anyhow!("the project in {} is not valid:\n{}", dir.display(), lines.join("\n"))
    })
}

/// Parses stored recipe sources against this project's connectors and connections.
fn version_loader(
    registry: Arc<Vec<ConnectorDescriptor>>,
    config: &hirewire_core::config::ProjectConfig,
) -> Arc<crate::executor::VersionLoader> {
    let connections = config.connections.clone();
    let timezone = config.timezone;
    Arc::new(move |source: &str| {
        let engine = ExprEngine::new();
        let cx = hirewire_core::recipe::LoadContext {
            registry: &registry,
            connections: &connections,
            timezone,
            engine: &engine,
        };
        hirewire_core::recipe::load_recipe(Path::new("<recorded version>"), source, &cx).0
    })
}

/// Records each recipe's version and concurrency, then makes them current.
pub async fn install_recipes(
    store: &Store,
    book: &RecipeBook,
    recipes: Vec<hirewire_core::recipe::Recipe>,
) -> anyhow::Result<()> {
    for recipe in &recipes {
        let source = std::fs::read_to_string(&recipe.file).unwrap_or_default();
        store.record_recipe_version(&recipe.name, &recipe.version, &source).await?;
        store.set_recipe_concurrency(&recipe.name, recipe.concurrency).await?;
    }
    book.replace_all(recipes);
    Ok(())
}

/// Marks the recipes as loaded or not (for `/readyz`).
pub fn set_loaded(flag: &AtomicBool, loaded: bool) {
    flag.store(loaded, Ordering::Relaxed);
}
