//! The two-sided poll window and its cursor. Greenhouse lists come ids descending, not
//! by time, so a poll asks for everything with `field` in `[from, to]` (`gte|from|lte|to`),
//! the next poll starts `OVERLAP` before the previous `to`, and records already emitted
//! (by id and timestamp) inside the overlap are remembered in the cursor and skipped.

use std::collections::HashSet;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How far each poll reaches back before the previous poll's end (clock skew, late commits).
pub const OVERLAP: Duration = Duration::minutes(2);

/// The cursor a poll stores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowCursor {
    /// The date field the window is on (`created_at` or `updated_at`).
    pub field: String,
    /// The end of the last completed window.
    pub until: DateTime<Utc>,
    /// `(id, timestamp)` of records emitted whose timestamp is inside the next overlap.
    pub seen: Vec<(i64, String)>,
}

/// One poll's window.
#[derive(Debug, Clone)]
pub struct Window {
    /// The date field.
    pub field: &'static str,
    /// Start (inclusive).
    pub from: DateTime<Utc>,
    /// End (inclusive).
    pub to: DateTime<Utc>,
    seen: HashSet<(i64, String)>,
}

fn iso(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Window {
    /// The window after `cursor` (or from `since` on first start) up to `now`.
    #[must_use]
    pub fn plan(field: &'static str, cursor: Option<&Value>, since: DateTime<Utc>, now: DateTime<Utc>) -> Self {
        let previous = cursor
            .and_then(|c| serde_json::from_value::<WindowCursor>(c.clone()).ok())
            .filter(|c| c.field == field);
        let (from, seen) = match previous {
            Some(c) => (c.until - OVERLAP, c.seen.into_iter().collect()),
            None => (since, HashSet::new()),
        };
        Self {
            field,
            from: from.min(now),
            to: now,
            seen,
        }
    }

    /// The query parameter `(field, "gte|from|lte|to")`.
    #[must_use]
    pub fn param(&self) -> (String, String) {
        (
            self.field.to_owned(),
            format!("gte|{}|lte|{}", iso(self.from), iso(self.to)),
        )
    }

    /// Whether a record with `id` and `stamp` was already emitted by an earlier poll.
    #[must_use]
    pub fn already_seen(&self, id: i64, stamp: &str) -> bool {
        self.seen.contains(&(id, stamp.to_owned()))
    }

    /// The cursor after emitting `emitted` (every record of this window, emitted or filtered).
    #[must_use]
    pub fn advance(&self, emitted: impl IntoIterator<Item = (i64, String)>) -> Value {
        let next_from = self.to - OVERLAP;
        let keep = |stamp: &str| stamp.parse::<DateTime<Utc>>().is_ok_and(|t| t >= next_from);
        let mut seen: Vec<(i64, String)> = self
            .seen
            .iter()
            .cloned()
            .chain(emitted)
            .filter(|(_, s)| keep(s))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        seen.sort();
        serde_json::to_value(WindowCursor {
            field: self.field.to_owned(),
            until: self.to,
            seen,
        })
        .unwrap_or(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn first_poll_starts_at_since_and_next_overlaps() {
        let w = Window::plan(
            "updated_at",
            None,
            at("2026-11-01T00:00:00Z"),
            at("2026-11-28T12:00:00Z"),
        );
        assert_eq!(w.param().1, "gte|2026-11-01T00:00:00.000Z|lte|2026-11-28T12:00:00.000Z");
        let cursor = w.advance(vec![
            (7, "2026-11-28T11:59:30.000Z".into()),
            (5, "2026-11-20T00:00:00.000Z".into()),
        ]);
        let next = Window::plan(
            "updated_at",
            Some(&cursor),
            at("2026-11-01T00:00:00Z"),
            at("2026-11-28T12:05:00Z"),
        );
        assert_eq!(next.from, at("2026-11-28T11:58:00Z"));
        assert!(next.already_seen(7, "2026-11-28T11:59:30.000Z"));
        // Outside the overlap: forgotten, since it cannot come back in this window.
        assert!(!next.already_seen(5, "2026-11-20T00:00:00.000Z"));
        // Updated again: a new (id, timestamp), so not seen.
        assert!(!next.already_seen(7, "2026-11-28T12:01:00.000Z"));
    }

    #[test]
    fn cursor_of_another_field_is_ignored() {
        let w = Window::plan(
            "created_at",
            None,
            at("2026-11-01T00:00:00Z"),
            at("2026-11-02T00:00:00Z"),
        );
        let c = w.advance(Vec::new());
        let other = Window::plan(
            "updated_at",
            Some(&c),
            at("2026-10-01T00:00:00Z"),
            at("2026-11-02T00:00:00Z"),
        );
        assert_eq!(other.from, at("2026-10-01T00:00:00Z"));
    }
}
