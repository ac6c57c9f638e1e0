//! The fake's employee endpoints: list (email filter, paging), get, create
//! (JSON or form) and patch, with Personio's envelopes and attribute objects.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde_json::{Map, Value, json};

use super::{EmailInUpdate, FakeData, FakeState, error_answer};

/// Plain fields with their label and attribute type.
const LABELS: [(&str, &str, &str); 10] = [
    ("id", "ID", "integer"),
    ("first_name", "First name", "standard"),
    ("last_name", "Last name", "standard"),
    ("preferred_name", "Name (preferred)", "standard"),
    ("email", "Email", "standard"),
    ("gender", "Gender", "standard"),
    ("status", "Status", "standard"),
    ("position", "Position", "standard"),
    ("hire_date", "Hire date", "date"),
    ("weekly_working_hours", "Weekly hours", "standard"),
];

/// Org-unit fields with their label and object type.
const ORG_UNITS: [(&str, &str, &str); 3] = [
    ("department", "Department", "Department"),
    ("office", "Office", "Office"),
    ("subcompany", "Subcompany", "Subcompany"),
];

fn unprocessable(message: &str) -> Response {
    error_answer(StatusCode::UNPROCESSABLE_ENTITY, message)
}

/// The `employee` object of a JSON body, or of form fields `employee[x]=…`.
fn employee_fields(headers: &HeaderMap, body: &Bytes) -> Result<Map<String, Value>, Box<Response>> {
    let form = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if form {
        let fields = url::form_urlencoded::parse(body)
            .filter_map(|(k, v)| {
                let key = k.strip_prefix("employee[")?.strip_suffix(']')?.to_owned();
                Some((key, Value::String(v.into_owned())))
            })
            .collect();
        return Ok(fields);
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(mut envelope)) => match envelope.remove("employee") {
            Some(Value::Object(fields)) => Ok(fields),
            _ => Err(Box::new(unprocessable("The employee field is required."))),
        },
        _ => Err(Box::new(error_answer(StatusCode::BAD_REQUEST, "The request body is not valid JSON"))),
    }
}

/// Drops unknown org units (with a warning each) and checks the rest; returns the warnings.
fn checked_fields(
    data: &FakeData,
    fields: &mut Map<String, Value>,
    own_id: Option<u64>,
) -> Result<Vec<Value>, Box<Response>> {
    let mut warnings = Vec::new();
    for (kind, label, _) in ORG_UNITS {
        let Some(name) = fields.get(kind).and_then(Value::as_str).map(str::to_owned) else { continue };
        let known = data.org_units.get(kind).is_some_and(|names| names.contains(&name));
        if !known {
            fields.remove(kind);
            warnings
                .push(json!({"field": kind, "message": format!("{label} '{name}' does not exist and was ignored")}));
        }
    }
    if let Some(date) = fields.get("hire_date")
        && date.as_str().and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()).is_none()
    {
        return Err(Box::new(unprocessable(&format!("The hire_date {date} is not a valid date (YYYY-MM-DD)."))));
    }
    if let Some(supervisor) = fields.get("supervisor_id") {
        let id = supervisor.as_u64().or_else(|| supervisor.as_str().and_then(|s| s.parse().ok()));
        let exists =
            id.is_some_and(|id| data.employees.iter().any(|e| e.get("id").and_then(Value::as_u64) == Some(id)));
        if !exists {
            return Err(Box::new(unprocessable(&format!("Supervisor with ID {supervisor} not found"))));
        }
    }
    if let Some(email) = fields.get("email").and_then(Value::as_str) {
        let taken = data.employees.iter().any(|e| {
            e.get("email").and_then(Value::as_str).is_some_and(|m| m.eq_ignore_ascii_case(email))
                && e.get("id").and_then(Value::as_u64) != own_id
        });
        if taken {
            return Err(Box::new(unprocessable("The email has already been taken.")));
        }
    }
    Ok(warnings)
}

/// Stores an employee (used by the API and the control API); derives `status` from `hire_date`.
pub fn insert_employee(data: &mut FakeData, mut fields: Map<String, Value>) -> u64 {
    let id = data.next_id;
    data.next_id += 1;
    fields.insert("id".into(), json!(id));
    if !fields.contains_key("status") {
        let today = chrono::Utc::now().date_naive();
        let future = fields
            .get("hire_date")
            .and_then(Value::as_str)
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .is_some_and(|d| d > today);
        fields.insert("status".into(), json!(if future { "onboarding" } else { "active" }));
    }
    data.employees.push(fields);
    id
}

/// An employee as `{type: Employee, attributes: {key: {label, value, type, universal_id}}}`.
fn employee_resource(data: &FakeData, employee: &Map<String, Value>) -> Value {
    let mut attributes = Map::new();
    for (key, label, kind) in LABELS {
        let mut value = employee.get(key).cloned().unwrap_or(Value::Null);
        if key == "hire_date"
            && let Some(date) = value.as_str()
        {
            value = json!(format!("{date}T00:00:00+00:00"));
        }
        attributes.insert(key.into(), json!({"label": label, "value": value, "type": kind, "universal_id": key}));
    }
    for (key, label, object_type) in ORG_UNITS {
        let value = employee.get(key).and_then(Value::as_str).map_or(Value::Null, |name| {
            let index = data.org_units.get(key).and_then(|names| names.iter().position(|n| n == name)).unwrap_or(0);
            json!({"type": object_type, "attributes": {"id": 1000 + index, "name": name}})
        });
        attributes.insert(key.into(), json!({"label": label, "value": value, "type": "standard", "universal_id": key}));
    }
    if let Some(supervisor) = employee.get("supervisor_id") {
        let value = json!({"type": "Employee", "attributes": {"id": {"label": "ID", "value": supervisor, "type": "integer", "universal_id": "id"}}});
        attributes.insert(
            "supervisor".into(),
            json!({"label": "Supervisor", "value": value, "type": "standard", "universal_id": "supervisor"}),
        );
    }
    if let Some(Value::Object(custom)) = employee.get("custom_attributes") {
        for (key, value) in custom {
            attributes
                .insert(key.clone(), json!({"label": key, "value": value, "type": "standard", "universal_id": null}));
        }
    }
    json!({"type": "Employee", "attributes": attributes})
}

/// `GET /v1/company/employees?email=&limit=&offset=` (email is ignored when `updated_since` is set).
pub async fn list_employees(State(state): State<FakeState>, Query(query): Query<HashMap<String, String>>) -> Response {
    let limit: usize = query.get("limit").and_then(|l| l.parse().ok()).unwrap_or(10).clamp(1, 200);
    let offset: usize = query.get("offset").and_then(|o| o.parse().ok()).unwrap_or(0);
    let email = if query.contains_key("updated_since") { None } else { query.get("email") };
    let data = state.data();
    let matching: Vec<&Map<String, Value>> = data
        .employees
        .iter()
        .filter(|e| {
            email.is_none_or(|m| e.get("email").and_then(Value::as_str).is_some_and(|v| v.eq_ignore_ascii_case(m)))
        })
        .collect();
    let total = matching.len();
    let page: Vec<Value> = matching.iter().skip(offset).take(limit).map(|e| employee_resource(&data, e)).collect();
    Json(json!({
        "success": true,
        "metadata": {"total_elements": total, "current_page": offset / limit, "total_pages": total.div_ceil(limit)},
        "offset": offset,
        "limit": limit,
        "data": page,
    }))
    .into_response()
}

fn find_index(data: &FakeData, params: &HashMap<String, String>) -> Option<usize> {
    let id: u64 = params.get("id")?.parse().ok()?;
    data.employees.iter().position(|e| e.get("id").and_then(Value::as_u64) == Some(id))
}

/// `GET /v1/company/employees/{id}`.
pub async fn get_employee(State(state): State<FakeState>, Path(params): Path<HashMap<String, String>>) -> Response {
    let data = state.data();
    match find_index(&data, &params) {
        Some(i) => Json(json!({"success": true, "data": employee_resource(&data, &data.employees[i])})).into_response(),
        None => error_answer(StatusCode::NOT_FOUND, "Employee not found"),
    }
}

/// `POST /v1/company/employees`: 200 `{success, data{id, message}}`, or 422.
pub async fn create_employee(State(state): State<FakeState>, headers: HeaderMap, body: Bytes) -> Response {
    let mut fields = match employee_fields(&headers, &body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    for required in ["email", "first_name", "last_name"] {
        if fields.get(required).and_then(Value::as_str).is_none_or(|v| v.trim().is_empty()) {
            return unprocessable(&format!("The {required} field is required."));
        }
    }
    let mut data = state.data();
    let warnings = match checked_fields(&data, &mut fields, None) {
        Ok(w) => w,
        Err(r) => return *r,
    };
    let id = insert_employee(&mut data, fields);
    Json(json!({"success": true, "data": {"id": id, "message": "success"}, "meta": warnings})).into_response()
}

/// `PATCH /v1/company/employees/{id}`: listed fields only; email is immutable.
pub async fn update_employee(
    State(state): State<FakeState>,
    Path(params): Path<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut fields = match employee_fields(&headers, &body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let mut data = state.data();
    let Some(index) = find_index(&data, &params) else {
        return error_answer(StatusCode::NOT_FOUND, "Employee not found");
    };
    if fields.contains_key("email") {
        match data.settings.email_in_update {
            EmailInUpdate::Reject => return unprocessable("The email cannot be changed."),
            EmailInUpdate::Ignore => {
                fields.remove("email");
            }
        }
    }
    fields.remove("id");
    let own_id = data.employees[index].get("id").and_then(Value::as_u64);
    let warnings = match checked_fields(&data, &mut fields, own_id) {
        Ok(w) => w,
        Err(r) => return *r,
    };
    data.employees[index].extend(fields);
    Json(json!({"success": true, "data": {"id": own_id}, "meta": warnings})).into_response()
}
