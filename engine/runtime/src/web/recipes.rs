//! The recipes page (`/`): each recipe with its trigger and trigger state, its runs in the last 24 hours by
//! status with a chart per hour, and its last error.

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Duration, DurationRound, Utc};
use hirewire_core::recipe::{Recipe, Schedule, Trigger};
use hirewire_store::dashboard::HourlyRunCount;
use hirewire_store::{RunFilter, RunStatus, RunSummary, TriggerState};
use maud::{Markup, html};

use super::WebState;
use super::chart::{HOURS, HourlyRuns};
use super::layout::{Section, badge, html_response, message_page, page, query_value, shorten, time};
use super::session::Viewer;
use crate::intake::trigger_identity;

/// Everything shown about one recipe.
struct RecipeCard {
    recipe: std::sync::Arc<Recipe>,
    state: Option<TriggerState>,
    hourly: HourlyRuns,
    last_failure: Option<RunSummary>,
}

/// The start of the 24 one-hour buckets that end with the current hour.
fn window_start(now: DateTime<Utc>) -> DateTime<Utc> {
    let hour = now.duration_trunc(Duration::hours(1)).unwrap_or(now);
    hour - Duration::hours(i64::try_from(HOURS).unwrap_or(24) - 1)
}

/// `GET /`.
pub async fn recipes_page(State(web): State<WebState>, Extension(viewer): Extension<Viewer>) -> Response {
    let start = window_start(Utc::now());
    match load_cards(&web, start).await {
        Ok(cards) => {
            let body = html! {
                h1 { "Recipes" }
                @if cards.is_empty() {
                    p.muted { "No recipes are loaded." }
                }
                div.grid {
                    @for card in &cards { (recipe_card(card, start)) }
                }
            };
            html_response(StatusCode::OK, page("Recipes", Section::Recipes, Some(&viewer), None, &body))
        }
        Err(e) => {
            tracing::error!(error = %e, "store error on the recipes page");
            message_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Run history unavailable",
                "The run history could not be read; see the daemon's log.",
                Some(&viewer),
            )
        }
    }
}

async fn load_cards(web: &WebState, start: DateTime<Utc>) -> Result<Vec<RecipeCard>, hirewire_store::StoreError> {
    let store = &web.app.store;
    let counts: Vec<HourlyRunCount> = store.runs_per_hour(start).await?;
    let mut recipes = web.app.recipes.all_current();
    recipes.sort_by(|a, b| a.name.cmp(&b.name));
    let mut cards = Vec::with_capacity(recipes.len());
    for recipe in recipes {
        let state = store.trigger_state(&recipe.name, &trigger_identity(&recipe)).await?;
        let failed = RunFilter {
            recipe: Some(recipe.name.clone()),
            status: Some(RunStatus::Failed),
            limit: 1,
            ..RunFilter::default()
        };
        let last_failure = store.list_runs(&failed).await?.into_iter().next();
        let hourly = HourlyRuns::of(&recipe.name, &counts);
        cards.push(RecipeCard { recipe, state, hourly, last_failure });
    }
    Ok(cards)
}

fn schedule_text(schedule: &Schedule) -> String {
    match schedule {
        Schedule::Every(every) => format!("every {}", humantime::format_duration(*every)),
        Schedule::Cron { pattern, timezone, .. } => format!("cron {pattern} ({timezone})"),
    }
}

fn recipe_card(card: &RecipeCard, start: DateTime<Utc>) -> Markup {
    let recipe = &card.recipe;
    let runs_link = format!("/runs?recipe={}", query_value(&recipe.name));
    html! {
        section.card aria-labelledby=(format!("recipe-{}", recipe.name)) {
            h2 id=(format!("recipe-{}", recipe.name)) {
                a href=(runs_link) { (recipe.name) }
                @if !recipe.enabled { " " span.badge { "disabled" } }
            }
            @if let Some(description) = &recipe.description { p.muted { (description) } }
            dl.facts {
                @match &recipe.trigger {
                    Trigger::Connector(t) => {
                        dt { "Trigger" } dd { code { (t.connection) "." (t.event) } }
                        dt { "Delivery" } dd { (t.delivery.as_str()) }
                        dt { "Poll schedule" }
                        dd { (t.poll.as_ref().map_or_else(|| "engine default".to_owned(), schedule_text)) }
                    }
                    Trigger::Clock(c) => {
                        dt { "Trigger" } dd { "schedule" }
                        dt { "Schedule" } dd { (schedule_text(&c.schedule)) }
                    }
                }
                dt { "Cursor" }
                dd { @match card.state.as_ref().and_then(|s| s.cursor.as_ref()) {
                    Some(cursor) => code { (shorten(&cursor.to_string(), 80)) },
                    None => span.muted { "none yet" },
                } }
                dt { "Last poll" } dd { (time(card.state.as_ref().and_then(|s| s.last_polled_at))) }
                dt { "Next fire" } dd { (time(card.state.as_ref().and_then(|s| s.next_fire_at))) }
            }
            h3.muted { "Last 24 hours: " (card.hourly.all()) " runs" }
            div.counts {
                @for status in RunStatus::ALL {
                    @let n = card.hourly.total(status);
                    @if n > 0 {
                        a href=(format!("{runs_link}&status={}&since=24h", status.as_str())) {
                            (badge(status.as_str())) " " (n)
                        }
                    }
                }
            }
            (card.hourly.chart(start))
            @if let Some(failure) = &card.last_failure {
                h3 { "Last error" }
                p { a href=(format!("/runs/{}", failure.id)) { "Run " code { (failure.id) } } " · " (time(failure.finished_at.or(Some(failure.created_at)))) }
                div.error { (shorten(failure.error.as_deref().unwrap_or("(no message)"), 400)) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_ends_with_the_current_hour() {
        let now = DateTime::parse_from_rfc3339("2026-11-28T14:37:10Z").map(|t| t.with_timezone(&Utc)).ok();
        let start = now.map(window_start).map(|s| s.to_rfc3339());
        assert_eq!(start.as_deref(), Some("2026-11-27T15:00:00+00:00"));
    }
}
