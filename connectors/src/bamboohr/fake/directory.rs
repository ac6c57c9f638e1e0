//! The fake's employee records and the directory's JSON, kept cheap to serve:
//! each employee's directory row is serialised once (and again only after that
//! employee changes), and the assembled body is cached until any employee
//! changes. All changes go through [`EmployeeRecords`], which invalidates both
//! and keeps the lookups by id and by work email in step.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Bytes;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value, json};

/// The fields the directory shows: API name, type, label.
pub const DIRECTORY_FIELDS: [(&str, &str, &str); 9] = [
    ("displayName", "text", "Display name"),
    ("firstName", "text", "First name"),
    ("lastName", "text", "Last name"),
    ("jobTitle", "list", "Job title"),
    ("workEmail", "email", "Work Email"),
    ("department", "list", "Department"),
    ("location", "list", "Location"),
    ("division", "list", "Division"),
    ("mobilePhone", "text", "Mobile Phone"),
];

/// `{"fields":[…],"employees":[`: what every JSON directory starts with.
static BODY_START: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let fields: Vec<Value> =
        DIRECTORY_FIELDS.iter().map(|(id, ty, name)| json!({"id": id, "type": ty, "name": name})).collect();
    let mut start = br#"{"fields":"#.to_vec();
    serde_json::to_writer(&mut start, &fields).unwrap_or_default();
    start.extend_from_slice(br#","employees":["#);
    start
});

/// What every JSON directory ends with.
const BODY_END: &[u8] = b"]}";

/// Generations are unique across all instances, so a body assembled from
/// records that were since changed or reset is never kept.
static NEXT_GENERATION: AtomicU64 = AtomicU64::new(1);

fn next_generation() -> u64 {
    NEXT_GENERATION.fetch_add(1, Ordering::Relaxed)
}

/// The display name: the preferred (or first) name and the last name.
pub fn display_name(employee: &Map<String, Value>) -> String {
    let part = |k: &str| employee.get(k).and_then(Value::as_str).unwrap_or_default();
    let first = employee.get("preferredName").and_then(Value::as_str).unwrap_or_else(|| part("firstName"));
    format!("{first} {}", part("lastName")).trim().to_owned()
}

/// Whether the directory shows this employee (inactive ones are left out).
fn is_listed(employee: &Map<String, Value>) -> bool {
    employee.get("status").and_then(Value::as_str) != Some("Inactive")
}

/// One employee as a directory row: `id`, then [`DIRECTORY_FIELDS`] in order, missing ones `null`.
struct DirectoryRow<'a>(&'a Map<String, Value>);

impl Serialize for DirectoryRow<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let employee = self.0;
        let mut row = serializer.serialize_map(Some(1 + DIRECTORY_FIELDS.len()))?;
        row.serialize_entry("id", employee.get("id").unwrap_or(&Value::Null))?;
        for (field, _, _) in DIRECTORY_FIELDS {
            if field == "displayName" {
                row.serialize_entry(field, &display_name(employee))?;
            } else {
                row.serialize_entry(field, employee.get(field).unwrap_or(&Value::Null))?;
            }
        }
        row.end()
    }
}

/// An employee's part of the directory, as far as it is known.
#[derive(Debug, Clone)]
enum CachedRow {
    /// Not serialised since the employee last changed.
    Stale,
    /// Inactive: not in the directory.
    Unlisted,
    /// The row's JSON.
    Listed(Bytes),
}

/// What a directory request needs, taken under the lock.
#[derive(Debug)]
pub struct DirectorySnapshot {
    /// How many employees the directory lists.
    pub listed: usize,
    /// The JSON body, or the rows to assemble it from.
    pub body: DirectoryBody,
}

/// The JSON directory, ready or in parts.
#[derive(Debug)]
pub enum DirectoryBody {
    /// The cached body.
    Ready(Bytes),
    /// The listed rows in order, and the generation they belong to (for [`EmployeeRecords::keep_directory_body`]).
    Rows { rows: Vec<Bytes>, generation: u64 },
}

impl DirectoryBody {
    /// The JSON body, assembling it from its rows if needed (do this outside the lock).
    #[must_use]
    pub fn assemble(rows: &[Bytes]) -> Bytes {
        let length = BODY_START.len() + rows.iter().map(|r| r.len() + 1).sum::<usize>() + BODY_END.len();
        let mut body = Vec::with_capacity(length);
        body.extend_from_slice(&BODY_START);
        for (index, row) in rows.iter().enumerate() {
            if index > 0 {
                body.push(b',');
            }
            body.extend_from_slice(row);
        }
        body.extend_from_slice(BODY_END);
        Bytes::from(body)
    }
}

/// The employees by insertion order (each a flat field map with a string `id`),
/// with their directory rows and the directory body cached.
#[derive(Debug)]
pub struct EmployeeRecords {
    records: Vec<Map<String, Value>>,
    rows: Vec<CachedRow>,
    /// Changes with every change of any employee.
    generation: u64,
    /// The JSON body of `generation` and how many employees it lists.
    body: Option<(Bytes, usize)>,
    /// Position of the first employee with each id.
    by_id: HashMap<String, usize>,
    /// Positions (ascending) of the employees with each work email, lowercased (BambooHR compares work emails
    /// ignoring ASCII case).
    by_work_email: HashMap<String, Vec<usize>>,
}

impl Default for EmployeeRecords {
    fn default() -> Self {
        Self {
            records: Vec::new(),
            rows: Vec::new(),
            generation: next_generation(),
            body: None,
            by_id: HashMap::new(),
            by_work_email: HashMap::new(),
        }
    }
}

/// The employee's work email, the key of `by_work_email`.
fn work_email_key(employee: &Map<String, Value>) -> Option<String> {
    employee.get("workEmail").and_then(Value::as_str).map(str::to_ascii_lowercase)
}

/// The employee's id.
fn id_of(employee: &Map<String, Value>) -> Option<&str> {
    employee.get("id").and_then(Value::as_str)
}

impl Deref for EmployeeRecords {
    type Target = [Map<String, Value>];

    fn deref(&self) -> &Self::Target {
        &self.records
    }
}

impl EmployeeRecords {
    fn changed(&mut self) {
        self.generation = next_generation();
        self.body = None;
    }

    /// Adds an employee at the end.
    pub fn push(&mut self, employee: Map<String, Value>) {
        self.records.push(employee);
        self.rows.push(CachedRow::Stale);
        self.index(self.records.len() - 1);
        self.changed();
    }

    /// Sets the given fields of the employee at `index` (others are kept).
    ///
    /// # Panics
    /// When `index` is out of range.
    pub fn update(&mut self, index: usize, fields: Map<String, Value>) {
        self.unindex(index);
        self.records[index].extend(fields);
        self.index(index);
        self.rows[index] = CachedRow::Stale;
        self.changed();
    }

    /// The position of the (first) employee with id `id`.
    #[must_use]
    pub fn position_of_id(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// The positions, ascending, of the employees whose work email is `email` ignoring ASCII case.
    #[must_use]
    pub fn positions_with_work_email(&self, email: &str) -> &[usize] {
        self.by_work_email.get(&email.to_ascii_lowercase()).map_or(&[], Vec::as_slice)
    }

    fn index(&mut self, position: usize) {
        let employee = &self.records[position];
        if let Some(id) = id_of(employee) {
            let first = self.by_id.entry(id.to_owned()).or_insert(position);
            *first = (*first).min(position);
        }
        if let Some(key) = work_email_key(employee) {
            let positions = self.by_work_email.entry(key).or_default();
            if let Err(at) = positions.binary_search(&position) {
                positions.insert(at, position);
            }
        }
    }

    fn unindex(&mut self, position: usize) {
        let employee = &self.records[position];
        if let Some(id) = id_of(employee)
            && self.by_id.get(id) == Some(&position)
        {
            // Another employee with the same id (only the control API could make one) becomes the first.
            let next = self.records.iter().enumerate().skip(position + 1).find(|(_, e)| id_of(e) == Some(id)).map(|(i, _)| i);
            match next {
                Some(next) => self.by_id.insert(id.to_owned(), next),
                None => self.by_id.remove(id),
            };
        }
        if let Some(key) = work_email_key(employee)
            && let Some(positions) = self.by_work_email.get_mut(&key)
        {
            positions.retain(|&p| p != position);
            if positions.is_empty() {
                self.by_work_email.remove(&key);
            }
        }
    }

    /// The cached body, or the listed rows to build it from (serialising only
    /// the rows of employees that changed since the last request).
    pub fn directory_snapshot(&mut self) -> DirectorySnapshot {
        if let Some((body, listed)) = &self.body {
            return DirectorySnapshot { listed: *listed, body: DirectoryBody::Ready(body.clone()) };
        }
        let mut rows = Vec::with_capacity(self.rows.len());
        for (cached, employee) in self.rows.iter_mut().zip(&self.records) {
            if matches!(cached, CachedRow::Stale) {
                *cached = if is_listed(employee) {
                    CachedRow::Listed(Bytes::from(serde_json::to_vec(&DirectoryRow(employee)).unwrap_or_default()))
                } else {
                    CachedRow::Unlisted
                };
            }
            if let CachedRow::Listed(row) = cached {
                rows.push(row.clone());
            }
        }
        DirectorySnapshot { listed: rows.len(), body: DirectoryBody::Rows { rows, generation: self.generation } }
    }

    /// Keeps `body`, assembled from the rows of `generation`, unless an employee changed since.
    pub fn keep_directory_body(&mut self, generation: u64, body: Bytes, listed: usize) {
        if generation == self.generation {
            self.body = Some((body, listed));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, Value, json};

    use super::{DIRECTORY_FIELDS, DirectoryBody, EmployeeRecords, display_name};

    /// The directory as the fake built it before: a `Value` tree of the active employees.
    fn value_tree_directory(employees: &[Map<String, Value>]) -> Vec<u8> {
        let fields: Vec<Value> =
            DIRECTORY_FIELDS.iter().map(|(id, ty, name)| json!({"id": id, "type": ty, "name": name})).collect();
        let rows: Vec<Value> = employees
            .iter()
            .filter(|e| e.get("status").and_then(Value::as_str) != Some("Inactive"))
            .map(|e| {
                let mut row = Map::new();
                row.insert("id".into(), e.get("id").cloned().unwrap_or(Value::Null));
                for (field, _, _) in DIRECTORY_FIELDS {
                    let value = if field == "displayName" {
                        Value::String(display_name(e))
                    } else {
                        e.get(field).cloned().unwrap_or(Value::Null)
                    };
                    row.insert(field.into(), value);
                }
                Value::Object(row)
            })
            .collect();
        serde_json::to_vec(&json!({"fields": fields, "employees": rows})).unwrap()
    }

    fn employee(value: Value) -> Map<String, Value> {
        let Value::Object(map) = value else { panic!("not an object: {value}") };
        map
    }

    /// The JSON body the fake serves now, and how many employees it lists.
    fn served(records: &mut EmployeeRecords) -> (Vec<u8>, usize) {
        let snapshot = records.directory_snapshot();
        let body = match snapshot.body {
            DirectoryBody::Ready(body) => body,
            DirectoryBody::Rows { rows, generation } => {
                let body = DirectoryBody::assemble(&rows);
                records.keep_directory_body(generation, body.clone(), snapshot.listed);
                body
            }
        };
        (body.to_vec(), snapshot.listed)
    }

    fn assert_same_as_value_tree(records: &mut EmployeeRecords) {
        let expected = value_tree_directory(records);
        let (body, listed) = served(records);
        assert_eq!(String::from_utf8(body).unwrap(), String::from_utf8(expected).unwrap());
        let active = records.iter().filter(|e| e.get("status").and_then(Value::as_str) != Some("Inactive")).count();
        assert_eq!(listed, active);
        let (again, _) = served(records);
        assert_eq!(String::from_utf8(again).unwrap(), String::from_utf8(value_tree_directory(records)).unwrap());
    }

    #[test]
    fn the_body_is_byte_for_byte_the_value_trees() {
        let mut records = EmployeeRecords::default();
        assert_same_as_value_tree(&mut records);
        records.push(employee(json!({"id": "100", "firstName": "Ada", "lastName": "Lovelace",
            "workEmail": "ada@acme.example", "status": "Active", "department": "Engineering"})));
        records.push(employee(json!({"id": "101", "firstName": "Old", "lastName": "Timer", "status": "Inactive"})));
        records.push(employee(json!({"id": "102", "firstName": "Ren\u{e9}e", "preferredName": "\"Rae\"",
            "lastName": "O'Brien / \\ \u{1F600}", "workEmail": "rae\u{7}@acme.example", "mobilePhone": 4915112345678_u64,
            "location": {"odd": [1.5, null, true]}, "jobTitle": null, "status": "Active"})));
        records.push(employee(json!({"id": "103"})));
        assert_same_as_value_tree(&mut records);
    }

    #[test]
    fn a_change_shows_in_the_next_directory() {
        let mut records = EmployeeRecords::default();
        records
            .push(employee(json!({"id": "100", "firstName": "Ada", "lastName": "L", "workEmail": "ada@acme.example"})));
        records
            .push(employee(json!({"id": "101", "firstName": "Bob", "lastName": "B", "workEmail": "bob@acme.example"})));
        let (before, _) = served(&mut records);
        assert!(String::from_utf8(before).unwrap().contains("ada@acme.example"));

        records.update(0, employee(json!({"workEmail": "ada.l@acme.example"})));
        let (after, listed) = served(&mut records);
        let after = String::from_utf8(after).unwrap();
        assert!(after.contains("ada.l@acme.example") && !after.contains("\"ada@acme.example\""), "{after}");
        assert_eq!(listed, 2);
        assert_same_as_value_tree(&mut records);

        records
            .push(employee(json!({"id": "102", "firstName": "Cy", "lastName": "C", "workEmail": "cy@acme.example"})));
        let (after_create, listed) = served(&mut records);
        assert!(String::from_utf8(after_create).unwrap().contains("cy@acme.example"));
        assert_eq!(listed, 3);

        records.update(1, employee(json!({"status": "Inactive"})));
        let (after_leaving, listed) = served(&mut records);
        assert!(!String::from_utf8(after_leaving).unwrap().contains("bob@acme.example"));
        assert_eq!(listed, 2);
        records.update(1, employee(json!({"status": "Active"})));
        assert_eq!(served(&mut records).1, 3);
        assert_same_as_value_tree(&mut records);
    }

    #[test]
    fn a_body_built_before_a_change_is_not_kept() {
        let mut records = EmployeeRecords::default();
        records.push(employee(json!({"id": "100", "workEmail": "ada@acme.example"})));
        let DirectoryBody::Rows { rows, generation } = records.directory_snapshot().body else {
            panic!("nothing was cached yet")
        };
        let old = DirectoryBody::assemble(&rows);
        // An employee changes while the body is being assembled outside the lock.
        records.update(0, employee(json!({"workEmail": "ada.l@acme.example"})));
        records.keep_directory_body(generation, old, 1);
        let (body, _) = served(&mut records);
        assert!(String::from_utf8(body).unwrap().contains("ada.l@acme.example"));
        // Nor is one from other records (a reset makes new ones).
        let mut reset = EmployeeRecords::default();
        reset.keep_directory_body(generation, DirectoryBody::assemble(&rows), 1);
        assert!(matches!(reset.directory_snapshot().body, DirectoryBody::Rows { .. }));
    }

    #[test]
    fn lookups_by_id_and_work_email_follow_every_change() {
        let mut records = EmployeeRecords::default();
        records.push(employee(json!({"id": "100", "workEmail": "Ada@Example.com"})));
        records.push(employee(json!({"id": "101", "workEmail": "bob@example.com"})));
        records.push(employee(json!({"id": "102", "workEmail": "ada@example.COM", "status": "Inactive"})));
        assert_eq!(records.positions_with_work_email("ADA@example.com"), [0, 2], "ASCII case is ignored, order kept");
        assert_eq!((records.position_of_id("101"), records.position_of_id("999")), (Some(1), None));

        // A changed work email moves the employee from the old key to the new one.
        records.update(0, employee(json!({"workEmail": "ada.lovelace@example.com"})));
        assert_eq!(records.positions_with_work_email("ada@example.com"), [2]);
        assert_eq!(records.positions_with_work_email("Ada.Lovelace@example.com"), [0]);
        // An update without the email keeps it indexed once.
        records.update(0, employee(json!({"jobTitle": "Engineer"})));
        assert_eq!(records.positions_with_work_email("ada.lovelace@example.com"), [0]);
        records.update(2, employee(json!({"workEmail": "ada.lovelace@example.com"})));
        assert_eq!(records.positions_with_work_email("ada.lovelace@example.com"), [0, 2]);
        assert!(records.positions_with_work_email("ada@example.com").is_empty());
        assert_eq!(records.position_of_id("102"), Some(2));
    }
}
