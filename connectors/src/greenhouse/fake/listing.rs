//! The fake's v3 list semantics: filters (both date syntaxes), ids descending, `per_page`,
//! opaque cursors with `Link rel="next"`, and the 422s Greenhouse gives for bad queries.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::state::FakeState;

/// The 422 body for a cursor mixed with other parameters (recorded, `v3_error_422_cursor.json`).
pub const CURSOR_MIXED: &str = "When passing a cursor, do not include other query params.";

/// What a cursor encodes: the original query and the last id served.
#[derive(Debug, Serialize, Deserialize)]
struct CursorState {
    q: Vec<(String, String)>,
    after: i64,
}

/// One page of a listing, borrowing its records from the state.
#[derive(Debug)]
pub struct Page<'a> {
    /// The records.
    pub records: Vec<&'a Value>,
    /// The cursor of the next page, if any.
    pub next_cursor: Option<String>,
}

const DATE_FIELDS: &[&str] = &[
    "created_at",
    "updated_at",
    "last_activity_at",
    "starts_at",
    "ends_at",
    "resolved_at",
];

/// Lists a page of `resource` for the raw query `pairs`; `Err` is a 422 message.
///
/// # Errors
/// A message for a 422 answer.
pub fn list_page<'a>(
    state: &'a FakeState,
    resource: &str,
    pairs: Vec<(String, String)>,
) -> Result<Page<'a>, String> {
    let pairs = if pairs.iter().any(|(k, _)| k == "cursor") {
        if pairs.len() > 1 {
            return Err(CURSOR_MIXED.into());
        }
        let raw = &pairs[0].1;
        let decoded = URL_SAFE_NO_PAD
            .decode(raw)
            .map_err(|_| "Invalid or expired cursor.".to_owned())?;
        let cursor: CursorState =
            serde_json::from_slice(&decoded).map_err(|_| "Invalid or expired cursor.".to_owned())?;
        return run(state, resource, cursor.q, Some(cursor.after));
    } else {
        pairs
    };
    run(state, resource, pairs, None)
}

fn run<'a>(
    state: &'a FakeState,
    resource: &str,
    pairs: Vec<(String, String)>,
    after: Option<i64>,
) -> Result<Page<'a>, String> {
    let mut per_page = 100usize;
    let mut filters: Vec<Filter> = Vec::new();
    let has = |k: &str| pairs.iter().any(|(p, _)| p == k || p.starts_with(&format!("{k}[")));
    if has("created_at") && has("updated_at") {
        return Err("Do not pass created_at and updated_at in the same request.".into());
    }
    for (key, value) in &pairs {
        if key == "per_page" {
            per_page = value
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=500).contains(n))
                .ok_or_else(|| "per_page must be between 1 and 500.".to_owned())?;
            continue;
        }
        filters.push(Filter::parse(resource, key, value)?);
    }
    let before = after.unwrap_or(i64::MAX);
    // Ids descending below the cursor: every record, or only those an id filter can match.
    let candidates: Box<dyn Iterator<Item = &Value>> = match state.table(resource) {
        None => Box::new(std::iter::empty()),
        Some(table) => match filters.iter().find_map(|f| f.candidate_ids(state, resource)) {
            Some(mut ids) => {
                ids.retain(|id| *id < before);
                ids.sort_unstable_by(|a, b| b.cmp(a));
                ids.dedup();
                Box::new(ids.into_iter().filter_map(|id| table.get(&id)))
            }
            None => Box::new(table.range(..before).rev().map(|(_, r)| r)),
        },
    };
    let mut matching = candidates.filter(|r| filters.iter().all(|f| f.matches(r)));
    let records: Vec<&Value> = matching.by_ref().take(per_page).collect();
    let more = matching.next().is_some();
    let next_cursor = match (more, records.last().and_then(|r| r.get("id")).and_then(Value::as_i64)) {
        (true, Some(last)) => {
            let state = CursorState { q: pairs, after: last };
            Some(URL_SAFE_NO_PAD.encode(serde_json::to_vec(&state).unwrap_or_default()))
        }
        _ => None,
    };
    Ok(Page { records, next_cursor })
}

enum Filter {
    IdIn(String, Vec<i64>),
    Date(String, Vec<(String, DateTime<Utc>)>),
    Equals(String, String),
    AnyEmail(String),
    HasTag(String),
    Ignore,
}

impl Filter {
    /// For an id filter answerable without a scan (`ids`, or an indexed foreign key such as
    /// `application_ids` of offers): the ids of every record it can match, in any order.
    /// A record's `id` field is its key in the table (`FakeState` never changes it).
    fn candidate_ids(&self, state: &FakeState, resource: &str) -> Option<Vec<i64>> {
        let Self::IdIn(field, ids) = self else {
            return None;
        };
        if field == "id" {
            return Some(ids.clone());
        }
        let mut out = Vec::new();
        for id in ids {
            out.extend_from_slice(state.indexed_ids(resource, field, *id)?);
        }
        Some(out)
    }

    fn parse(resource: &str, key: &str, value: &str) -> Result<Self, String> {
        let (base, bracket) = match key.split_once('[') {
            Some((b, rest)) => (b, Some(rest.trim_end_matches(']'))),
            None => (key, None),
        };
        if DATE_FIELDS.contains(&base) {
            let ops = match bracket {
                Some(op) => vec![(op.to_owned(), parse_date(base, value)?)],
                None => {
                    let parts: Vec<&str> = value.split('|').collect();
                    if !parts.len().is_multiple_of(2) {
                        return Err(format!("{base}: expected operator|timestamp pairs"));
                    }
                    parts
                        .chunks(2)
                        .map(|c| Ok((c[0].to_owned(), parse_date(base, c[1])?)))
                        .collect::<Result<_, String>>()?
                }
            };
            if let Some((op, _)) = ops
                .iter()
                .find(|(op, _)| !["gte", "lte", "gt", "lt"].contains(&op.as_str()))
            {
                return Err(format!("{base}: unknown operator {op}"));
            }
            return Ok(Self::Date(base.to_owned(), ops));
        }
        if let Some(stem) = key.strip_suffix("ids") {
            let field = if stem.is_empty() {
                "id".to_owned()
            } else {
                format!("{stem}id")
            };
            let ids = value
                .split(',')
                .filter(|s| !s.is_empty())
                .map(|s| s.trim().parse::<i64>().map_err(|_| format!("{key}: {s} is not an id")))
                .collect::<Result<Vec<_>, _>>()?;
            if ids.len() > 50 {
                return Err(format!("{key}: at most 50 ids may be given."));
            }
            return Ok(Self::IdIn(field, ids));
        }
        Ok(match (resource, key) {
            ("candidates", "email") => Self::AnyEmail(value.to_lowercase()),
            ("candidates", "tag") => Self::HasTag(value.to_owned()),
            ("users", "show_service_accounts") | ("offers", "current_only") | ("candidates", "private") => Self::Ignore,
            (
                _,
                "status" | "primary_email" | "email" | "custom_field_key" | "current" | "prospect" | "response_status",
            ) => Self::Equals(key.to_owned(), value.to_owned()),
            _ => return Err(format!("Unknown query parameter: {key}")),
        })
    }

    fn matches(&self, record: &Value) -> bool {
        match self {
            Self::Ignore => true,
            Self::IdIn(field, ids) => record
                .get(field)
                .and_then(Value::as_i64)
                .is_some_and(|v| ids.contains(&v)),
            Self::Date(field, ops) => {
                let Some(at) = record
                    .get(field)
                    .and_then(Value::as_str)
                    .and_then(|s| s.parse::<DateTime<Utc>>().ok())
                else {
                    return false;
                };
                ops.iter().all(|(op, bound)| match op.as_str() {
                    "gte" => at >= *bound,
                    "gt" => at > *bound,
                    "lte" => at <= *bound,
                    _ => at < *bound,
                })
            }
            Self::Equals(field, want) => match record.get(field) {
                Some(Value::String(s)) => s.eq_ignore_ascii_case(want),
                Some(Value::Bool(b)) => want == if *b { "true" } else { "false" },
                Some(Value::Number(n)) => n.to_string() == *want,
                _ => false,
            },
            Self::AnyEmail(want) => record
                .get("email_addresses")
                .and_then(Value::as_array)
                .is_some_and(|a| {
                    a.iter().any(|e| {
                        e.get("value")
                            .and_then(Value::as_str)
                            .is_some_and(|v| v.to_lowercase() == *want)
                    })
                }),
            Self::HasTag(want) => record
                .get("tags")
                .and_then(Value::as_array)
                .is_some_and(|a| a.iter().any(|t| t.as_str() == Some(want.as_str()))),
        }
    }
}

fn parse_date(field: &str, raw: &str) -> Result<DateTime<Utc>, String> {
    raw.parse::<DateTime<Utc>>()
        .map_err(|_| format!("{field}: {raw} is not an ISO-8601 timestamp"))
}
