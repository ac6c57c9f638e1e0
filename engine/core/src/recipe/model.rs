//! The recipe model (SPEC section 3), as the engine runs it.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::diagnostic::Position;
use crate::expr::Template;

/// One loaded, valid recipe.
#[derive(Debug, Clone)]
pub struct Recipe {
    /// Its identity, `[a-z0-9-]+`, unique in the project.
    pub name: String,
    /// What it does, for people.
    pub description: Option<String>,
    /// Whether it runs (default true).
    pub enabled: bool,
    /// What starts a run.
    pub trigger: Trigger,
    /// The business key: at most one run per key.
    pub key: Option<Template>,
    /// Runs of this recipe at once (default 1: in event order).
    pub concurrency: u32,
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// Steps run once when the run has failed for good.
    pub on_error: Vec<Step>,
    /// The file it came from.
    pub file: PathBuf,
    /// sha256 of the file's content, lowercase hex.
    pub version: String,
}

/// What starts a run.
#[derive(Debug, Clone)]
pub enum Trigger {
    /// A connector's trigger (`greenhouse.candidate_hired`).
    Connector(Box<ConnectorTrigger>),
    /// A clock: cron or a fixed interval, no connector.
    Clock(ClockTrigger),
}

/// How a connector trigger's events arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Only by webhook.
    Webhook,
    /// Only by polling.
    Poll,
    /// Webhook where the connector has one, plus a reconciling poll (default).
    Auto,
}

impl Delivery {
    /// `webhook`, `poll` or `auto`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Webhook => "webhook",
            Self::Poll => "poll",
            Self::Auto => "auto",
        }
    }
}

/// A connector trigger.
#[derive(Debug, Clone)]
pub struct ConnectorTrigger {
    /// The connection's name in `hirewire.yaml`.
    pub connection: String,
    /// The connector's name (from the connection).
    pub connector: String,
    /// The trigger's name (`candidate_hired`).
    pub event: String,
    /// How events arrive.
    pub delivery: Delivery,
    /// The poll schedule (`every:` or `cron:`); `None` uses the engine's default.
    pub poll: Option<Schedule>,
    /// First start only: pick up events from this time (default: now).
    pub since: Option<DateTime<Utc>>,
    /// Optional filter; a run is `skipped` when it is false.
    pub when: Option<Template>,
    /// The Greenhouse environment this recipe is pinned to, if any.
    pub environment: Option<String>,
    /// The connector trigger's own parameters (`from_stage`...), as a JSON object.
    pub params: Value,
}

/// A clock trigger.
#[derive(Debug, Clone)]
pub struct ClockTrigger {
    /// When it fires.
    pub schedule: Schedule,
}

/// A schedule: a cron pattern or a fixed interval.
#[derive(Debug, Clone)]
pub enum Schedule {
    /// Every this long.
    Every(Duration),
    /// A cron pattern (5 or 6 fields) in a time zone.
    Cron {
        /// The parsed pattern.
        cron: Box<croner::Cron>,
        /// The pattern as written.
        pattern: String,
        /// Its zone (the recipe's `timezone:`, else `hirewire.yaml`'s).
        timezone: chrono_tz::Tz,
    },
}

impl Schedule {
    /// Parses a cron pattern.
    pub fn cron(pattern: &str, timezone: chrono_tz::Tz) -> Result<Self, String> {
        let cron = croner::Cron::from_str(pattern).map_err(|e| format!("invalid cron pattern `{pattern}`: {e}"))?;
        Ok(Self::Cron { cron: Box::new(cron), pattern: pattern.to_owned(), timezone })
    }

    /// The first firing strictly after `after`.
    #[must_use]
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Self::Every(every) => chrono::Duration::from_std(*every).ok().and_then(|d| after.checked_add_signed(d)),
            Self::Cron { cron, timezone, .. } => {
                cron.find_next_occurrence(&after.with_timezone(timezone), false).ok().map(|t| t.with_timezone(&Utc))
            }
        }
    }
}

/// One step.
#[derive(Debug, Clone)]
pub struct Step {
    /// Its id, unique in the recipe; its output is `steps.<id>`.
    pub id: String,
    /// Runs only when this is true.
    pub condition: Option<Template>,
    /// What it does.
    pub kind: StepKind,
    /// Where it starts in the file.
    pub at: Position,
}

/// What a step does.
#[derive(Debug, Clone)]
pub enum StepKind {
    /// Calls a connector action.
    Action(ActionStep),
    /// Runs nested steps once per item of a list. Its output is a list with
    /// one object per item, keyed by the nested steps' ids.
    ForEach(ForEachStep),
}

/// A step that calls `<connector>.<action>`.
#[derive(Debug, Clone)]
pub struct ActionStep {
    /// The connector (`bamboohr`).
    pub connector: String,
    /// The action (`upsert_employee`).
    pub action: String,
    /// The connection's name in `hirewire.yaml`.
    pub connection: String,
    /// The input template (`with:`), rendered at run time.
    pub with: Template,
    /// Durable retries of transient failures.
    pub retry: RetryPolicy,
}

/// A `for_each` step.
#[derive(Debug, Clone)]
pub struct ForEachStep {
    /// The list expression.
    pub items: Template,
    /// The name each item is bound to (`as:`, default `item`).
    pub as_name: String,
    /// The nested steps.
    pub steps: Vec<Step>,
}

/// How the delay between attempts grows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backoff {
    /// Doubles each attempt, up to `max`.
    Exponential,
    /// Always `initial`.
    Fixed,
}

/// Retries of a step's transient failures (SPEC `retry:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, including the first (default 3).
    pub attempts: u32,
    /// How the delay grows (default exponential).
    pub backoff: Backoff,
    /// The first delay (default 10s).
    pub initial: Duration,
    /// The longest delay (default 10m).
    pub max: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 3,
            backoff: Backoff::Exponential,
            initial: Duration::from_secs(10),
            max: Duration::from_secs(600),
        }
    }
}

impl RetryPolicy {
    /// The delay before attempt `next_attempt` (2 for the first retry).
    #[must_use]
    pub fn delay_before(&self, next_attempt: u32) -> Duration {
        match self.backoff {
            Backoff::Fixed => self.initial,
            Backoff::Exponential => {
                let factor = 2u32.saturating_pow(next_attempt.saturating_sub(2));
                self.initial.saturating_mul(factor).min(self.max)
            }
        }
    }
}

/// Parses a duration such as `10s`, `5m`, `1h30m`, `90d`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s.trim())
        .map_err(|_| format!("`{s}` is not a duration (write e.g. 30s, 5m, 1h, 90d)"))?;
    if d.is_zero() {
        return Err(format!("`{s}` must be longer than zero"));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_backoff() {
        assert_eq!(parse_duration("90d"), Ok(Duration::from_secs(90 * 86_400)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5_400)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("0s").is_err());
        let p = RetryPolicy::default();
        assert_eq!(p.delay_before(2), Duration::from_secs(10));
        assert_eq!(p.delay_before(4), Duration::from_secs(40));
        assert_eq!(p.delay_before(30), Duration::from_secs(600));
    }

    #[test]
    fn cron_schedules_follow_their_zone() {
        let s = Schedule::cron("0 8 * * 1-5", chrono_tz::America::New_York).unwrap();
        let after = DateTime::parse_from_rfc3339("2026-11-27T14:00:00Z").unwrap().with_timezone(&Utc); // a Friday
        let next = s.next_after(after).unwrap();
        assert_eq!(next.to_rfc3339(), "2026-11-30T13:00:00+00:00");
        assert!(Schedule::cron("0 8 * *", chrono_tz::UTC).is_err());
        assert!(Schedule::cron("0 0 8 * * 1-5", chrono_tz::UTC).is_ok());
    }
}
