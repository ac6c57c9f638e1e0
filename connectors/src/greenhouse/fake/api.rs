//! The fake's Harvest v3 endpoints: every list (bare JSON arrays, ids descending,
//! `Link rel="next"`), and the writes recipes use (notes, tags, candidate updates).

use axum::Json;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::SharedState;
use super::listing::list_page;
use super::state::RESOURCES;

fn errors(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"errors": [message]}))).into_response()
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Json(json!({"message": "Resource not found"}))).into_response()
}

/// The absolute URL prefix of the mount point, for `Link` headers.
fn public_prefix(state: &SharedState, headers: &HeaderMap, original: &Uri, relative: &Uri) -> String {
    if !state.public_url.is_empty() {
        return state.public_url.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let mount = original.path().strip_suffix(relative.path()).unwrap_or_default();
    format!("http://{host}{mount}")
}

/// `GET /v3/<resource>`.
pub async fn list(
    State(state): State<SharedState>,
    OriginalUri(original): OriginalUri,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let resource = uri.path().trim_start_matches("/v3/").to_owned();
    if !RESOURCES.contains(&resource.as_str()) {
        return not_found();
    }
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .into_owned()
        .collect();
    // Serialized under the lock, from the stored records (the bytes `Json` would give).
    let page = {
        let s = state.lock();
        list_page(&s, &resource, pairs).map(|page| (serde_json::to_vec(&page.records), page.next_cursor))
    };
    match page {
        Err(message) => errors(StatusCode::UNPROCESSABLE_ENTITY, &message),
        Ok((Err(e), _)) => errors(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        Ok((Ok(body), next_cursor)) => {
            let content_type = HeaderValue::from_static("application/json");
            let mut response = ([(header::CONTENT_TYPE, content_type)], body).into_response();
            if let Some(cursor) = next_cursor {
                let link = format!(
                    "<{}/v3/{resource}?cursor={cursor}>; rel=\"next\"",
                    public_prefix(&state, &headers, &original, &uri)
                );
                if let Ok(v) = HeaderValue::from_str(&link) {
                    response.headers_mut().insert(header::LINK, v);
                }
            }
            response
        }
    }
}

fn required_i64(body: &Map<String, Value>, field: &str) -> Result<i64, Box<Response>> {
    body.get(field).and_then(Value::as_i64).ok_or_else(|| {
        Box::new(errors(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("Missing required field: {field}"),
        ))
    })
}

/// `POST /v3/notes` `{candidate_id, application_id?, user_id, body, visibility, note_type}`.
pub async fn create_note(State(state): State<SharedState>, Json(body): Json<Map<String, Value>>) -> Response {
    let candidate_id = match required_i64(&body, "candidate_id") {
        Ok(id) => id,
        Err(r) => return *r,
    };
    let user_id = match required_i64(&body, "user_id") {
        Ok(id) => id,
        Err(r) => return *r,
    };
    let text = body.get("body").and_then(Value::as_str).unwrap_or_default();
    if text.is_empty() {
        return errors(StatusCode::UNPROCESSABLE_ENTITY, "Missing required field: body");
    }
    let visibility = body.get("visibility").and_then(Value::as_str).unwrap_or("public");
    let visibility = match visibility {
        "public" => "publicly_visible",
        "private" => "privately_visible",
        "admin_only" => "admin_only_visible",
        _ => {
            return errors(
                StatusCode::UNPROCESSABLE_ENTITY,
                "visibility: Must be one of: public, private, admin_only",
            );
        }
    };
    let mut s = state.lock();
    if s.get("candidates", candidate_id).is_none() || s.get("users", user_id).is_none() {
        return not_found();
    }
    let note = s.insert(
        "notes",
        json!({"candidate_id": candidate_id, "application_id": body.get("application_id"), "user_id": user_id,
               "type": body.get("note_type").and_then(Value::as_str).unwrap_or("NOTE"), "visibility": visibility,
               "body": text, "subject": null}),
    );
    (StatusCode::CREATED, Json(note)).into_response()
}

/// `POST /v3/candidate_tags` `{name}` (UNCONFIRMED endpoint: creating a tag).
pub async fn create_tag(State(state): State<SharedState>, Json(body): Json<Map<String, Value>>) -> Response {
    let Some(name) = body
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty())
    else {
        return errors(StatusCode::UNPROCESSABLE_ENTITY, "Missing required field: name");
    };
    let mut s = state.lock();
    if !s.ids_by("candidate_tags", "name", &json!(name)).is_empty() {
        return errors(StatusCode::UNPROCESSABLE_ENTITY, "name: has already been taken");
    }
    let tag = s.insert("candidate_tags", json!({"name": name}));
    (StatusCode::CREATED, Json(tag)).into_response()
}

/// `POST /v3/applied_candidate_tags` `{candidate_id, candidate_tag_id}`.
pub async fn apply_tag(State(state): State<SharedState>, Json(body): Json<Map<String, Value>>) -> Response {
    let (candidate_id, tag_id) = match (
        required_i64(&body, "candidate_id"),
        required_i64(&body, "candidate_tag_id"),
    ) {
        (Ok(c), Ok(t)) => (c, t),
        (Err(r), _) | (_, Err(r)) => return *r,
    };
    let mut s = state.lock();
    let Some(tag_name) = s.name_of("candidate_tags", Some(tag_id)) else {
        return not_found();
    };
    let Some(candidate) = s.get("candidates", candidate_id).cloned() else {
        return not_found();
    };
    let mut tags: Vec<Value> = candidate
        .get("tags")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if !tags.contains(&json!(tag_name)) {
        tags.push(json!(tag_name));
    }
    let mut change = Map::new();
    change.insert("tags".into(), Value::Array(tags));
    s.change("candidates", candidate_id, &change);
    let applied = s.insert(
        "applied_candidate_tags",
        json!({"candidate_id": candidate_id, "candidate_tag_id": tag_id}),
    );
    (StatusCode::CREATED, Json(applied)).into_response()
}

const PATCHABLE: &[&str] = &[
    "first_name",
    "last_name",
    "preferred_name",
    "company",
    "title",
    "email_addresses",
    "phone_numbers",
    "tags",
];

/// `PATCH /v3/candidates/{id}`; custom fields as `[{name_key, value}]` (UNCONFIRMED body shape, v1-like).
pub async fn update_candidate(
    State(state): State<SharedState>,
    Path(id): Path<i64>,
    Json(body): Json<Map<String, Value>>,
) -> Response {
    let mut s = state.lock();
    let Some(current) = s.get("candidates", id).cloned() else {
        return not_found();
    };
    let mut change = Map::new();
    for (key, value) in &body {
        if PATCHABLE.contains(&key.as_str()) {
            change.insert(key.clone(), value.clone());
        } else if key == "custom_fields" {
            let mut fields = current
                .get("custom_fields")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            for item in value.as_array().into_iter().flatten() {
                let Some(name_key) = item.get("name_key").and_then(Value::as_str) else {
                    return errors(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "custom_fields: each item needs name_key",
                    );
                };
                let entry = json!({"name": name_key, "type": "short_text", "value": item.get("value")});
                fields.insert(name_key.to_owned(), entry);
            }
            change.insert("custom_fields".into(), Value::Object(fields));
        } else {
            return errors(
                StatusCode::UNPROCESSABLE_ENTITY,
                &format!("{key}: is not a candidate field that can be updated"),
            );
        }
    }
    match s.update("candidates", id, &change) {
        Some(updated) => Json(updated).into_response(),
        None => not_found(),
    }
}
