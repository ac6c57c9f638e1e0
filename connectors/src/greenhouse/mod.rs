//! Greenhouse Recruiting (Harvest API v3): OAuth client credentials or an API key,
//! cursor pagination, the shared rate budget, triggers by webhook and by poll, actions,
//! and the sandbox fake. Facts: `reference/greenhouse-api.md`.

pub mod actions;
pub mod auth;
pub mod check;
pub mod client;
pub mod config;
pub mod connection;
pub mod enrichment;
pub mod fake;
pub mod loaders;
pub mod models;
pub mod output;
pub mod rate_limit;
pub mod triggers;
pub mod webhook;

use hirewire_sdk::{ConnectorDescriptor, Shape};
use serde_json::json;

/// The Greenhouse connector's descriptor.
#[must_use]
pub fn descriptor() -> ConnectorDescriptor {
    ConnectorDescriptor {
        name: "greenhouse",
        description: "Greenhouse Recruiting through the Harvest API v3: candidates, applications, interviews, offers.",
        config: Shape::of::<config::GreenhouseConfig>(),
        config_example: json!({
            "environment": "production",
            "client_id": "${GREENHOUSE_CLIENT_ID}",
            "client_secret": "${GREENHOUSE_CLIENT_SECRET}",
            "user_email": "recruiting-ops@acme.example",
            "webhook_secret": "${GREENHOUSE_WEBHOOK_SECRET}"
        }),
        triggers: triggers::descriptors(),
        actions: actions::descriptors(),
        connect: connection::connect,
        fake: Some(hirewire_sdk::FakeDescriptor { router: fake::router }),
    }
}

#[cfg(test)]
mod tests;
