//! Secondary indexes of the fake's tables: for the (resource, field) pairs the fake looks
//! records up by, each field value maps to the ids holding it, ascending. `FakeState` keeps
//! them in step on every insert and update (the only ways a table changes), so a lookup costs
//! O(matches) instead of a scan of the whole table.

use std::collections::HashMap;

use serde_json::Value;

/// The indexed (resource, field) pairs: the fake's own lookups (`find_by` while creating and
/// changing records, building webhooks, creating tags) and the foreign-key filters of the
/// lists the connector reads (`application_ids`, `candidate_ids`, `interview_ids`).
pub const INDEXED: &[(&str, &str)] = &[
    ("application_stages", "application_id"),
    ("offers", "application_id"),
    ("interviews", "application_id"),
    ("interviewers", "interview_id"),
    ("job_interview_stages", "job_id"),
    ("custom_field_options", "custom_field_key"),
    ("candidate_educations", "candidate_id"),
    ("candidate_tags", "name"),
    ("applications", "candidate_id"),
];

/// A field value that can be hashed, with exactly `serde_json::Value`'s equality: numbers of
/// different kinds (unsigned, negative, float) are never equal there, so neither are keys.
/// Floats, arrays and objects have no key (lookups of them scan instead).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A non-negative integer (serde_json's `PosInt`).
    Pos(u64),
    /// A negative integer (serde_json's `NegInt`).
    Neg(i64),
    /// A string.
    Str(String),
}

impl Key {
    /// The key of `value`, when it has one.
    #[must_use]
    pub fn of(value: &Value) -> Option<Self> {
        match value {
            Value::Null => Some(Self::Null),
            Value::Bool(b) => Some(Self::Bool(*b)),
            Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => Some(Self::Pos(u)),
                (None, Some(i)) => Some(Self::Neg(i)),
                _ => None,
            },
            Value::String(s) => Some(Self::Str(s.clone())),
            Value::Array(_) | Value::Object(_) => None,
        }
    }

    /// The key of `json!(id)` (serde_json stores a non-negative `i64` as `PosInt`).
    #[must_use]
    pub fn of_i64(id: i64) -> Self {
        u64::try_from(id).map_or(Self::Neg(id), Self::Pos)
    }
}

/// One index per `INDEXED` pair, in the same order.
#[derive(Debug)]
pub struct Indexes {
    slots: Vec<HashMap<Key, Vec<i64>>>,
}

impl Default for Indexes {
    fn default() -> Self {
        Self {
            slots: INDEXED.iter().map(|_| HashMap::new()).collect(),
        }
    }
}

fn slot_of(resource: &str, field: &str) -> Option<usize> {
    INDEXED.iter().position(|(r, f)| *r == resource && *f == field)
}

fn add(ids: &mut Vec<i64>, id: i64) {
    match ids.last() {
        Some(last) if *last >= id => {
            if let Err(at) = ids.binary_search(&id) {
                ids.insert(at, id);
            }
        }
        _ => ids.push(id),
    }
}

impl Indexes {
    /// Whether `field` of `resource` is indexed.
    #[must_use]
    pub fn covers(resource: &str, field: &str) -> bool {
        slot_of(resource, field).is_some()
    }

    /// The ids (ascending) of the records of `resource` whose `field` has `key`; `None` when
    /// the pair is not indexed.
    #[must_use]
    pub fn ids(&self, resource: &str, field: &str, key: &Key) -> Option<&[i64]> {
        let slot = &self.slots[slot_of(resource, field)?];
        Some(slot.get(key).map_or(&[], Vec::as_slice))
    }

    /// Indexes a new record of `resource`.
    pub fn inserted(&mut self, resource: &str, id: i64, record: &Value) {
        for (slot, (r, field)) in INDEXED.iter().enumerate() {
            if *r == resource
                && let Some(key) = record.get(*field).and_then(Key::of)
            {
                add(self.slots[slot].entry(key).or_default(), id);
            }
        }
    }

    /// Re-indexes record `id` of `resource` whose `field` changes from `old` to `new`.
    pub fn changed(&mut self, resource: &str, id: i64, field: &str, old: Option<&Value>, new: &Value) {
        let Some(slot) = slot_of(resource, field) else {
            return;
        };
        let old = old.and_then(Key::of);
        let new = Key::of(new);
        if old == new {
            return;
        }
        let index = &mut self.slots[slot];
        if let Some(old) = old
            && let Some(ids) = index.get_mut(&old)
        {
            if let Ok(at) = ids.binary_search(&id) {
                ids.remove(at);
            }
            if ids.is_empty() {
                index.remove(&old);
            }
        }
        if let Some(new) = new {
            add(index.entry(new).or_default(), id);
        }
    }
}
