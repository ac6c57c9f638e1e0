//! hirewire-sdk: the only crate a connector depends on.
//!
//! A connector is one folder under `connectors/src/<name>/` that exposes
//! `pub fn descriptor() -> ConnectorDescriptor`. The descriptor documents the
//! connector (configuration, triggers, actions with their input and output
//! [`Shape`]s, examples; each action declared once as an [`Action`]) and knows
//! how to build a live [`Connection`] from a connection's settings in
//! `hirewire.yaml`, and how to serve its sandbox fake.
//!
//! The engine never looks inside a connector, and a connector never sees the
//! engine: everything they exchange is in this crate.

pub mod action;
pub mod cluster;
pub mod connection;
pub mod connection_config;
pub mod descriptor;
pub mod employee;
pub mod error;
pub mod fake;
#[cfg(any(test, feature = "sandbox"))]
pub mod fake_log;
pub mod field_at_fault;
pub mod http_client;
pub mod metric_definitions;
pub mod schema;
pub mod token_cache;
pub mod upsert;
pub mod webhook;

pub use action::{Action, ActionList, AnyAction};
pub use cluster::ClusterView;
pub use connection::{
    ActionContext, CheckItem, Connection, ConnectionSettings, PollBatch, PollRequest, TriggerEvent, WebhookEvent,
};
pub use descriptor::{ActionDescriptor, ConnectorDescriptor, TriggerDelivery, TriggerDescriptor};
pub use error::{ActionError, ConfigError, ErrorKind, WebhookError};
#[cfg(any(test, feature = "test-util"))]
pub use fake::TestServer;
pub use fake::{FakeDescriptor, FakeOptions};
#[cfg(any(test, feature = "sandbox"))]
pub use fake::{FaultRule, Faults};
pub use http_client::HttpClient;
pub use schema::{Field, Shape};

/// Re-exports that connector code needs, so that every connector uses the same versions.
pub mod reexports {
    pub use async_trait::async_trait;
    pub use axum;
    pub use bytes;
    pub use chrono;
    pub use http;
    pub use reqwest;
    pub use schemars;
    pub use secrecy;
    pub use serde_json;
}
