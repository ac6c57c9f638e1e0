//! The fake's employee endpoints: create (201 + `Location`), update by POST,
//! get, directory (active employees, 404 when empty) and custom reports.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::directory::{DIRECTORY_FIELDS, DirectoryBody, display_name};
use super::{FakeData, FakeState, LIST_FIELDS, UnknownListValue, error_answer};

fn parse_object(body: &Bytes) -> Result<Map<String, Value>, Box<Response>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(Box::new(error_answer(StatusCode::BAD_REQUEST, "Invalid JSON in request body"))),
    }
}

/// Checks values the way BambooHR does; returns the fields to store.
fn checked_fields(
    data: &FakeData,
    mut fields: Map<String, Value>,
    own_id: Option<&str>,
) -> Result<Map<String, Value>, Box<Response>> {
    fields.remove("id");
    if let Some(date) = fields.get("hireDate") {
        let ok = date.as_str().is_some_and(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok());
        if !ok {
            return Err(Box::new(error_answer(
                StatusCode::BAD_REQUEST,
                &format!("hireDate {date} is not a valid date (YYYY-MM-DD)"),
            )));
        }
    }
    if let Some(email) = fields.get("workEmail").and_then(Value::as_str) {
        let taken = data
            .employees
            .positions_with_work_email(email)
            .iter()
            .map(|&position| &data.employees[position])
            .find(|e| e.get("id").and_then(Value::as_str) != own_id);
        if let Some(other) = taken {
            let other_id = other.get("id").and_then(Value::as_str).unwrap_or_default();
            return Err(Box::new(error_answer(
                StatusCode::CONFLICT,
                &format!("workEmail '{email}' is already used by employee {other_id}"),
            )));
        }
    }
    for field in LIST_FIELDS {
        let (Some(options), Some(value)) = (data.options.get(field), fields.get(field)) else { continue };
        let text = value.as_str().unwrap_or_default();
        if options.iter().any(|o| o == text) {
            continue;
        }
        match data.settings.unknown_list_value {
            UnknownListValue::Conflict => {
                return Err(Box::new(error_answer(
                    StatusCode::CONFLICT,
                    &format!("{field} '{text}' is not an existing option"),
                )));
            }
            UnknownListValue::Drop => {
                fields.remove(field);
            }
        }
    }
    Ok(fields)
}

/// Stores a new employee and returns its id (used by the API and the control API).
pub fn insert_employee(data: &mut FakeData, mut fields: Map<String, Value>) -> String {
    let id = data.next_id.to_string();
    data.next_id += 1;
    fields.insert("id".into(), Value::String(id.clone()));
    fields.entry("status").or_insert_with(|| Value::String("Active".into()));
    data.employees.push(fields);
    id
}

/// `POST /v1/employees`: 201 with an empty body and `Location`.
pub async fn create_employee(
    State(state): State<FakeState>,
    Path(params): Path<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let fields = match parse_object(&body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    for name in ["firstName", "lastName"] {
        if fields.get(name).and_then(Value::as_str).is_none_or(|v| v.trim().is_empty()) {
            return error_answer(StatusCode::BAD_REQUEST, &format!("{name} is required"));
        }
    }
    let mut data = state.data();
    let fields = match checked_fields(&data, fields, None) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let id = insert_employee(&mut data, fields);
    let location = match params.get("company") {
        Some(company) => format!("{}/api/gateway.php/{company}/v1/employees/{id}", state.public_url),
        None => format!("{}/api/v1/employees/{id}", state.public_url),
    };
    let mut response = StatusCode::CREATED.into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(axum::http::header::LOCATION, value);
    }
    response
}

/// `POST /v1/employees/{id}`: a partial update, 200 with an empty body.
pub async fn update_employee(
    State(state): State<FakeState>,
    Path(params): Path<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let fields = match parse_object(&body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let id = params.get("id").cloned().unwrap_or_default();
    let mut data = state.data();
    let Some(index) = data.employees.position_of_id(&id) else {
        return error_answer(StatusCode::NOT_FOUND, &format!("Employee {id} not found"));
    };
    let fields = match checked_fields(&data, fields, Some(&id)) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    data.employees.update(index, fields);
    StatusCode::OK.into_response()
}

/// `GET /v1/employees/{id}?fields=a,b`: a flat object of the asked fields.
pub async fn get_employee(
    State(state): State<FakeState>,
    Path(params): Path<HashMap<String, String>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let id = params.get("id").cloned().unwrap_or_default();
    let data = state.data();
    let Some(employee) = data.employees.position_of_id(&id).map(|position| &data.employees[position]) else {
        return error_answer(StatusCode::NOT_FOUND, &format!("Employee {id} not found"));
    };
    let wanted = query.get("fields").map_or("firstName,lastName", String::as_str);
    let mut out = Map::new();
    out.insert("id".into(), Value::String(id.clone()));
    for field in wanted.split(',').map(str::trim).filter(|f| !f.is_empty()).take(400) {
        out.insert(field.to_owned(), employee.get(field).cloned().unwrap_or(Value::Null));
    }
    Json(Value::Object(out)).into_response()
}

/// `GET /v1/employees/directory`: active employees; 403 when not shared, 404 when empty.
///
/// The lock is held only to take the cached body (or the cached rows); the
/// body is assembled outside it and kept until an employee changes.
pub async fn directory(State(state): State<FakeState>, headers: HeaderMap) -> Response {
    let snapshot = {
        let mut data = state.data();
        if !data.settings.directory_shared {
            return error_answer(StatusCode::FORBIDDEN, "The employee directory is not shared");
        }
        data.employees.directory_snapshot()
    };
    if snapshot.listed == 0 {
        return error_answer(StatusCode::NOT_FOUND, "The directory is empty");
    }
    let wants_json = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    if !wants_json {
        // BambooHR answers XML unless asked for JSON.
        let body = format!("<?xml version=\"1.0\"?><directory><employees count=\"{}\"/></directory>", snapshot.listed);
        return ([(axum::http::header::CONTENT_TYPE, "text/xml")], body).into_response();
    }
    let body = match snapshot.body {
        DirectoryBody::Ready(body) => body,
        DirectoryBody::Rows { rows, generation } => {
            let body = DirectoryBody::assemble(&rows);
            drop(rows);
            state.data().employees.keep_directory_body(generation, body.clone(), snapshot.listed);
            body
        }
    };
    ([(axum::http::header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// `POST /v1/reports/custom?format=JSON`: every employee (inactive too), unknown fields dropped.
pub async fn custom_report(State(state): State<FakeState>, body: Bytes) -> Response {
    let request = match parse_object(&body) {
        Ok(r) => r,
        Err(r) => return *r,
    };
    let known = |f: &str| f == "id" || f == "status" || DIRECTORY_FIELDS.iter().any(|(id, _, _)| *id == f);
    let fields: Vec<String> = request
        .get("fields")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).filter(|f| known(f)).map(str::to_owned).collect())
        .unwrap_or_default();
    let data = state.data();
    let employees: Vec<Value> = data
        .employees
        .iter()
        .map(|e| {
            let mut row = Map::new();
            for field in &fields {
                let value = if field == "displayName" {
                    Value::String(display_name(e))
                } else {
                    e.get(field).cloned().unwrap_or(Value::Null)
                };
                row.insert(field.clone(), value);
            }
            row.insert("id".into(), e.get("id").cloned().unwrap_or(Value::Null));
            Value::Object(row)
        })
        .collect();
    let title = request.get("title").cloned().unwrap_or(Value::Null);
    let field_list: Vec<Value> = fields.iter().map(|f| json!({"id": f, "name": f})).collect();
    Json(json!({"title": title, "fields": field_list, "employees": employees})).into_response()
}
