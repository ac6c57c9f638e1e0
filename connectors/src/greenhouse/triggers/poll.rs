//! Polling each trigger over its two-sided window: one listing per poll (following every
//! `next` page), records already emitted skipped, events oldest first. Payloads hold what the
//! listing gave; `enrich_event` completes the rest when the run starts.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use hirewire_sdk::{ActionError, PollBatch, PollRequest, TriggerEvent};

use super::super::client::GreenhouseClient;
use super::super::loaders::{application_out, candidate_out, offer_out, previous_stage, stage_names, stage_out};
use super::super::models::{Application, ApplicationStage, Candidate, Interview, Offer};
use super::super::output::InterviewOut;
use super::window::Window;
use super::{StageParams, event_id, stage_event_id};

/// One listed record with its window timestamp.
struct Listed<T> {
    record: T,
    id: i64,
    stamp: String,
}

/// Lists the window's records not emitted before, oldest first, and the cursor after them.
async fn list_window<T: DeserializeOwned>(
    client: &GreenhouseClient,
    request: &PollRequest,
    path: &str,
    field: &'static str,
    extra: &[(&str, &str)],
) -> Result<(Vec<Listed<T>>, Value), ActionError> {
    let window = Window::plan(field, request.cursor.as_ref(), request.since, request.now);
    let mut params = vec![window.param()];
    params.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    let raw: Vec<Value> = client.list(path, &params).await?;
    let mut all = Vec::with_capacity(raw.len());
    let mut fresh = Vec::new();
    for value in raw {
        let id = value.get("id").and_then(Value::as_i64).unwrap_or_default();
        let stamp = value.get(field).and_then(Value::as_str).unwrap_or_default().to_owned();
        all.push((id, stamp.clone()));
        if window.already_seen(id, &stamp) {
            continue;
        }
        let record: T = serde_json::from_value(value)
            .map_err(|e| ActionError::permanent(format!("GET {path}: record {id} is not as expected: {e}")))?;
        fresh.push(Listed { record, id, stamp });
    }
    fresh.sort_by_key(|a| (parse(&a.stamp), a.id));
    Ok((fresh, window.advance(all)))
}

fn parse(stamp: &str) -> Option<DateTime<Utc>> {
    stamp.parse().ok()
}

fn event(request: &PollRequest, id: String, stamp: &str, payload: Value, ids: [Option<i64>; 3]) -> TriggerEvent {
    TriggerEvent {
        trigger: request.trigger.clone(),
        event_id: id,
        occurred_at: parse(stamp).unwrap_or(request.now),
        payload,
        candidate_id: ids[0],
        application_id: ids[1],
        job_id: ids[2],
    }
}

/// A candidate payload whose educations are still to be loaded (`educations` absent).
fn pending_candidate(c: Candidate) -> Value {
    let mut v = serde_json::to_value(candidate_out(c, Vec::new())).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.remove("educations");
    }
    v
}

/// Polls `request.trigger` once.
///
/// # Errors
/// API errors, or an unknown trigger.
pub async fn poll_trigger(client: &GreenhouseClient, request: &PollRequest) -> Result<PollBatch, ActionError> {
    let (events, cursor) = match request.trigger.as_str() {
        "new_candidate" => {
            let (rows, cursor) = list_window::<Candidate>(client, request, "/v3/candidates", "created_at", &[]).await?;
            let events = rows
                .into_iter()
                .map(|r| {
                    let id = r.id;
                    event(
                        request,
                        event_id("new_candidate", "candidate", id),
                        &r.stamp,
                        json!({"candidate": pending_candidate(r.record)}),
                        [Some(id), None, None],
                    )
                })
                .collect();
            (events, cursor)
        }
        "new_application" => applications(client, request, "created_at", &[], |_, _| true).await?,
        "candidate_hired" => applications(client, request, "updated_at", &[("status", "hired")], |_, _| true).await?,
        "candidate_rejected" => {
            // Only rejections inside the window; a later edit of a rejected application is not a new rejection.
            applications(client, request, "updated_at", &[], |a, from| {
                a.rejected_at.as_deref().and_then(parse).is_some_and(|at| at >= from)
            })
            .await?
        }
        "application_stage_changed" => stage_changes(client, request).await?,
        "interview_scheduled" => {
            let (rows, cursor) = list_window::<Interview>(
                client,
                request,
                "/v3/interviews",
                "updated_at",
                &[("status", "scheduled")],
            )
            .await?;
            let events = rows
                .into_iter()
                .map(|r| {
                    let i = r.record;
                    let ids = [None, Some(i.application_id), i.job_id];
                    let interview = InterviewOut {
                        id: i.id,
                        application_id: i.application_id,
                        job_id: i.job_id,
                        starts_at: i.starts_at,
                        ends_at: i.ends_at,
                        status: i.status,
                        location: i.location,
                        video_conferencing_url: i.video_conferencing_url,
                        interviewers: Vec::new(),
                    };
                    event(
                        request,
                        event_id("interview_scheduled", "interview", r.id),
                        &r.stamp,
                        json!({"interview": interview}),
                        ids,
                    )
                })
                .collect();
            (events, cursor)
        }
        "offer_created" => offers(client, request, "created_at", |_, _| true).await?,
        "offer_accepted" => {
            offers(client, request, "updated_at", |o, from| {
                o.status.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("accepted"))
                    && o.resolved_at.as_deref().and_then(parse).is_none_or(|at| at >= from)
            })
            .await?
        }
        other => {
            return Err(ActionError::invalid_input(format!("greenhouse has no trigger {other}")).with_field("trigger"));
        }
    };
    Ok(PollBatch {
        events,
        cursor,
        more: false,
    })
}

async fn applications(
    client: &GreenhouseClient,
    request: &PollRequest,
    field: &'static str,
    extra: &[(&str, &str)],
    keep: impl Fn(&Application, DateTime<Utc>) -> bool,
) -> Result<(Vec<TriggerEvent>, Value), ActionError> {
    let from = Window::plan(field, request.cursor.as_ref(), request.since, request.now).from;
    let (rows, cursor) = list_window::<Application>(client, request, "/v3/applications", field, extra).await?;
    let events = rows
        .into_iter()
        .filter(|r| keep(&r.record, from))
        .map(|r| {
            let a = r.record;
            let ids = [Some(a.candidate_id), Some(a.id), a.job_id];
            event(
                request,
                event_id(&request.trigger, "application", a.id),
                &r.stamp,
                json!({"application": application_out(a, None)}),
                ids,
            )
        })
        .collect();
    Ok((events, cursor))
}

async fn offers(
    client: &GreenhouseClient,
    request: &PollRequest,
    field: &'static str,
    keep: impl Fn(&Offer, DateTime<Utc>) -> bool,
) -> Result<(Vec<TriggerEvent>, Value), ActionError> {
    let from = Window::plan(field, request.cursor.as_ref(), request.since, request.now).from;
    let (rows, cursor) = list_window::<Offer>(client, request, "/v3/offers", field, &[]).await?;
    let events = rows
        .into_iter()
        .filter(|r| keep(&r.record, from))
        .map(|r| {
            let o = r.record;
            let ids = [o.candidate_id, Some(o.application_id), o.job_id];
            event(
                request,
                event_id(&request.trigger, "offer", o.id),
                &r.stamp,
                json!({"offer": offer_out(o)}),
                ids,
            )
        })
        .collect();
    Ok((events, cursor))
}

/// Stage moves: new `/v3/application_stages` rows; the previous stage comes from each
/// application's stage history (an application's first stage is not a move).
async fn stage_changes(
    client: &GreenhouseClient,
    request: &PollRequest,
) -> Result<(Vec<TriggerEvent>, Value), ActionError> {
    let params = StageParams::from_params(&request.params)?;
    let (rows, cursor) =
        list_window::<ApplicationStage>(client, request, "/v3/application_stages", "created_at", &[]).await?;
    if rows.is_empty() {
        return Ok((Vec::new(), cursor));
    }
    let app_ids: Vec<i64> = rows.iter().map(|r| r.record.application_id).collect();
    let history: Vec<ApplicationStage> = client
        .list_by_ids("/v3/application_stages", "application_ids", &app_ids, &[])
        .await?;
    let moves: Vec<(Listed<ApplicationStage>, i64)> = rows
        .into_iter()
        .filter_map(|r| previous_stage(&history, &r.record).map(|from| (r, from)))
        .collect();
    let stage_ids: Vec<i64> = moves
        .iter()
        .flat_map(|(r, from)| [r.record.job_interview_stage_id, *from])
        .collect();
    let names: HashMap<i64, String> = stage_names(client, &stage_ids).await?;
    let events = moves
        .into_iter()
        .filter(|(r, from)| params.matches(names.get(from).map(String::as_str), names.get(&r.record.job_interview_stage_id).map(String::as_str)))
        .map(|(r, from)| {
            let row = r.record;
            let payload = json!({"from_stage": stage_out(from, &names), "to_stage": stage_out(row.job_interview_stage_id, &names)});
            event(request, stage_event_id(row.application_id, row.job_interview_stage_id), &r.stamp, payload, [None, Some(row.application_id), None])
        })
        .collect();
    Ok((events, cursor))
}
