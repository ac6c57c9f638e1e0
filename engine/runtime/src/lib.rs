//! hirewire-runtime: the daemon (`hirewire run`): triggers, durable execution,
//! webhooks, hot reload and the HTTP API.

pub mod api;
pub mod auth_limit;
pub mod bench;
pub mod connections;
pub mod credentials;
pub mod daemon;
pub mod executor;
pub mod intake;
pub mod metric_definitions;
pub mod recipe_book;
pub mod recipe_test;
pub mod reload;
pub mod sandbox;
pub mod serve;
pub mod triggers;
pub mod wakeup;
pub mod web;
pub mod worker;

pub use daemon::{Daemon, DaemonOptions};
