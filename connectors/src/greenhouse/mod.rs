//! Greenhouse Recruiting (Harvest API v3): OAuth client credentials or an API key,
//! cursor pagination, the shared rate budget, triggers by webhook and by poll, actions,
//! and the sandbox fake. Facts: `docs/api-facts/greenhouse.md`.
//!
//! Choices where the reference is UNCONFIRMED (the fake is configurable for each):
//! the token answer's `expires_at` or `expires_in` (both read; 1 h assumed otherwise);
//! application status values (hires are polled with `status=hired`, rejections by
//! `rejected_at`); offer status casing (compared case-insensitively); the `offer_created`
//! webhook body (read nested under `offer` or flat); `POST /v3/candidate_tags` to create a
//! tag; `PATCH /v3/candidates/{id}` custom fields as `[{name_key, value}]` (v1-like).

pub mod actions;
pub mod auth;
pub mod check;
pub mod client;
pub mod config;
pub mod connection;
pub mod enrichment;
#[cfg(any(test, feature = "sandbox"))]
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
        actions: actions::ACTIONS.descriptors(),
        connect: connection::connect,
        // The registry names `fake::router` here when the `sandbox` feature is on.
        fake: None,
    }
}

#[cfg(test)]
mod tests;
