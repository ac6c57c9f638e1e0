//! `hirewire.yaml` (SPEC section 2): engine settings and connections.
//!
//! Parsed with serde-saphyr into a positioned tree, `${VAR}` expanded in
//! string values, every key checked (unknown keys get a "did you mean"), and
//! each connection's settings checked against its connector's `config`
//! shape. Credentials are held as [`SecretString`]; a connection's expanded
//! settings are handed to the engine as JSON and never printed.

use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use hirewire_sdk::{ClusterView, ConnectionSettings, ConnectorDescriptor, HttpClient};
use secrecy::SecretString;
use serde_json::Value;

use crate::diagnostic::{Diagnostic, Position, Sink};
use crate::env_expand::{EnvLookup, expand_tree};
use crate::fields::Fields;
use crate::shape_check::{ShapeContext, check_node};
use crate::suggest::did_you_mean;
use crate::yaml::{Node, NodeValue, parse_document};

/// The environment variable that overrides `database:`.
pub const DATABASE_URL_VAR: &str = "HIREWIRE_DATABASE_URL";
/// The default `database:`.
pub const DEFAULT_DATABASE: &str = "sqlite://hirewire.db";
/// The default `listen:`.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// The default `retention:` (90 days).
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(90 * 24 * 3600);

/// The shortest `api_token:` / `metrics_token:` accepted (a short token is guessed quickly).
pub const MIN_TOKEN_CHARS: usize = 24;

const TOP_LEVEL_KEYS: &[&str] =
    &["database", "listen", "api_token", "metrics_token", "timezone", "retention", "connections"];

/// The engine settings and connections of a project.
pub struct ProjectConfig {
    /// The database URL (`sqlite://…` or `postgres://…`); may hold a password.
    pub database: SecretString,
    /// Where the daemon listens.
    pub listen: SocketAddr,
    /// Bearer token for `/api` and the web page.
    pub api_token: Option<SecretString>,
    /// Bearer token for `/metrics` (none: `/metrics` is open).
    pub metrics_token: Option<SecretString>,
    /// Default zone of schedules.
    pub timezone: chrono_tz::Tz,
    /// Runs older than this are pruned.
    pub retention: Duration,
    /// Connections by name.
    pub connections: BTreeMap<String, ConnectionConfig>,
}

impl Default for ProjectConfig {
    fn default() -> Self {
        Self {
            database: SecretString::from(DEFAULT_DATABASE),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            api_token: None,
            metrics_token: None,
            timezone: chrono_tz::UTC,
            retention: DEFAULT_RETENTION,
            connections: BTreeMap::new(),
        }
    }
}

impl std::fmt::Debug for ProjectConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProjectConfig")
            .field("database", &"[redacted]")
            .field("listen", &self.listen)
            .field("api_token", &self.api_token.as_ref().map(|_| "[redacted]"))
            .field("metrics_token", &self.metrics_token.as_ref().map(|_| "[redacted]"))
            .field("timezone", &self.timezone)
            .field("retention", &self.retention)
            .field("connections", &self.connections)
            .finish()
    }
}

/// One entry of `connections:`.
#[derive(Clone)]
pub struct ConnectionConfig {
    /// Its name (the key under `connections:`), which recipes refer to.
    pub name: String,
    /// The connector it uses (`greenhouse`, `slack`...).
    pub connector: String,
    /// Its `environment:` setting (`production`/`sandbox`) when it has one.
    pub environment: Option<String>,
    /// Where it is declared in `hirewire.yaml`.
    pub at: Position,
    settings: Value,
}

impl ConnectionConfig {
    /// Its settings with `${VAR}` expanded, minus `connector:`, for
    /// [`ConnectorDescriptor::connect`]. Holds secrets: never print it.
    #[must_use]
    pub fn settings(&self) -> &Value {
        &self.settings
    }
}

impl std::fmt::Debug for ConnectionConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionConfig")
            .field("name", &self.name)
            .field("connector", &self.connector)
            .finish_non_exhaustive()
    }
}

/// Parses `hirewire.yaml`. Always returns a configuration (defaults where a
/// value is broken, so that recipes can still be checked) and the problems found.
pub fn parse_config(
    file: &Path,
    text: &str,
    registry: &[ConnectorDescriptor],
    env: EnvLookup<'_>,
) -> (ProjectConfig, Vec<Diagnostic>) {
    let mut sink = Sink::new(file);
    let mut config = ProjectConfig::default();
    let mut root = match parse_document(text) {
        Ok(root) => root,
        Err(e) => {
            sink.error(e.at, format!("invalid YAML: {}", e.message));
            return (config, sink.diagnostics);
        }
    };
    if matches!(root.value, NodeValue::Null) {
        return (config, sink.diagnostics);
    }
    let from_env = expand_tree(&mut root, env, &mut sink);
    let Some(fields) = Fields::open(&mut sink, &root, "hirewire.yaml", TOP_LEVEL_KEYS) else {
        return (config, sink.diagnostics);
    };
    let secret = |node: &Node| from_env.contains(&node.at);

    if let Some(url) = env(DATABASE_URL_VAR).filter(|u| !u.is_empty()) {
        config.database = SecretString::from(url);
    } else if let Some((url, node)) = fields.string(&mut sink, "database") {
        if url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://") {
            config.database = SecretString::from(url.to_owned());
        } else {
            sink.error(node.at, "`database` must be a sqlite:… or postgres://… URL");
        }
    }
    if let Some((listen, node)) = fields.string(&mut sink, "listen") {
        match listen.parse::<SocketAddr>() {
            Ok(addr) => config.listen = addr,
            Err(_) if secret(node) => sink.error(node.at, "`listen` must be HOST:PORT, e.g. 127.0.0.1:8080"),
            Err(_) => sink.error(node.at, format!("`listen` must be HOST:PORT, e.g. 127.0.0.1:8080, not `{listen}`")),
        }
    }
    // An empty token (e.g. `${HIREWIRE_API_TOKEN:-}`) means none: the daemon then only listens on loopback
    // (`api_token`), or `/metrics` is open (`metrics_token`).
    for (key, slot) in [("api_token", &mut config.api_token), ("metrics_token", &mut config.metrics_token)] {
        if let Some((token, node)) = fields.string(&mut sink, key)
            && !token.is_empty()
        {
            // A value whose `${VAR}` could not be expanded is already reported there.
            let already_reported =
                sink.diagnostics.iter().any(|d| (d.line, d.column) == (node.at.line, node.at.column));
            match check_token_strength(key, token) {
                Ok(()) => *slot = Some(SecretString::from(token.to_owned())),
                Err(_) if already_reported => {}
                Err(message) => sink.error(node.at, message),
            }
        }
    }
    if let Some((tz, node)) = fields.string(&mut sink, "timezone") {
        match parse_timezone(tz) {
            Ok(zone) => config.timezone = zone,
            Err(message) => sink.error(node.at, if secret(node) { "unknown time zone".to_owned() } else { message }),
        }
    }
    if let Some((retention, node)) = fields.string(&mut sink, "retention") {
        match crate::recipe::parse_duration(retention) {
            Ok(d) => config.retention = d,
            Err(_) if secret(node) => sink.error(node.at, "`retention` must be a duration such as 90d"),
            Err(message) => sink.error(node.at, format!("`retention`: {message}")),
        }
    } else if let Some(node) = fields.get("retention").filter(|n| !matches!(n.value, NodeValue::String(_))) {
        sink.error(node.at, "`retention` must be a duration such as 90d");
    }
    if let Some(connections) = fields.get("connections") {
        config.connections = parse_connections(&mut sink, connections, registry, &from_env);
    }
    (config, sink.diagnostics)
}

/// Refuses a token shorter than [`MIN_TOKEN_CHARS`], saying how to make one (never echoing it).
///
/// # Errors
/// The message to show, naming `key` (`api_token`, `metrics_token`, or the variable that set it).
pub fn check_token_strength(key: &str, token: &str) -> Result<(), String> {
    let chars = token.chars().count();
    if chars >= MIN_TOKEN_CHARS {
        return Ok(());
    }
    Err(format!(
        "`{key}` is too short ({chars} characters; at least {MIN_TOKEN_CHARS}): generate one with `openssl rand -hex 32`"
    ))
}

/// Parses an IANA time zone name, with a suggestion when it is close to one.
pub fn parse_timezone(name: &str) -> Result<chrono_tz::Tz, String> {
    name.parse::<chrono_tz::Tz>().map_err(|_| {
        format!("unknown time zone `{name}`{}", did_you_mean(name, chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name())))
    })
}

fn parse_connections(
    sink: &mut Sink,
    node: &Node,
    registry: &[ConnectorDescriptor],
    from_env: &HashSet<Position>,
) -> BTreeMap<String, ConnectionConfig> {
    let mut out = BTreeMap::new();
    let Some(entries) = node.as_map() else {
        sink.error(node.at, format!("`connections` must be a mapping of names to connections, found {}", node.kind()));
        return out;
    };
    for (key, value) in entries {
        let name = &key.name;
        let Some(settings) = value.as_map() else {
            sink.error(value.at, format!("connection `{name}` must be a mapping with a `connector:` key"));
            continue;
        };
        let Some(connector_node) = value.get("connector") else {
            sink.error(key.at, format!("connection `{name}` is missing required key `connector`"));
            continue;
        };
        let Some(connector) = connector_node.as_str() else {
            sink.error(connector_node.at, "`connector` must be a connector name");
            continue;
        };
        let environment = value.get("environment").and_then(Node::as_str).map(str::to_owned);
        let rest: Vec<_> = settings.iter().filter(|(k, _)| k.name != "connector").cloned().collect();
        let rest_node = Node { value: NodeValue::Map(rest), at: value.at, offset: value.offset };
        let json = match registry.iter().find(|d| d.name == connector) {
            Some(descriptor) => {
                let subject = format!("connection `{name}` (connector `{connector}`)");
                let cx = ShapeContext { subject: &subject, noun: "setting", from_env, templates: false };
                let problems_before = sink.diagnostics.len();
                let json = check_node(sink, &rest_node, &descriptor.config, "", &cx);
                if sink.diagnostics.len() == problems_before {
                    check_connects(sink, descriptor, &subject, &rest_node, &json, name);
                }
                json
            }
            None => {
                let known = registry.iter().map(|d| d.name).collect::<Vec<_>>().join(", ");
                let message = if from_env.contains(&connector_node.at) {
                    format!("the connector named by the environment is unknown; known: {known}")
                } else {
                    format!(
                        "unknown connector `{connector}`{}; known: {known}",
                        did_you_mean(connector, registry.iter().map(|d| d.name))
                    )
                };
                sink.error(connector_node.at, message);
                rest_node.to_json()
            }
        };
        out.insert(
            name.clone(),
            ConnectionConfig {
                name: name.clone(),
                connector: connector.to_owned(),
                environment,
                at: key.at,
                settings: json,
            },
        );
    }
    out
}

/// Builds the connection once through its connector, as `hirewire run` does, so that `validate` refuses what the
/// connector refuses (an email that is not one, a URL that is not one), at the setting at fault.
fn check_connects(
    sink: &mut Sink,
    descriptor: &ConnectorDescriptor,
    subject: &str,
    settings: &Node,
    json: &Value,
    name: &str,
) {
    let built = (descriptor.connect)(ConnectionSettings {
        name: name.to_owned(),
        config: json.clone(),
        http: HttpClient::default(),
        cluster: ClusterView::default(),
    });
    if let Err(e) = built {
        let at = e.field.split('.').try_fold(settings, |node, key| node.get(key)).map_or(settings.at, |node| node.at);
        sink.error(at, format!("{subject}: `{}` {}", e.field, e.message));
    }
}
