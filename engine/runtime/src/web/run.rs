//! One run (`/runs/<id>`): the trigger event, each step as a timeline, and retrying it from the start or from
//! the failed step, behind a confirmation page and a CSRF token, recording who asked.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use hirewire_store::{RunDetail, StepRecord, StepStatus, StoreError};
use maud::{Markup, html};
use serde::Deserialize;

use super::WebState;
use super::layout::{Section, badge, duration, folded_json, html_response, message_page, page, query_value, time};
use super::runs::UNREADABLE;
use super::session::Viewer;
use crate::ops::{ErrorClass, RetryRequest, parse_version, retry_run};

/// Seconds between reloads of a run that has not finished.
const REFRESH_SECONDS: u32 = 3;

async fn load_run(web: &WebState, id: &str, viewer: &Viewer) -> Result<RunDetail, Response> {
    match web.app.store.get_run(id).await {
        Ok(Some(run)) => Ok(run),
        Ok(None) => Err(store_error_page(&StoreError::RunNotFound(id.to_owned()), id, UNREADABLE, viewer)),
        Err(e) => {
            tracing::error!(error = %e, run = id, "store error on the run page");
            Err(store_error_page(&e, id, UNREADABLE, viewer))
        }
    }
}

/// The page answering store error `e` about run `id`; `unavailable` says what could not be done.
fn store_error_page(e: &StoreError, id: &str, unavailable: &str, viewer: &Viewer) -> Response {
    let class = ErrorClass::of(e);
    let message = match class {
        ErrorClass::NotFound => format!("There is no run `{id}`."),
        ErrorClass::Conflict => class.message(e, id),
        ErrorClass::Unavailable => unavailable.to_owned(),
    };
    message_page(class.http_status(), class.title(), &message, Some(viewer))
}

/// The step a "retry from the failed step" starts at: the last failed one.
fn failed_step(run: &RunDetail) -> Option<&StepRecord> {
    run.steps.iter().rev().find(|s| s.status == StepStatus::Failed)
}

/// `GET /runs/<id>`.
pub async fn run_page(
    State(web): State<WebState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
) -> Response {
    let run = match load_run(&web, &id, &viewer).await {
        Ok(run) => run,
        Err(response) => return response,
    };
    let finished = run.run.status.is_finished();
    let body = run_body(&run);
    let refresh = (!finished).then_some(REFRESH_SECONDS);
    html_response(StatusCode::OK, page(&format!("Run {}", run.run.id), Section::Runs, Some(&viewer), refresh, &body))
}

fn run_body(detail: &RunDetail) -> Markup {
    let run = &detail.run;
    html! {
        h1 { "Run " code { (run.id) } " " (badge(run.status.as_str())) }
        @if let Some(error) = &run.error {
            div.error role="alert" { (error) }
        }
        section.card aria-label="Run" {
            dl.facts {
                dt { "Recipe" } dd { a href=(format!("/runs?recipe={}", query_value(&run.recipe))) { (run.recipe) } " " span.muted { "version " code { (run.recipe_version.get(..12).unwrap_or(&run.recipe_version)) } } }
                dt { "Trigger" } dd { (run.trigger) }
                dt { "Event" } dd { (run.event_id.as_deref().unwrap_or("—")) }
                dt { "Business key" } dd { (run.business_key.as_deref().unwrap_or("—")) }
                dt { "Candidate" } dd {
                    @match &run.candidate_id {
                        Some(c) => a href=(format!("/runs?candidate={}", query_value(c))) { (c) },
                        None => "—",
                    }
                }
                dt { "Application / job" } dd { (run.application_id.as_deref().unwrap_or("—")) " / " (run.job_id.as_deref().unwrap_or("—")) }
                dt { "Recorded" } dd { (time(Some(run.created_at))) }
                dt { "Started" } dd { (time(run.started_at)) }
                dt { "Finished" } dd { (time(run.finished_at)) " " span.muted { "(" (duration(run.started_at, run.finished_at)) ")" } }
                dt { "Claims" } dd { (run.attempt) }
                dt { "Node" } dd { (run.node.as_deref().unwrap_or("—")) @if let Some(owner) = &detail.lease_owner { " " span.muted { "(leased by " (owner) " until " (time(detail.lease_expires_at)) ")" } } }
                @if let Some(original) = &run.retry_of {
                    dt { "Retry of" } dd { a href=(format!("/runs/{original}")) { code { (original) } } }
                }
                @if let Some(who) = &run.requested_by {
                    dt { "Requested by" } dd { (who) }
                }
                @if let Some(at) = detail.redacted_at {
                    dt { "Personal data" } dd { "removed by forget-candidate at " (time(Some(at))) }
                }
            }
            (folded_json("Trigger event", Some(&detail.payload)))
        }
        @if run.status.is_finished() {
            section.card aria-label="Retry" {
                h2 { "Retry" }
                div.actions {
                    form method="get" action=(format!("/runs/{}/retry", run.id)) {
                        button.primary type="submit" id="retry-from-start" { "Retry from the start" }
                    }
                    @if let Some(step) = failed_step(detail) {
                        form method="get" action=(format!("/runs/{}/retry", run.id)) {
                            input type="hidden" name="from_step" value=(step.step_id);
                            button.primary type="submit" id="retry-from-failed" { "Retry from the failed step " code { (step.step_id) } }
                        }
                    }
                }
            }
        } @else {
            p.muted aria-live="polite" { "This run is " (run.status.as_str()) "; the page reloads every " (REFRESH_SECONDS) " seconds." }
        }
        h2 { "Steps" }
        @if detail.steps.is_empty() { p.muted { "No step has started." } }
        ol.timeline {
            @for step in &detail.steps { (step_item(step, run.node.as_deref())) }
        }
    }
}

fn step_item(step: &StepRecord, node: Option<&str>) -> Markup {
    html! {
        li class=(format!("step-{}", step.status.as_str())) {
            h3 { code { (step.step_id) } " " (badge(step.status.as_str())) }
            p.muted {
                code { (step.action) } " · " (step.attempts) (if step.attempts == 1 { " attempt" } else { " attempts" })
                " · " (duration(step.started_at, step.finished_at)) " · started " (time(step.started_at))
                @if let Some(node) = node { " · node " (node) }
            }
            @if let Some(error) = &step.error {
                div.error { (error) }
            }
            (folded_json("Input", step.input.as_ref()))
            (folded_json("Output", step.output.as_ref()))
        }
    }
}

/// Query of the confirmation page.
#[derive(Debug, Default, Deserialize)]
pub struct RetryQuery {
    /// Retry from this step.
    from_step: Option<String>,
}

/// `GET /runs/<id>/retry`: asks for confirmation; the form carries the CSRF token.
pub async fn confirm_retry_page(
    State(web): State<WebState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Query(query): Query<RetryQuery>,
) -> Response {
    let run = match load_run(&web, &id, &viewer).await {
        Ok(run) => run,
        Err(response) => return response,
    };
    let from_step = query.from_step.filter(|s| !s.is_empty());
    let csrf = web.keys.csrf_token(&viewer, &run.run.id);
    let body = html! {
        h1 { "Retry run " code { (run.run.id) } "?" }
        section.card {
            @match &from_step {
                Some(step) => p { "A new run of " strong { (run.run.recipe) } " starts at step " code { (step) }
                    "; the steps before it keep their results and are not sent again." },
                None => p { "A new run of " strong { (run.run.recipe) } " starts from the first step; steps that succeeded keep their results and are not sent again." },
            }
            form method="post" action=(format!("/runs/{}/retry", run.run.id)) {
                input type="hidden" name="csrf" value=(csrf);
                @if let Some(step) = &from_step { input type="hidden" name="from_step" value=(step); }
                fieldset {
                    legend { "Recipe version" }
                    label { input type="radio" name="version" value="original" checked; " the version this run used" }
                    br;
                    label { input type="radio" name="version" value="current"; " the current version" }
                }
                p.muted { "Recorded as requested by " strong { (viewer.requested_by()) } "." }
                div.actions {
                    button.danger type="submit" id="confirm-retry" { "Yes, retry" }
                    a href=(format!("/runs/{}", run.run.id)) { "Cancel" }
                }
            }
        }
    };
    html_response(StatusCode::OK, page("Confirm retry", Section::Runs, Some(&viewer), None, &body))
}

/// The confirmation form.
#[derive(Debug, Deserialize)]
pub struct RetryForm {
    /// The CSRF token from the confirmation page.
    csrf: String,
    /// Retry from this step.
    from_step: Option<String>,
    /// `original` or `current`.
    version: Option<String>,
}

/// `POST /runs/<id>/retry`: checks the CSRF token, records the retry and goes to the new run.
pub async fn retry(
    State(web): State<WebState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(form): Form<RetryForm>,
) -> Response {
    if !web.keys.csrf_matches(&viewer, &id, &form.csrf) {
        return message_page(
            StatusCode::FORBIDDEN,
            "Retry refused",
            "The form expired or did not come from this page; open the run and retry again.",
            Some(&viewer),
        );
    }
    let version = match parse_version(form.version.as_deref().filter(|v| !v.is_empty())) {
        Ok(version) => version,
        Err(message) => return message_page(StatusCode::BAD_REQUEST, "Retry refused", &message, Some(&viewer)),
    };
    let request = RetryRequest {
        from_step: form.from_step.filter(|s| !s.is_empty()),
        version,
        requested_by: viewer.requested_by(),
    };
    match retry_run(&web.app.store, &web.app.wake, &id, &request).await {
        Ok(new_id) => {
            tracing::info!(run = %id, retry = %new_id, requested_by = %request.requested_by, "retry requested from the web page");
            Redirect::to(&format!("/runs/{new_id}")).into_response()
        }
        Err(e) => {
            if ErrorClass::of(&e) == ErrorClass::Unavailable {
                tracing::error!(error = %e, run = %id, "store error retrying from the web page");
            }
            store_error_page(&e, &id, "The retry could not be recorded; see the daemon's log.", &viewer)
        }
    }
}
