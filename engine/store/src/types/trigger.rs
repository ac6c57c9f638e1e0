//! Trigger state (cursor, schedule, poll lease) and what recording a poll or a webhook did.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use super::EnqueueOutcome;

/// The durable state of one trigger of one recipe, keyed by recipe name and trigger identity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TriggerState {
    /// The recipe's name.
    pub recipe: String,
    /// The trigger identity, e.g. `greenhouse:candidate_hired`.
    pub identity: String,
    /// The poll cursor.
    pub cursor: Option<Value>,
    /// When it was last polled.
    pub last_polled_at: Option<DateTime<Utc>>,
    /// The next scheduled tick.
    pub next_fire_at: Option<DateTime<Utc>>,
    /// The node allowed to poll it.
    pub lease_owner: Option<String>,
    /// Until when.
    pub lease_expires_at: Option<DateTime<Utc>>,
}

/// What `record_poll` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollOutcome {
    /// The cursor advanced and the runs were recorded (or reported duplicate), in one transaction.
    Recorded(Vec<EnqueueOutcome>),
    /// The stored cursor was not the expected one (another poller advanced it): nothing was written.
    CursorMoved,
}

/// What `record_webhook` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookOutcome {
    /// The delivery was new; its runs were recorded (or reported duplicate).
    Recorded(Vec<EnqueueOutcome>),
    /// This delivery id was recorded before: nothing was written. Answer 2xx anyway.
    Redelivery,
}
