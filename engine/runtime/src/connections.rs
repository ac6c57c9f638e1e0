//! The live connections of a project, built from `hirewire.yaml` through each connector's descriptor and
//! shared by every recipe that names them. Every clone sees the same set: a reload that rebuilds the connections
//! (a rotated webhook secret or credential) swaps them for all at once.

use std::collections::BTreeMap;
use std::sync::{Arc, PoisonError, RwLock};

use hirewire_sdk::{ClusterView, Connection, ConnectionSettings, ConnectorDescriptor, HttpClient};

/// One live connection and the connector it belongs to.
#[derive(Clone)]
pub struct LiveConnection {
    /// The connector's name (`greenhouse`).
    pub connector: String,
    /// The connection.
    pub connection: Arc<dyn Connection>,
}

type ByName = BTreeMap<String, LiveConnection>;

/// All live connections, by name.
#[derive(Clone, Default)]
pub struct Connections {
    by_name: Arc<RwLock<Arc<ByName>>>,
}

impl std::fmt::Debug for Connections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.current().keys()).finish()
    }
}

/// A connection could not be built.
#[derive(Debug, thiserror::Error)]
#[error("connection `{connection}`: {message}")]
pub struct ConnectionError {
    /// The connection's name.
    pub connection: String,
    /// What went wrong (never a secret).
    pub message: String,
}

impl Connections {
    /// Builds every connection. `settings` maps a connection name to its
    /// connector's name and its expanded settings.
    ///
    /// # Errors
    /// The first connection whose connector is unknown or whose settings are refused.
    pub fn build<'a>(
        registry: &[ConnectorDescriptor],
        settings: impl IntoIterator<Item = (&'a str, &'a str, &'a serde_json::Value)>,
        http: &HttpClient,
    ) -> Result<Self, ConnectionError> {
        Self::build_in_cluster(registry, settings, http, &ClusterView::default())
    }

    /// Like [`Self::build`], for a node of a cluster: every connection sees `cluster`
    /// (kept current by the daemon) to share per-credential budgets between nodes.
    ///
    /// # Errors
    /// The first connection whose connector is unknown or whose settings are refused.
    pub fn build_in_cluster<'a>(
        registry: &[ConnectorDescriptor],
        settings: impl IntoIterator<Item = (&'a str, &'a str, &'a serde_json::Value)>,
        http: &HttpClient,
        cluster: &ClusterView,
    ) -> Result<Self, ConnectionError> {
        let mut by_name = BTreeMap::new();
        for (name, connector, config) in settings {
            let descriptor = registry.iter().find(|d| d.name == connector).ok_or_else(|| ConnectionError {
                connection: name.to_owned(),
                message: format!("unknown connector `{connector}`"),
            })?;
            let connection = (descriptor.connect)(ConnectionSettings {
                name: name.to_owned(),
                config: config.clone(),
                http: http.clone(),
                cluster: cluster.clone(),
            })
            .map_err(|e| ConnectionError { connection: name.to_owned(), message: e.to_string() })?;
            by_name.insert(name.to_owned(), LiveConnection { connector: connector.to_owned(), connection });
        }
        Ok(Self { by_name: Arc::new(RwLock::new(Arc::new(by_name))) })
    }

    fn current(&self) -> Arc<ByName> {
        self.by_name.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The connection called `name`, as it is now.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<LiveConnection> {
        self.current().get(name).cloned()
    }

    /// Connection names.
    #[must_use]
    pub fn names(&self) -> Vec<String> {
        self.current().keys().cloned().collect()
    }

    /// Adds or replaces one connection (tests and recipe tests), for every clone.
    pub fn insert(&mut self, name: &str, connector: &str, connection: Arc<dyn Connection>) {
        let mut by_name = self.by_name.write().unwrap_or_else(PoisonError::into_inner);
        let mut next = ByName::clone(&by_name);
        next.insert(name.to_owned(), LiveConnection { connector: connector.to_owned(), connection });
        *by_name = Arc::new(next);
    }

    /// Replaces every connection with those of `rebuilt`, for every clone at once (runs already holding a
    /// connection finish with it).
    pub fn replace_all(&self, rebuilt: &Self) {
        let next = rebuilt.current();
        *self.by_name.write().unwrap_or_else(PoisonError::into_inner) = next;
    }
}
