//! The fake's people endpoints: create, search, read one, update (patch,
//! 304 when unchanged) and email change.

use std::collections::HashMap;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use tokio::time::Instant;

use super::{FakeData, FakeState, Person, UnknownListValue, error_answer, too_many_requests};

fn parse_object(body: &Bytes) -> Result<Map<String, Value>, Box<Response>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(Box::new(error_answer(
            StatusCode::BAD_REQUEST,
            "malformedJson",
            "The request body is not a JSON object",
        ))),
    }
}

fn text<'a>(record: &'a Map<String, Value>, path: &str) -> Option<&'a str> {
    let mut parts = path.split('.');
    let first = record.get(parts.next()?)?;
    parts.try_fold(first, |v, p| v.get(p))?.as_str()
}

fn bad_request(key: &str, error: &str) -> Response {
    error_answer(StatusCode::BAD_REQUEST, key, error)
}

/// Checks names, dates, list values and email uniqueness.
fn check_values(data: &FakeData, record: &Map<String, Value>, own_id: Option<&str>) -> Result<(), Box<Response>> {
    for name in ["firstName", "surname"] {
        if text(record, name).is_some_and(|v| v.chars().count() > 50) {
            return Err(Box::new(bad_request(name, &format!("{name} must be at most 50 characters"))));
        }
    }
    if let Some(date) = text(record, "work.startDate")
        && chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_err()
    {
        return Err(Box::new(bad_request(
            "work.startDate",
            &format!("work.startDate '{date}' is not a date (YYYY-MM-DD)"),
        )));
    }
    if data.settings.unknown_list_value == UnknownListValue::Reject {
        for list in ["site", "department"] {
            let path = format!("work.{list}");
            let (Some(value), Some(values)) = (text(record, &path), data.lists.get(list)) else { continue };
            if !values.iter().any(|v| v == value) {
                return Err(Box::new(bad_request(
                    &path,
                    &format!("{path} '{value}' is not a value of the {list} list"),
                )));
            }
        }
    }
    if let Some(email) = text(record, "email") {
        let taken = data.people.iter().any(|p| {
            text(&p.record, "email").is_some_and(|e| e.eq_ignore_ascii_case(email)) && text(&p.record, "id") != own_id
        });
        if taken {
            return Err(Box::new(bad_request("email", &format!("An employee with email '{email}' already exists"))));
        }
    }
    Ok(())
}

fn display_name(record: &Map<String, Value>) -> Value {
    let name =
        format!("{} {}", text(record, "firstName").unwrap_or_default(), text(record, "surname").unwrap_or_default());
    Value::String(name.trim().to_owned())
}

fn visible_after(data: &FakeData) -> Instant {
    Instant::now() + Duration::from_millis(data.settings.read_lag_ms)
}

/// Stores a person (used by the API and the control API) and returns the stored record.
pub fn insert_person(data: &mut FakeData, mut record: Map<String, Value>, active: bool) -> Map<String, Value> {
    let id = data.next_id.to_string();
    data.next_id += 1;
    record.insert("id".into(), Value::String(id));
    let name = display_name(&record);
    record.insert("displayName".into(), name);
    record.entry("work").or_insert_with(|| json!({}));
    let visible_at = visible_after(data);
    data.people.push(Person { record: record.clone(), active, visible_at });
    record
}

/// `POST /v1/people`: 200 with the Employee object.
pub async fn create_person(State(state): State<FakeState>, body: Bytes) -> Response {
    let record = match parse_object(&body) {
        Ok(r) => r,
        Err(r) => return *r,
    };
    for required in ["email", "firstName", "surname", "work.site", "work.startDate"] {
        if text(&record, required).is_none_or(|v| v.trim().is_empty()) {
            return bad_request(required, &format!("{required} is required"));
        }
    }
    let mut data = state.data();
    if let Err(r) = check_values(&data, &record, None) {
        return *r;
    }
    Json(insert_person(&mut data, record, true)).into_response()
}

/// Keeps only the asked field paths (`root.email`, `work.title`).
fn project(record: &Map<String, Value>, fields: &[String]) -> Value {
    if fields.is_empty() {
        return Value::Object(record.clone());
    }
    let mut out = Map::new();
    for field in fields {
        let path = field.strip_prefix("root.").unwrap_or(field);
        let mut parts = path.split('.');
        let Some(head) = parts.next() else { continue };
        let rest: Vec<&str> = parts.collect();
        let Some(value) = rest.iter().try_fold(record.get(head), |v, p| Some(v?.get(*p))).flatten() else { continue };
        if rest.is_empty() {
            out.insert(head.to_owned(), value.clone());
        } else if let Value::Object(inner) = out.entry(head.to_owned()).or_insert_with(|| json!({})) {
            inner.insert(rest.join("."), value.clone());
        }
    }
    Value::Object(out)
}

/// `POST /v1/people/search`: at most one `equals` filter on `root.email` or `root.id`, no paging.
pub async fn search_people(State(state): State<FakeState>, body: Bytes) -> Response {
    let request = match parse_object(&body) {
        Ok(r) => r,
        Err(r) => return *r,
    };
    let data = state.data();
    if let Some(limiter) = &data.search_limiter
        && let Err(not_until) = limiter.check()
    {
        let wait = not_until.wait_time_from(governor::clock::Clock::now(&governor::clock::DefaultClock::default()));
        return too_many_requests(data.settings.search_per_minute, wait.as_secs() + 1);
    }
    let filters = request.get("filters").and_then(Value::as_array).cloned().unwrap_or_default();
    if filters.len() > 1 {
        return bad_request("filters", "At most one filter is supported");
    }
    let filter = match filters.first() {
        None => None,
        Some(f) => {
            let path = f.get("fieldPath").and_then(Value::as_str).unwrap_or_default();
            let operator = f.get("operator").and_then(Value::as_str).unwrap_or_default();
            let values: Vec<String> = f
                .get("values")
                .and_then(Value::as_array)
                .map(|v| v.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .unwrap_or_default();
            if !matches!(path, "root.email" | "root.id") || operator != "equals" {
                return bad_request("filters", &format!("Unsupported filter {path} {operator}"));
            }
            Some((path.trim_start_matches("root.").to_owned(), values))
        }
    };
    let fields: Vec<String> = request
        .get("fields")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    if fields.len() > 400 {
        return bad_request("fields", "At most 400 fields can be requested");
    }
    let show_inactive = request.get("showInactive").and_then(Value::as_bool).unwrap_or(false);
    let now = Instant::now();
    let employees: Vec<Value> = data
        .people
        .iter()
        .filter(|p| p.visible_at <= now && (p.active || show_inactive))
        .filter(|p| {
            filter.as_ref().is_none_or(|(key, values)| {
                text(&p.record, key).is_some_and(|v| values.iter().any(|w| w.eq_ignore_ascii_case(v)))
            })
        })
        .map(|p| project(&p.record, &fields))
        .collect();
    Json(json!({"employees": employees})).into_response()
}

fn find_index(data: &FakeData, identifier: &str) -> Option<usize> {
    data.people.iter().position(|p| {
        text(&p.record, "id") == Some(identifier)
            || text(&p.record, "email").is_some_and(|e| e.eq_ignore_ascii_case(identifier))
    })
}

fn not_found(identifier: &str) -> Response {
    error_answer(StatusCode::NOT_FOUND, "notFound", &format!("Employee {identifier} not found"))
}

/// `POST /v1/people/{id-or-email}` with `{fields}`: one person.
pub async fn read_person(
    State(state): State<FakeState>,
    Path(params): Path<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let identifier = params.get("id").cloned().unwrap_or_default();
    let fields: Vec<String> = parse_object(&body)
        .ok()
        .and_then(|r| {
            r.get("fields")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        })
        .unwrap_or_default();
    let data = state.data();
    match find_index(&data, &identifier) {
        Some(i) if data.people[i].visible_at <= Instant::now() => {
            Json(project(&data.people[i].record, &fields)).into_response()
        }
        _ => not_found(&identifier),
    }
}

/// Merges `patch` into `target`; whether anything changed.
fn merge(target: &mut Map<String, Value>, patch: &Map<String, Value>) -> bool {
    let mut changed = false;
    for (key, value) in patch {
        match (target.get_mut(key), value) {
            (Some(Value::Object(inner)), Value::Object(patch_inner)) => changed |= merge(inner, patch_inner),
            (Some(existing), _) if existing == value => {}
            _ => {
                target.insert(key.clone(), value.clone());
                changed = true;
            }
        }
    }
    changed
}

/// `PUT /v1/people/{id}`: a patch of fields; 304 when nothing changes.
pub async fn update_person(
    State(state): State<FakeState>,
    Path(params): Path<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let mut patch = match parse_object(&body) {
        Ok(r) => r,
        Err(r) => return *r,
    };
    patch.remove("id");
    if patch.contains_key("email") {
        return bad_request("email", "email is changed with PUT /v1/people/{id}/email");
    }
    let identifier = params.get("id").cloned().unwrap_or_default();
    let mut data = state.data();
    let Some(index) = find_index(&data, &identifier) else { return not_found(&identifier) };
    let mut record = data.people[index].record.clone();
    if !merge(&mut record, &patch) {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    if let Err(r) = check_values(&data, &record, text(&record, "id")) {
        return *r;
    }
    let name = display_name(&record);
    record.insert("displayName".into(), name);
    let visible_at = visible_after(&data);
    data.people[index].record = record;
    data.people[index].visible_at = visible_at;
    StatusCode::OK.into_response()
}

/// `PUT /v1/people/{id}/email`: changes the work email; 304 when it already was that.
pub async fn update_email(
    State(state): State<FakeState>,
    Path(params): Path<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let request = match parse_object(&body) {
        Ok(r) => r,
        Err(r) => return *r,
    };
    let Some(email) = request.get("email").and_then(Value::as_str).map(str::to_owned) else {
        return bad_request("email", "email is required");
    };
    let identifier = params.get("id").cloned().unwrap_or_default();
    let mut data = state.data();
    let Some(index) = find_index(&data, &identifier) else { return not_found(&identifier) };
    if text(&data.people[index].record, "email") == Some(email.as_str()) {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let mut record = data.people[index].record.clone();
    record.insert("email".into(), Value::String(email));
    if let Err(r) = check_values(&data, &record, text(&record, "id")) {
        return *r;
    }
    data.people[index].record = record;
    StatusCode::OK.into_response()
}
