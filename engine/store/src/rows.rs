//! Rows as the database returns them (instants as `Timestamp`, JSON as `Json`), and their public forms.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;

use crate::timestamp::Timestamp;
use crate::types::{ClaimedRun, NodeRecord, RunStatus, RunSummary, StepRecord, StepStatus, TriggerState};

fn instant(at: Option<Timestamp>) -> Option<DateTime<Utc>> {
    at.map(Timestamp::instant)
}

/// A row returned by the claim statement.
#[derive(sqlx::FromRow)]
pub(crate) struct ClaimedRow {
    id: String,
    recipe: String,
    recipe_version: String,
    trigger_name: String,
    trigger_event_id: Option<String>,
    business_key: Option<String>,
    candidate_id: Option<String>,
    application_id: Option<String>,
    job_id: Option<String>,
    payload: Json<Value>,
    attempt: i32,
    event_at: Timestamp,
    started_at: Option<Timestamp>,
    lease_expires_at: Option<Timestamp>,
    lease_owner: Option<String>,
    retry_of: Option<String>,
    has_steps: bool,
}

impl ClaimedRow {
    pub(crate) fn into_claimed(self) -> ClaimedRun {
        ClaimedRun {
            id: self.id,
            recipe: self.recipe,
            recipe_version: self.recipe_version,
            trigger: self.trigger_name,
            event_id: self.trigger_event_id,
            business_key: self.business_key,
            candidate_id: self.candidate_id,
            application_id: self.application_id,
            job_id: self.job_id,
            payload: self.payload.0,
            attempt: self.attempt,
            event_at: self.event_at.instant(),
            started_at: instant(self.started_at),
            lease_expires_at: self.lease_expires_at.map_or(self.event_at.instant(), Timestamp::instant),
            node: self.lease_owner.unwrap_or_default(),
            retry_of: self.retry_of,
            has_steps: self.has_steps,
        }
    }
}

/// A row of `runs` with the summary columns (`sql::LIST_RUNS_SELECT`).
#[derive(sqlx::FromRow)]
pub(crate) struct RunRow {
    id: String,
    recipe: String,
    recipe_version: String,
    trigger_name: String,
    trigger_event_id: Option<String>,
    business_key: Option<String>,
    candidate_id: Option<String>,
    application_id: Option<String>,
    job_id: Option<String>,
    #[sqlx(try_from = "String")]
    status: RunStatus,
    attempt: i32,
    created_at: Timestamp,
    started_at: Option<Timestamp>,
    finished_at: Option<Timestamp>,
    error: Option<String>,
    retry_of: Option<String>,
    requested_by: Option<String>,
    node: Option<String>,
}

impl RunRow {
    pub(crate) fn into_summary(self) -> RunSummary {
        RunSummary {
            id: self.id,
            recipe: self.recipe,
            recipe_version: self.recipe_version,
            trigger: self.trigger_name,
            event_id: self.trigger_event_id,
            business_key: self.business_key,
            candidate_id: self.candidate_id,
            application_id: self.application_id,
            job_id: self.job_id,
            status: self.status,
            attempt: self.attempt,
            created_at: self.created_at.instant(),
            started_at: instant(self.started_at),
            finished_at: instant(self.finished_at),
            error: self.error,
            retry_of: self.retry_of,
            requested_by: self.requested_by,
            node: self.node,
        }
    }
}

/// The extra columns of `GET_RUN` beyond the summary.
#[derive(sqlx::FromRow)]
pub(crate) struct RunDetailRow {
    #[sqlx(flatten)]
    pub(crate) run: RunRow,
    pub(crate) payload: Json<Value>,
    pub(crate) run_at: Timestamp,
    pub(crate) event_at: Timestamp,
    pub(crate) lease_owner: Option<String>,
    pub(crate) lease_expires_at: Option<Timestamp>,
    pub(crate) redacted_at: Option<Timestamp>,
}

/// A row of `steps`.
#[derive(sqlx::FromRow)]
pub(crate) struct StepRow {
    step_id: String,
    ordinal: i32,
    action: String,
    #[sqlx(try_from = "String")]
    status: StepStatus,
    attempts: i32,
    input: Option<Json<Value>>,
    output: Option<Json<Value>>,
    error: Option<String>,
    started_at: Option<Timestamp>,
    finished_at: Option<Timestamp>,
}

impl StepRow {
    pub(crate) fn into_record(self) -> StepRecord {
        StepRecord {
            step_id: self.step_id,
            ordinal: self.ordinal,
            action: self.action,
            status: self.status,
            attempts: self.attempts,
            input: self.input.map(|j| j.0),
            output: self.output.map(|j| j.0),
            error: self.error,
            started_at: instant(self.started_at),
            finished_at: instant(self.finished_at),
        }
    }
}

/// A row of `trigger_state`.
#[derive(sqlx::FromRow)]
pub(crate) struct TriggerRow {
    recipe: String,
    trigger_identity: String,
    poll_cursor: Option<Json<Value>>,
    last_polled_at: Option<Timestamp>,
    next_fire_at: Option<Timestamp>,
    lease_owner: Option<String>,
    lease_expires_at: Option<Timestamp>,
}

impl TriggerRow {
    pub(crate) fn into_state(self) -> TriggerState {
        TriggerState {
            recipe: self.recipe,
            identity: self.trigger_identity,
            cursor: self.poll_cursor.map(|j| j.0),
            last_polled_at: instant(self.last_polled_at),
            next_fire_at: instant(self.next_fire_at),
            lease_owner: self.lease_owner,
            lease_expires_at: instant(self.lease_expires_at),
        }
    }
}

/// A row of `nodes`.
#[derive(sqlx::FromRow)]
pub(crate) struct NodeRow {
    id: String,
    started_at: Timestamp,
    last_seen: Timestamp,
}

impl NodeRow {
    pub(crate) fn into_record(self) -> NodeRecord {
        NodeRecord { id: self.id, started_at: self.started_at.instant(), last_seen: self.last_seen.instant() }
    }
}

/// A run's redactable columns.
#[derive(sqlx::FromRow)]
pub(crate) struct RedactRunRow {
    pub(crate) id: String,
    pub(crate) payload: Json<Value>,
    pub(crate) error: Option<String>,
}

/// A step's redactable columns.
#[derive(sqlx::FromRow)]
pub(crate) struct RedactStepRow {
    pub(crate) step_id: String,
    pub(crate) input: Option<Json<Value>>,
    pub(crate) output: Option<Json<Value>>,
    pub(crate) error: Option<String>,
}
