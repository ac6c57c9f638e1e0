//! Greenhouse webhook deliveries: `Signature: sha256 <hex>` (HMAC-SHA256 of the raw body,
//! checked in constant time), `Greenhouse-Event-ID` as the delivery id, and the legacy
//! nested payloads turned into each trigger's documented shape without any API call.

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value, json};

use hirewire_sdk::webhook::verify_hmac_sha256_hex;
use hirewire_sdk::{TriggerEvent, WebhookError, WebhookEvent};

use super::output::{ApplicationOut, CandidateOut, EducationOut, JobOut, OfferOut, TypedValue};
use super::triggers::{event_id, stage_event_id};

/// Checks the `Signature` header against the raw body.
///
/// # Errors
/// [`WebhookError::BadSignature`] when missing or wrong.
pub fn verify_signature(secret: &SecretString, headers: &http::HeaderMap, body: &[u8]) -> Result<(), WebhookError> {
    let header = headers
        .get("signature")
        .and_then(|v| v.to_str().ok())
        .ok_or(WebhookError::BadSignature)?;
    let hex = header
        .trim()
        .strip_prefix("sha256")
        .map(str::trim_start)
        .ok_or(WebhookError::BadSignature)?;
    if verify_hmac_sha256_hex(secret.expose_secret().as_bytes(), body, hex) {
        Ok(())
    } else {
        Err(WebhookError::BadSignature)
    }
}

/// Verifies and decodes one delivery into the events it carries (none for actions that
/// no trigger uses, and for the ping Greenhouse sends when a webhook is saved).
///
/// # Errors
/// A bad signature, or a body that is not a Greenhouse webhook.
pub fn decode_delivery(
    secret: Option<&SecretString>,
    headers: &http::HeaderMap,
    body: &[u8],
) -> Result<Vec<WebhookEvent>, WebhookError> {
    let secret = secret.ok_or(WebhookError::NotSupported)?;
    verify_signature(secret, headers, body)?;
    let value: Value = serde_json::from_slice(body).map_err(|e| WebhookError::Malformed(format!("not JSON: {e}")))?;
    let delivery_id = headers
        .get("greenhouse-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let Some(action) = value.get("action").and_then(Value::as_str) else {
        return Ok(Vec::new());
    };
    let payload = value.get("payload").cloned().unwrap_or(Value::Null);
    let event = match action {
        "new_candidate_application" | "new_prospect_application" => application_event("new_application", &payload)?,
        "candidate_stage_change" => application_event("application_stage_changed", &payload)?,
        "hire_candidate" => application_event("candidate_hired", &payload)?,
        "reject_candidate" => application_event("candidate_rejected", &payload)?,
        "offer_created" => offer_event(&payload)?,
        _ => return Ok(Vec::new()),
    };
    Ok(vec![WebhookEvent { delivery_id, event }])
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn typed_values(v: &Value, key: &str) -> Vec<TypedValue> {
    v.get(key)
        .and_then(|a| serde_json::from_value(a.clone()).ok())
        .unwrap_or_default()
}

/// A legacy nested candidate in the documented shape.
fn legacy_candidate(c: &Value) -> Result<CandidateOut, WebhookError> {
    let id = c
        .get("id")
        .and_then(Value::as_i64)
        .ok_or_else(|| WebhookError::Malformed("candidate.id is missing".into()))?;
    let educations = c
        .get("educations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|e| EducationOut {
            degree: text(e, "degree"),
            discipline: text(e, "discipline"),
            school_name: text(e, "school_name"),
            start_date: text(e, "start_date"),
            end_date: text(e, "end_date"),
        })
        .collect();
    Ok(CandidateOut {
        id,
        first_name: text(c, "first_name"),
        last_name: text(c, "last_name"),
        company: text(c, "company"),
        title: text(c, "title"),
        email_addresses: typed_values(c, "email_addresses"),
        phone_numbers: typed_values(c, "phone_numbers"),
        tags: c
            .get("tags")
            .and_then(|t| serde_json::from_value(t.clone()).ok())
            .unwrap_or_default(),
        educations,
        custom_fields: c
            .get("custom_fields")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default(),
        created_at: text(c, "created_at"),
        updated_at: text(c, "updated_at"),
    })
}

fn stamp(v: &Value, keys: &[&str]) -> DateTime<Utc> {
    keys.iter()
        .find_map(|k| v.get(*k).and_then(Value::as_str).and_then(|s| s.parse().ok()))
        .unwrap_or_else(Utc::now)
}

fn application_event(trigger: &str, payload: &Value) -> Result<TriggerEvent, WebhookError> {
    let app = payload
        .get("application")
        .ok_or_else(|| WebhookError::Malformed("payload.application is missing".into()))?;
    let id = app
        .get("id")
        .and_then(Value::as_i64)
        .ok_or_else(|| WebhookError::Malformed("application.id is missing".into()))?;
    let candidate = legacy_candidate(app.get("candidate").unwrap_or(&Value::Null))?;
    let job_value = app.get("jobs").and_then(Value::as_array).and_then(|j| j.first());
    let job = job_value.and_then(|j| {
        Some(JobOut {
            id: j.get("id")?.as_i64()?,
            name: text(j, "name"),
            status: text(j, "status"),
            requisition_id: text(j, "requisition_id"),
        })
    });
    let stage = app.get("current_stage").unwrap_or(&Value::Null);
    let stage_id = stage.get("id").and_then(Value::as_i64);
    let application = ApplicationOut {
        id,
        candidate_id: candidate.id,
        job_id: job.as_ref().map(|j| j.id),
        status: text(app, "status"),
        stage_id,
        stage_name: text(stage, "name"),
        prospect: app.get("prospect").and_then(Value::as_bool).unwrap_or(false),
        applied_at: text(app, "applied_at"),
        rejected_at: text(app, "rejected_at"),
    };
    let (candidate_id, job_id) = (candidate.id, application.job_id);
    let mut out = Map::new();
    out.insert("candidate".into(), json!(candidate));
    out.insert("application".into(), json!(application));
    out.insert("job".into(), json!(job));
    let (event_id, occurred_at) = match trigger {
        "application_stage_changed" => {
            let stage_id =
                stage_id.ok_or_else(|| WebhookError::Malformed("application.current_stage.id is missing".into()))?;
            out.insert("to_stage".into(), json!({"id": stage_id, "name": text(stage, "name")}));
            (stage_event_id(id, stage_id), stamp(app, &["last_activity_at"]))
        }
        "candidate_rejected" => (
            event_id(trigger, "application", id),
            stamp(app, &["rejected_at", "last_activity_at"]),
        ),
        "new_application" => (
            event_id(trigger, "application", id),
            stamp(app, &["applied_at", "last_activity_at"]),
        ),
        _ => (event_id(trigger, "application", id), stamp(app, &["last_activity_at"])),
    };
    Ok(TriggerEvent {
        trigger: trigger.to_owned(),
        event_id,
        occurred_at,
        payload: Value::Object(out),
        candidate_id: Some(candidate_id),
        application_id: Some(id),
        job_id,
    })
}

/// Offer events: no official example payload (UNCONFIRMED); reads `payload.offer` or the
/// offer's fields flat in `payload` (`offer_status`/`status`, `start_date`/`starts_on`).
fn offer_event(payload: &Value) -> Result<TriggerEvent, WebhookError> {
    let o = payload.get("offer").unwrap_or(payload);
    let id = o
        .get("id")
        .and_then(Value::as_i64)
        .ok_or_else(|| WebhookError::Malformed("offer id is missing".into()))?;
    let application_id = o
        .get("application_id")
        .and_then(Value::as_i64)
        .ok_or_else(|| WebhookError::Malformed("offer application_id is missing".into()))?;
    let offer = OfferOut {
        id,
        application_id,
        status: text(o, "offer_status").or_else(|| text(o, "status")),
        sent_on: text(o, "sent_on"),
        starts_on: text(o, "start_date").or_else(|| text(o, "starts_on")),
        resolved_at: text(o, "resolved_at"),
        created_at: text(o, "created_at"),
    };
    Ok(TriggerEvent {
        trigger: "offer_created".into(),
        event_id: event_id("offer_created", "offer", id),
        occurred_at: stamp(o, &["created_at"]),
        payload: json!({"offer": offer}),
        candidate_id: o.get("candidate_id").and_then(Value::as_i64),
        application_id: Some(application_id),
        job_id: o.get("job_id").and_then(Value::as_i64),
    })
}
