//! The live connections of a project, built once from `hirewire.yaml` through
//! each connector's descriptor and shared by every recipe that names them.

use std::collections::BTreeMap;
use std::sync::Arc;

use hirewire_sdk::{ClusterView, Connection, ConnectionSettings, ConnectorDescriptor, HttpClient};

/// One live connection and the connector it belongs to.
#[derive(Clone)]
pub struct LiveConnection {
    /// The connector's name (`greenhouse`).
    pub connector: String,
    /// The connection.
    pub connection: Arc<dyn Connection>,
}

/// All live connections, by name.
#[derive(Clone, Default)]
pub struct Connections {
    by_name: BTreeMap<String, LiveConnection>,
}

impl std::fmt::Debug for Connections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.by_name.keys()).finish()
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
        Ok(Self { by_name })
    }

    /// The connection called `name`.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&LiveConnection> {
        self.by_name.get(name)
    }

    /// Connection names.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }

    /// Adds or replaces one connection (tests and recipe tests).
    pub fn insert(&mut self, name: &str, connector: &str, connection: Arc<dyn Connection>) {
        self.by_name.insert(name.to_owned(), LiveConnection { connector: connector.to_owned(), connection });
    }
}
