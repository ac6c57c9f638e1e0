//! Completing an event's payload at run start: only the parts a webhook or poll did not
//! carry are fetched (a missing key means "not loaded yet"), ids batched, names resolved.

use serde_json::{Map, Value, json};

use hirewire_sdk::{ActionError, TriggerEvent};

use super::client::GreenhouseClient;
use super::loaders::{
    applications, candidates, current_offers, educations, i64_at, interviewers_by_interview,
    interviewers_of_application, jobs, previous_stage, stage_names, stage_out,
};
use super::models::ApplicationStage;

fn needs_application(trigger: &str) -> bool {
    trigger != "new_candidate"
}

/// Completes `event`'s payload into its trigger's documented shape.
///
/// # Errors
/// API errors; not found when the application or candidate no longer exists.
pub async fn enrich(client: &GreenhouseClient, mut event: TriggerEvent) -> Result<TriggerEvent, ActionError> {
    let mut p: Map<String, Value> = event.payload.as_object().cloned().unwrap_or_default();
    let trigger = event.trigger.clone();
    let app_id = event
        .application_id
        .or_else(|| i64_at(&event.payload, &["application", "id"]))
        .or_else(|| i64_at(&event.payload, &["offer", "application_id"]))
        .or_else(|| i64_at(&event.payload, &["interview", "application_id"]));

    if needs_application(&trigger) {
        let app_id =
            app_id.ok_or_else(|| ActionError::permanent(format!("event {} names no application", event.event_id)))?;
        let has_stage_name = p
            .get("application")
            .and_then(|a| a.get("stage_name"))
            .is_some_and(|n| !n.is_null());
        if !p.contains_key("application") || !has_stage_name {
            let app = applications(client, &[app_id]).await?.pop().ok_or_else(|| {
                ActionError::not_found(format!(
                    "application {app_id} does not exist (event {})",
                    event.event_id
                ))
            })?;
            p.insert("application".into(), json!(app));
        }
        event.application_id = Some(app_id);
    }
    let candidate_id = i64_at(&Value::Object(p.clone()), &["application", "candidate_id"])
        .or(event.candidate_id)
        .or_else(|| i64_at(&event.payload, &["candidate", "id"]));
    let job_id = i64_at(&Value::Object(p.clone()), &["application", "job_id"]).or(event.job_id);

    if let Some(cid) = candidate_id {
        match p.get_mut("candidate").and_then(Value::as_object_mut) {
            Some(candidate) if !candidate.contains_key("educations") => {
                let found = educations(client, &[cid]).await?.remove(&cid).unwrap_or_default();
                candidate.insert("educations".into(), json!(found));
            }
            Some(_) => {}
            None => {
                let c = candidates(client, &[cid]).await?.pop().ok_or_else(|| {
                    ActionError::not_found(format!("candidate {cid} does not exist (event {})", event.event_id))
                })?;
                p.insert("candidate".into(), json!(c));
            }
        }
        event.candidate_id = Some(cid);
    }
    if needs_application(&trigger) && !p.contains_key("job") {
        let job = match job_id {
            Some(id) => jobs(client, &[id]).await?.remove(&id),
            None => None,
        };
        p.insert("job".into(), json!(job));
    }
    event.job_id = job_id;

    match trigger.as_str() {
        "candidate_hired" => {
            let app_id = event.application_id.unwrap_or_default();
            if !p.contains_key("offer") {
                p.insert(
                    "offer".into(),
                    json!(current_offers(client, &[app_id]).await?.remove(&app_id)),
                );
            }
            if !p.contains_key("interviewers") {
                p.insert(
                    "interviewers".into(),
                    json!(interviewers_of_application(client, app_id).await?),
                );
            }
        }
        "interview_scheduled" if !p.contains_key("interviewers") => {
            let interview_id = i64_at(&event.payload, &["interview", "id"])
                .ok_or_else(|| ActionError::permanent(format!("event {} names no interview", event.event_id)))?;
            let people = interviewers_by_interview(client, &[interview_id])
                .await?
                .remove(&interview_id)
                .unwrap_or_default();
            if let Some(interview) = p.get_mut("interview").and_then(Value::as_object_mut) {
                interview.insert("interviewers".into(), json!(people));
            }
            p.insert("interviewers".into(), json!(people));
        }
        "application_stage_changed" if !p.contains_key("from_stage") => {
            let app_id = event.application_id.unwrap_or_default();
            let to = i64_at(&Value::Object(p.clone()), &["to_stage", "id"]);
            let history: Vec<ApplicationStage> = client
                .list_by_ids("/v3/application_stages", "application_ids", &[app_id], &[])
                .await?;
            let entered = history
                .iter()
                .filter(|r| Some(r.job_interview_stage_id) == to)
                .max_by_key(|r| (r.entered_at.clone(), r.id));
            let from = entered.and_then(|row| previous_stage(&history, row));
            let names = stage_names(client, &from.into_iter().collect::<Vec<_>>()).await?;
            p.insert("from_stage".into(), json!(from.map(|id| stage_out(id, &names))));
        }
        _ => {}
    }
    event.payload = Value::Object(p);
    Ok(event)
}
