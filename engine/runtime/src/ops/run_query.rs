//! Run filters as people write them (`GET /api/runs?...`, the runs page's form, `hirewire runs list` flags):
//! one parser from their text into the store's [`RunFilter`], with every problem named.

use chrono::{DateTime, Utc};
use hirewire_store::{RunFilter, RunStatus, UnknownStatus};
use serde::Deserialize;

use super::since::parse_since;

/// The filters shared by the API, the web page and the CLI, as text (an empty value means "any").
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunQuery {
    /// Only this recipe.
    pub recipe: Option<String>,
    /// Only this status (`failed`, `succeeded`...).
    pub status: Option<String>,
    /// Only runs recorded since then: a duration back from now (`24h`, `7d`) or an RFC 3339 time.
    pub since: Option<String>,
    /// Only runs about this candidate id.
    pub candidate: Option<String>,
    /// At most this many runs.
    pub limit: Option<String>,
    /// Pagination: only runs older than this run id.
    pub before: Option<String>,
}

/// The problems of a [`RunQuery`], one message per field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.join("; "))]
pub struct FilterProblems(pub Vec<String>);

/// How many runs a caller lists when it does not say, and at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSize {
    /// Without `limit`.
    pub default: u32,
    /// The largest `limit` honoured (larger ones are cut down to it; 0 counts as 1).
    pub max: u32,
}

impl PageSize {
    /// `GET /api/runs`: 50 by default, at most 500.
    pub const API: Self = Self { default: 50, max: 500 };
    /// `hirewire runs list`: 50 by default, as many as asked for.
    pub const CLI: Self = Self { default: 50, max: u32::MAX };
}

fn field(value: Option<&String>) -> Option<&str> {
    value.map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// A run status by name.
///
/// # Errors
/// The store's message naming the known statuses.
pub fn parse_status(text: &str) -> Result<RunStatus, String> {
    text.trim().parse().map_err(|e: UnknownStatus| e.to_string())
}

/// A number of runs.
///
/// # Errors
/// What is wrong with `text`.
pub fn parse_limit(text: &str) -> Result<u32, String> {
    text.trim().parse::<u32>().map_err(|_| format!("limit: `{text}` is not a number of runs"))
}

impl RunQuery {
    /// The store filter of this query seen at `now`, listing up to `page` runs.
    ///
    /// # Errors
    /// Every field at fault, each with its message.
    pub fn filter(&self, now: DateTime<Utc>, page: PageSize) -> Result<RunFilter, FilterProblems> {
        let mut problems = Vec::new();
        let mut filter = RunFilter {
            recipe: field(self.recipe.as_ref()).map(str::to_owned),
            candidate_id: field(self.candidate.as_ref()).map(str::to_owned),
            before: field(self.before.as_ref()).map(str::to_owned),
            limit: page.default,
            ..RunFilter::default()
        };
        if let Some(status) = field(self.status.as_ref()) {
            match parse_status(status) {
                Ok(s) => filter.status = Some(s),
                Err(e) => problems.push(format!("status: {e}")),
            }
        }
        if let Some(since) = field(self.since.as_ref()) {
            match parse_since(since, now) {
                Ok(at) => filter.since = Some(at),
                Err(e) => problems.push(e.to_string()),
            }
        }
        if let Some(limit) = field(self.limit.as_ref()) {
            match parse_limit(limit) {
                Ok(n) => filter.limit = n.clamp(1, page.max),
                Err(e) => problems.push(e),
            }
        }
        if problems.is_empty() { Ok(filter) } else { Err(FilterProblems(problems)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> RunQuery {
        let object: serde_json::Map<String, serde_json::Value> =
            pairs.iter().map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(*v))).collect();
        serde_json::from_value(serde_json::Value::Object(object)).expect("a run query")
    }

    #[test]
    fn every_field_reaches_the_store_filter() {
        let now = Utc::now();
        let filter = query(&[
            ("recipe", "hired"),
            ("status", "failed"),
            ("since", "2026-11-28T14:00:00Z"),
            ("candidate", " 42 "),
            ("limit", "10"),
            ("before", "r9"),
        ])
        .filter(now, PageSize::API)
        .expect("valid");
        assert_eq!(filter.recipe.as_deref(), Some("hired"));
        assert_eq!(filter.status, Some(RunStatus::Failed));
        assert_eq!(filter.since.map(|s| s.to_rfc3339()).as_deref(), Some("2026-11-28T14:00:00+00:00"));
        assert_eq!(
            (filter.candidate_id.as_deref(), filter.limit, filter.before.as_deref()),
            (Some("42"), 10, Some("r9"))
        );
    }

    #[test]
    fn empty_fields_mean_any_and_limits_are_bounded() {
        let filter = query(&[("recipe", ""), ("status", " ")]).filter(Utc::now(), PageSize::API).expect("valid");
        assert_eq!((filter.recipe, filter.status, filter.limit), (None, None, 50));
        let big = query(&[("limit", "100000")]).filter(Utc::now(), PageSize::API).expect("valid");
        assert_eq!(big.limit, 500);
        let none = query(&[("limit", "0")]).filter(Utc::now(), PageSize::API).expect("valid");
        assert_eq!(none.limit, 1);
    }

    #[test]
    fn every_problem_is_named() {
        let problems = query(&[("status", "done"), ("since", "100000000d"), ("limit", "ten")])
            .filter(Utc::now(), PageSize::API)
            .expect_err("invalid");
        assert_eq!(problems.0.len(), 3, "{problems:?}");
        assert!(problems.0[0].starts_with("status: unknown status `done`"), "{problems:?}");
        assert!(problems.0[1].contains("too far back"), "{problems:?}");
        assert_eq!(problems.0[2], "limit: `ten` is not a number of runs");
    }
}
