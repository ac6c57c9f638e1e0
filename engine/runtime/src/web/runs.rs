//! The runs page (`/runs`): filters by recipe, status, time range and candidate (id or email), newest first,
//! paginated with a `before` cursor; `partial=1` returns only the table rows, which the page's script polls.

use axum::Extension;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, NaiveDateTime, Utc};
use hirewire_store::{RunFilter, RunStatus, RunSummary, StoreError};

use crate::ops::{ErrorClass, FilterProblems, PageSize, RunQuery};
use maud::{Markup, html};
use serde::Deserialize;

use super::WebState;
use super::layout::{Section, badge, duration, html_response, message_page, page, query_value, shorten, time};
use super::session::Viewer;

/// Runs per page.
pub const PAGE_SIZE: u32 = 50;
/// At most this many candidates are matched by one email.
pub const MAX_EMAIL_CANDIDATES: u32 = 20;
/// What the page says when the run history cannot be read.
pub const UNREADABLE: &str = "The run history could not be read; see the daemon's log.";
/// The `since` choices offered.
const SINCE_CHOICES: [&str; 4] = ["1h", "24h", "7d", "30d"];

/// The filters of `/runs`, as the form sends them (empty fields mean "any").
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RunsPageQuery {
    /// Only this recipe.
    recipe: Option<String>,
    /// Only this status.
    status: Option<String>,
    /// Only runs recorded in this last duration (`24h`).
    since: Option<String>,
    /// Only runs recorded at or after this UTC time (`2026-11-28T14:00`).
    from: Option<String>,
    /// Only runs recorded before this UTC time.
    to: Option<String>,
    /// A candidate id, or an email found in runs' payloads.
    candidate: Option<String>,
    /// Pagination: runs older than this run id.
    before: Option<String>,
    /// `1`: only the table rows (for live updates).
    partial: Option<String>,
}

fn field(value: Option<&String>) -> Option<&str> {
    value.map(|v| v.trim()).filter(|v| !v.is_empty())
}

impl RunsPageQuery {
    /// The query string of these filters (without `before` and `partial`) followed by `extra`.
    fn link(&self, extra: &[(&str, &str)]) -> String {
        let pairs = [
            ("recipe", field(self.recipe.as_ref())),
            ("status", field(self.status.as_ref())),
            ("since", field(self.since.as_ref())),
            ("from", field(self.from.as_ref())),
            ("to", field(self.to.as_ref())),
            ("candidate", field(self.candidate.as_ref())),
        ];
        let parts: Vec<String> = pairs
            .iter()
            .filter_map(|(k, v)| v.map(|v| format!("{k}={}", query_value(v))))
            .chain(extra.iter().map(|(k, v)| format!("{k}={}", query_value(v))))
            .collect();
        format!("/runs?{}", parts.join("&"))
    }
}

/// `2026-11-28T14:00` (or with seconds) read as UTC.
fn parse_utc(name: &str, text: &str) -> Result<DateTime<Utc>, String> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .map(|t| t.and_utc())
        .map_err(|_| format!("{name}: `{text}` is not a time like 2026-11-28T14:00 (UTC)"))
}

/// The store filter of `query`, or what is wrong with it.
fn run_filter(query: &RunsPageQuery, now: DateTime<Utc>) -> Result<RunFilter, Vec<String>> {
    let shared = RunQuery {
        recipe: query.recipe.clone(),
        status: query.status.clone(),
        since: query.since.clone(),
        before: query.before.clone(),
        ..RunQuery::default()
    };
    let page = PageSize { default: PAGE_SIZE, max: PAGE_SIZE };
    let (mut filter, mut problems) = match shared.filter(now, page) {
        Ok(filter) => (filter, Vec::new()),
        Err(FilterProblems(problems)) => (RunFilter::default(), problems),
    };
    if let Some(from) = field(query.from.as_ref()) {
        match parse_utc("from", from) {
            Ok(at) => filter.since = Some(filter.since.map_or(at, |s| s.max(at))),
            Err(e) => problems.push(e),
        }
    }
    if let Some(to) = field(query.to.as_ref()) {
        match parse_utc("to", to) {
            Ok(at) => filter.until = Some(at),
            Err(e) => problems.push(e),
        }
    }
    if problems.is_empty() { Ok(filter) } else { Err(problems) }
}

/// Runs matching `filter` about any of `candidates` (`None`: no candidate filter), newest first.
async fn list_for_candidates(
    web: &WebState,
    filter: &RunFilter,
    candidates: Option<&[String]>,
) -> Result<Vec<RunSummary>, StoreError> {
    let Some(candidates) = candidates else {
        return web.app.store.list_runs(filter).await;
    };
    let mut runs = Vec::new();
    for id in candidates {
        let one = RunFilter { candidate_id: Some(id.clone()), ..filter.clone() };
        runs.extend(web.app.store.list_runs(&one).await?);
    }
    runs.sort_by(|a, b| b.created_at.cmp(&a.created_at).then_with(|| b.id.cmp(&a.id)));
    runs.truncate(usize::try_from(filter.limit).unwrap_or(usize::MAX));
    Ok(runs)
}

/// The candidate ids `text` stands for: itself, or (for an email) the candidates whose runs mention it.
async fn candidate_ids(web: &WebState, text: &str) -> Result<Vec<String>, StoreError> {
    if text.contains('@') {
        web.app.store.candidates_with_payload_text(text, MAX_EMAIL_CANDIDATES).await
    } else {
        Ok(vec![text.to_owned()])
    }
}

/// `GET /runs`.
pub async fn runs_page(
    State(web): State<WebState>,
    Extension(viewer): Extension<Viewer>,
    Query(query): Query<RunsPageQuery>,
) -> Response {
    let partial = field(query.partial.as_ref()) == Some("1");
    let filter = match run_filter(&query, Utc::now()) {
        Ok(filter) => filter,
        Err(problems) if partial => {
            return message_page(StatusCode::BAD_REQUEST, "Invalid filter", &problems.join("; "), Some(&viewer));
        }
        Err(problems) => {
            let body = runs_body(&web, &query, &[], Some(&problems), None);
            return html_response(StatusCode::BAD_REQUEST, page("Runs", Section::Runs, Some(&viewer), None, &body));
        }
    };
    let candidate = field(query.candidate.as_ref());
    let result = async {
        let ids = match candidate {
            Some(text) => Some(candidate_ids(&web, text).await?),
            None => None,
        };
        let runs = list_for_candidates(&web, &filter, ids.as_deref()).await?;
        Ok::<_, StoreError>((ids, runs))
    }
    .await;
    let (ids, runs) = match result {
        Ok(found) => found,
        Err(e) => {
            tracing::error!(error = %e, "store error on the runs page");
            let class = ErrorClass::Unavailable;
            return message_page(class.http_status(), class.title(), UNREADABLE, Some(&viewer));
        }
    };
    if partial {
        return html_response(StatusCode::OK, rows(&runs));
    }
    let note = match (candidate, ids.as_deref()) {
        (Some(text), Some([])) if text.contains('@') => Some(format!("No run's trigger event mentions {text}.")),
        (Some(text), Some(ids)) if text.contains('@') => Some(format!("{text} is candidate {}.", ids.join(", "))),
        _ => None,
    };
    let body = runs_body(&web, &query, &runs, None, note.as_deref());
    html_response(StatusCode::OK, page("Runs", Section::Runs, Some(&viewer), None, &body))
}

fn runs_body(
    web: &WebState,
    query: &RunsPageQuery,
    runs: &[RunSummary],
    problems: Option<&[String]>,
    note: Option<&str>,
) -> Markup {
    let mut recipes: Vec<String> = web.app.recipes.all_current().iter().map(|r| r.name.clone()).collect();
    recipes.sort();
    let chosen_recipe = field(query.recipe.as_ref());
    let chosen_status = field(query.status.as_ref());
    let chosen_since = field(query.since.as_ref());
    let first_page = field(query.before.as_ref()).is_none();
    html! {
        h1 { "Runs" }
        form.filters.card method="get" action="/runs" role="search" aria-label="Filter runs" {
            label { "Recipe"
                select name="recipe" {
                    option value="" { "any" }
                    @for name in &recipes {
                        option value=(name) selected[chosen_recipe == Some(name.as_str())] { (name) }
                    }
                    @if let Some(other) = chosen_recipe.filter(|r| !recipes.iter().any(|n| n == r)) {
                        option value=(other) selected { (other) }
                    }
                }
            }
            label { "Status"
                select name="status" {
                    option value="" { "any" }
                    @for status in RunStatus::ALL {
                        option value=(status.as_str()) selected[chosen_status == Some(status.as_str())] { (status.as_str()) }
                    }
                }
            }
            label { "Recorded in the last"
                select name="since" {
                    option value="" { "any time" }
                    @for since in SINCE_CHOICES {
                        option value=(since) selected[chosen_since == Some(since)] { (since) }
                    }
                }
            }
            label { "From (UTC)" input type="datetime-local" name="from" value=[field(query.from.as_ref())]; }
            label { "To (UTC)" input type="datetime-local" name="to" value=[field(query.to.as_ref())]; }
            label { "Candidate (id or email)"
                input type="search" name="candidate" value=[field(query.candidate.as_ref())] placeholder="12345 or ada@example.com" autocomplete="off";
            }
            button.primary type="submit" { "Filter" }
            a href="/runs" { "Clear" }
        }
        @if let Some(problems) = problems {
            div.error role="alert" { @for p in problems { (p) br; } }
        }
        @if let Some(note) = note { p.muted { (note) } }
        @if first_page {
            p.muted id="live-note" aria-live="polite" { "This list refreshes every 5 seconds." }
        }
        table.runs {
            caption.muted { (runs.len()) " runs shown, newest first" }
            thead { tr {
                th scope="col" { "Run" } th scope="col" { "Recipe" } th scope="col" { "Status" }
                th scope="col" { "Candidate" } th scope="col" { "Event" } th scope="col" { "Recorded" }
                th scope="col" { "Duration" } th scope="col" { "Error" }
            } }
            tbody id="runs-body" data-live=(if first_page { "1" } else { "0" }) { (rows(runs)) }
        }
        nav.pager aria-label="Pages" {
            @if !first_page { a href=(query.link(&[])) { "← Newest" } }
            @if runs.len() == PAGE_SIZE as usize {
                @if let Some(last) = runs.last() {
                    a href=(query.link(&[("before", &last.id)])) { "Older →" }
                }
            }
        }
    }
}

/// The table rows of `runs`.
fn rows(runs: &[RunSummary]) -> Markup {
    html! {
        @if runs.is_empty() {
            tr { td colspan="8" { "No runs match." } }
        }
        @for run in runs {
            tr {
                td data-label="Run" { a href=(format!("/runs/{}", run.id)) { code { (run.id) } } }
                td data-label="Recipe" { (run.recipe) }
                td data-label="Status" { (badge(run.status.as_str())) @if run.retry_of.is_some() { " " span.muted { "retry" } } }
                td data-label="Candidate" { (run.candidate_id.as_deref().unwrap_or("—")) }
                td data-label="Event" { (run.event_id.as_deref().map_or_else(|| "—".to_owned(), |e| shorten(e, 32))) }
                td data-label="Recorded" { (time(Some(run.created_at))) }
                td data-label="Duration" { (duration(run.started_at, run.finished_at)) }
                td.err data-label="Error" { (run.error.as_deref().map(|e| shorten(e, 160)).unwrap_or_default()) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_and_explain_mistakes() {
        let now = Utc::now();
        let query = RunsPageQuery {
            recipe: Some("hired".into()),
            status: Some("failed".into()),
            from: Some("2026-11-28T14:00".into()),
            to: Some(String::new()),
            ..RunsPageQuery::default()
        };
        let filter = run_filter(&query, now).expect("valid");
        assert_eq!(filter.status, Some(RunStatus::Failed));
        assert_eq!(filter.since.map(|s| s.to_rfc3339()).as_deref(), Some("2026-11-28T14:00:00+00:00"));
        assert_eq!(filter.until, None);
        let bad = RunsPageQuery { status: Some("done".into()), since: Some("soon".into()), ..RunsPageQuery::default() };
        let problems = run_filter(&bad, now).expect_err("invalid");
        assert_eq!(problems.len(), 2);
        assert!(problems[0].starts_with("status: unknown status `done`"), "{problems:?}");
        assert_eq!(
            problems[1],
            "since: `soon` is neither a duration like 30min, 24h or 7d nor an RFC 3339 time like 2026-11-28T14:00:00Z"
        );
    }

    #[test]
    fn links_keep_filters_and_encode_values() {
        let query =
            RunsPageQuery { candidate: Some("a+b@x.io".into()), before: Some("r1".into()), ..RunsPageQuery::default() };
        assert_eq!(query.link(&[("before", "r9")]), "/runs?candidate=a%2Bb%40x.io&before=r9");
    }
}
