//! Builds Greenhouse webhook bodies in the legacy nested shape of the real examples
//! (`fixtures/greenhouse/webhook_*.json`), signs them (`Signature: sha256 <hex>` over the
//! exact bytes) and delivers them, redelivering with the same `Greenhouse-Event-ID`.

use serde_json::{Value, json};

use hirewire_sdk::webhook::sign_hmac_sha256_hex;

use super::state::FakeState;

/// The nested `payload.application` of application events, built from the fake's records.
#[must_use]
pub fn legacy_application(state: &FakeState, application_id: i64) -> Option<Value> {
    let app = state.get("applications", application_id)?;
    let candidate_id = app.get("candidate_id").and_then(Value::as_i64)?;
    let candidate = state.get("candidates", candidate_id)?;
    let job_id = app.get("job_id").and_then(Value::as_i64);
    let option_name = |id: Option<&Value>| state.name_of("custom_field_options", id.and_then(Value::as_i64));
    let educations: Vec<Value> = state
        .find_by("candidate_educations", "candidate_id", &json!(candidate_id))
        .iter()
        .map(|e| {
            json!({"school_name": option_name(e.get("school_name_custom_field_option_id")),
                   "degree": option_name(e.get("degree_custom_field_option_id")),
                   "discipline": option_name(e.get("discipline_custom_field_option_id")),
                   "start_date": e.get("start_date"), "end_date": e.get("end_date")})
        })
        .collect();
    let jobs: Vec<Value> = job_id
        .and_then(|id| state.get("jobs", id))
        .map(|j| {
            json!({"id": j["id"], "name": j["name"], "requisition_id": j["requisition_id"], "notes": j["notes"],
                   "confidential": j["confidential"], "job_post_id": null, "status": j["status"],
                   "created_at": j["created_at"], "opened_at": j["opened_at"], "closed_at": j["closed_at"],
                   "departments": [], "offices": [], "custom_fields": {}})
        })
        .into_iter()
        .collect();
    let status = match app.get("status").and_then(Value::as_str) {
        Some("hired") => "hired",
        Some("rejected") => "rejected",
        _ => "active",
    };
    Some(json!({
        "id": application_id,
        "rejected_at": app["rejected_at"],
        "prospect": app["prospect"],
        "status": status,
        "applied_at": app["created_at"],
        "last_activity_at": app["updated_at"],
        "url": format!("https://app.greenhouse.io/people/{candidate_id}?application_id={application_id}"),
        "source": null,
        "credited_to": null,
        "rejection_reason": null,
        "rejection_details": null,
        "current_stage": {"id": app["stage_id"], "name": app["stage_name"], "interviews": []},
        "custom_fields": {},
        "candidate": {
            "id": candidate_id,
            "first_name": candidate["first_name"],
            "last_name": candidate["last_name"],
            "title": candidate["title"],
            "company": candidate["company"],
            "created_at": candidate["created_at"],
            "external_id": null,
            "photo_url": null,
            "url": format!("https://app.greenhouse.io/people/{candidate_id}"),
            "is_private": candidate["private"],
            "can_email": candidate["can_email"],
            "phone_numbers": candidate["phone_numbers"],
            "email_addresses": candidate["email_addresses"],
            "addresses": candidate["addresses"],
            "website_addresses": candidate["website_addresses"],
            "social_media_addresses": candidate["social_media_addresses"],
            "educations": educations,
            "employments": [],
            "recruiter": null,
            "coordinator": null,
            "attachments": [],
            "tags": candidate["tags"],
            "custom_fields": candidate["custom_fields"]
        },
        "jobs": jobs
    }))
}

/// The body of a webhook for `action` about `id` (an application, or an offer for `offer_*`).
///
/// Offer events: no example payload was found (UNCONFIRMED); the fake sends the offer's
/// fields flat in `payload`, with `offer_status` and `start_date`.
#[must_use]
pub fn webhook_body(state: &FakeState, action: &str, id: i64) -> Option<Value> {
    if action.starts_with("offer_") {
        let offer = state.get("offers", id)?;
        return Some(json!({"action": action, "payload": {
            "id": id, "application_id": offer["application_id"], "job_id": offer["job_id"], "user_id": null,
            "version": offer["version"], "sent_on": offer["sent_on"], "resolved_at": offer["resolved_at"],
            "start_date": offer["starts_on"], "notes": null, "offer_status": offer["status"], "custom_fields": {}
        }}));
    }
    Some(json!({"action": action, "payload": {"application": legacy_application(state, id)?}}))
}

/// Delivers `body` to `url` `deliveries` times with the same event id; returns each status
/// (0 when the delivery failed in transport).
pub async fn deliver(url: &str, secret: &str, event_id: &str, body: &Value, deliveries: u32) -> Vec<u16> {
    // Greenhouse escapes unicode (`<` as `\u003c`) before signing; sign exactly the bytes sent.
    let bytes = serde_json::to_string(body)
        .unwrap_or_default()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e");
    let signature = format!("sha256 {}", sign_hmac_sha256_hex(secret.as_bytes(), bytes.as_bytes()));
    let client = hirewire_sdk::HttpClient::default();
    let mut statuses = Vec::new();
    for _ in 0..deliveries.max(1) {
        let request = client
            .client()
            .post(url)
            .header("content-type", "application/json")
            .header("Greenhouse-Event-ID", event_id)
            .header("Signature", &signature)
            .header("User-Agent", "Greenhouse")
            .body(bytes.clone());
        statuses.push(request.send().await.map_or(0, |r| r.status().as_u16()));
    }
    statuses
}
