//! The Greenhouse fake's in-memory account: v3 records kept as JSON by resource, ids
//! ascending as created (listed descending), plus tokens, the rate window and a request log.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::index::{Indexes, Key};

/// Settings tests and the control API can change.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FakeSettings {
    /// Requests allowed per window (`X-RateLimit-Limit`).
    pub rate_limit: u64,
    /// The fixed window, in seconds.
    pub window_secs: u64,
    /// Lifetime of minted tokens, in seconds.
    pub token_ttl_secs: f64,
    /// Whether the token answer gives `expires_at` (ISO-8601) or `expires_in` (UNCONFIRMED which).
    pub token_expiry_field: String,
    /// The application status of active applications (UNCONFIRMED: `active` or `in_process`).
    pub active_status: String,
    /// Offer status casing (UNCONFIRMED): `Created`/`Accepted` when true, lowercase otherwise.
    pub capitalized_offer_status: bool,
    /// The accepted client id.
    pub client_id: String,
    /// The accepted client secret.
    pub client_secret: String,
    /// The accepted Harvest API key.
    pub api_key: String,
    /// Scopes the credential lacks, e.g. `harvest:users:list`.
    pub denied_scopes: Vec<String>,
}

impl Default for FakeSettings {
    fn default() -> Self {
        Self {
            rate_limit: 75,
            window_secs: 30,
            token_ttl_secs: 3600.0,
            token_expiry_field: "expires_at".into(),
            active_status: "active".into(),
            capitalized_offer_status: true,
            client_id: "sandbox-client".into(),
            client_secret: "sandbox-secret".into(),
            api_key: "sandbox-api-key".into(),
            denied_scopes: Vec::new(),
        }
    }
}

/// A minted token.
#[derive(Debug, Clone)]
pub struct Grant {
    /// The acting user (`None`: the integration service user).
    pub sub: Option<i64>,
    /// When it expires.
    pub expires_at: DateTime<Utc>,
}

/// One logged request.
#[derive(Debug, Clone, Serialize)]
pub struct LoggedRequest {
    /// Method.
    pub method: String,
    /// Path below the mount point.
    pub path: String,
    /// Raw query.
    pub query: String,
    /// Answer status.
    pub status: u16,
}

/// Counters of what the fake answered.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counters {
    /// API requests (not token requests).
    pub requests: u64,
    /// Token requests.
    pub token_requests: u64,
    /// 429 answers.
    pub throttled: u64,
    /// 401 answers.
    pub unauthorized: u64,
}

/// The whole fake account.
#[derive(Debug, Default)]
pub struct FakeState {
    /// Settings.
    pub settings: FakeSettings,
    tables: HashMap<&'static str, BTreeMap<i64, Value>>,
    /// Field value -> ids, for the lookups `find_by` and the lists answer without a scan.
    indexes: Indexes,
    next_id: i64,
    /// Live tokens by value.
    pub tokens: HashMap<String, Grant>,
    /// The current window's start (epoch ms) and requests counted in it.
    pub window: (u64, u64),
    /// Request log.
    pub log: Vec<LoggedRequest>,
    /// Counters.
    pub counters: Counters,
}

/// The resources the fake serves.
pub const RESOURCES: &[&str] = &[
    "candidates",
    "applications",
    "application_stages",
    "interviews",
    "interviewers",
    "users",
    "user_emails",
    "jobs",
    "offers",
    "job_interview_stages",
    "custom_field_options",
    "candidate_educations",
    "candidate_tags",
    "applied_candidate_tags",
    "notes",
];

/// Now as a v3 timestamp (`2024-12-15T03:55:00.000Z`).
#[must_use]
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn now() -> String {
    timestamp(Utc::now())
}

impl FakeState {
    /// An empty account with `settings`.
    #[must_use]
    pub fn new(settings: FakeSettings) -> Self {
        Self {
            settings,
            next_id: 1000,
            ..Self::default()
        }
    }

    /// The resource's table, if the fake serves it.
    #[must_use]
    pub fn table(&self, resource: &str) -> Option<&BTreeMap<i64, Value>> {
        self.tables.get(resource)
    }

    /// A record by id.
    #[must_use]
    pub fn get(&self, resource: &str, id: i64) -> Option<&Value> {
        self.tables.get(resource)?.get(&id)
    }

    /// Inserts `fields` as a new record (adding id, created_at, updated_at) and returns it.
    pub fn insert(&mut self, resource: &'static str, fields: Value) -> Value {
        let id = self.insert_id(resource, fields);
        self.get(resource, id).cloned().unwrap_or_default()
    }

    /// Inserts `fields` as a new record (adding id, created_at, updated_at); returns its id.
    pub fn insert_id(&mut self, resource: &'static str, fields: Value) -> i64 {
        self.next_id += 1;
        let id = self.next_id;
        let stamp = now();
        let mut record = match fields {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        record.insert("id".into(), json!(id));
        record.entry("created_at").or_insert_with(|| json!(stamp));
        record.insert("updated_at".into(), json!(stamp));
        let value = Value::Object(record);
        self.indexes.inserted(resource, id, &value);
        self.tables.entry(resource).or_default().insert(id, value);
        id
    }

    /// Merges `changes` into a record and bumps its `updated_at`; returns the new record.
    /// A record's `id` is its key and never changes (an `id` in `changes` is ignored).
    pub fn update(&mut self, resource: &str, id: i64, changes: &Map<String, Value>) -> Option<Value> {
        self.change(resource, id, changes)
            .then(|| self.get(resource, id).cloned())
            .flatten()
    }

    /// [`Self::update`] without returning the record; whether it exists.
    pub fn change(&mut self, resource: &str, id: i64, changes: &Map<String, Value>) -> bool {
        let Some(record) = self
            .tables
            .get_mut(resource)
            .and_then(|t| t.get_mut(&id))
            .and_then(Value::as_object_mut)
        else {
            return false;
        };
        for (k, v) in changes {
            if k == "id" {
                continue;
            }
            self.indexes.changed(resource, id, k, record.get(k), v);
            record.insert(k.clone(), v.clone());
        }
        let stamp = json!(now());
        self.indexes
            .changed(resource, id, "updated_at", record.get("updated_at"), &stamp);
        record.insert("updated_at".into(), stamp);
        true
    }

    /// Ids (ascending) of the records of `resource` whose `field` equals `value`.
    #[must_use]
    pub fn ids_by(&self, resource: &str, field: &str, value: &Value) -> Vec<i64> {
        if let Some(ids) = Key::of(value).and_then(|key| self.indexes.ids(resource, field, &key)) {
            return ids.to_vec();
        }
        self.tables
            .get(resource)
            .map(|t| {
                t.iter()
                    .filter(|(_, r)| r.get(field) == Some(value))
                    .map(|(id, _)| *id)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Ids (ascending) of the records of `resource` whose `field` is the integer `id`, when
    /// that pair is indexed (`None`: the caller scans).
    #[must_use]
    pub fn indexed_ids(&self, resource: &str, field: &str, id: i64) -> Option<&[i64]> {
        self.indexes.ids(resource, field, &Key::of_i64(id))
    }

    /// Records (ascending id) of `resource` whose `field` equals `value`.
    #[must_use]
    pub fn find_by(&self, resource: &str, field: &str, value: &Value) -> Vec<Value> {
        self.ids_by(resource, field, value)
            .into_iter()
            .filter_map(|id| self.get(resource, id).cloned())
            .collect()
    }

    /// The name of a record (`name` field), when it exists.
    #[must_use]
    pub fn name_of(&self, resource: &str, id: Option<i64>) -> Option<String> {
        self.get(resource, id?)?
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_owned)
    }

    /// Offer status in the configured casing.
    #[must_use]
    pub fn offer_status(&self, status: &str) -> String {
        if self.settings.capitalized_offer_status {
            let mut c = status.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        } else {
            status.to_lowercase()
        }
    }
}
