//! hirewire-runtime: the daemon (`hirewire run`): triggers, durable execution,
//! webhooks, hot reload and the HTTP API.

pub mod api;
pub mod auth_limit;
pub mod connections;
pub mod credentials;
pub mod daemon;
mod evaluation;
pub mod executor;
pub mod intake;
pub mod maintenance;
pub mod metric_definitions;
pub mod notify;
pub mod ops;
pub mod recipe_book;
pub mod recipe_test;
pub mod reload;
pub mod sandbox;
pub mod serve;
pub mod trigger_scheduler;
pub mod web;
pub mod worker;

pub use daemon::{Daemon, DaemonOptions};
