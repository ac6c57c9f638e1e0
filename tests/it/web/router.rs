//! The API and the web page through the router without a socket, on the points a probe attacks: bearer auth
//! (missing, wrong, a page cookie instead), the headers of JSON answers, `since` filters that once overflowed
//! or matched nothing, filter and retry errors with their statuses, and recipe files shown without the
//! server's paths.

use axum::http::StatusCode;
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, COOKIE, SET_COOKIE, WWW_AUTHENTICATE, X_CONTENT_TYPE_OPTIONS};
use hirewire_tests::engine::Db;
use serde_json::json;

use super::app::{Answer, bearer};
use super::{AppFixture, RECIPE, TOKEN};
use crate::engine::on_both_databases;

/// Asserts that `answer` may not be sniffed as another type nor stored.
fn assert_private(answer: &Answer, what: &str) {
    assert_eq!(answer.header(X_CONTENT_TYPE_OPTIONS), "nosniff", "{what}");
    assert_eq!(answer.header(CACHE_CONTROL), "no-store", "{what}");
}

/// The ids of the runs in a `GET /api/runs` answer.
fn run_ids(answer: &Answer) -> Vec<String> {
    let runs = answer.json()["runs"].as_array().cloned().unwrap_or_default();
    runs.iter().filter_map(|r| r["id"].as_str().map(str::to_owned)).collect()
}

async fn api_bearer_auth_and_private_answers(db: Db) {
    let fixture = AppFixture::start(db, "router-auth", "Create the employee.", "Ada").await;
    let app = &fixture.app;
    let auth = bearer(TOKEN);

    let missing = app.get("/api/runs", &[]).await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(missing.header(WWW_AUTHENTICATE), "Bearer");
    assert_eq!(missing.json(), json!({ "error": "missing or wrong bearer token" }));
    assert_private(&missing, "a refusal");
    for wrong in ["Bearer nope", "Bearer", "bearer web-token-9f8e7d6c5b4a", "Basic d2ViOnRva2Vu", TOKEN] {
        let answer = app.get("/api/runs", &[(AUTHORIZATION, wrong)]).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{wrong}");
    }
    let login = app.post_form("/login", &[], &[("token", TOKEN), ("name", "Grace"), ("next", "/runs")]).await;
    let cookie = login.header(SET_COOKIE).split(';').next().expect("cookie").to_owned();
    let with_cookie = app.get("/api/runs", &[(COOKIE, &cookie)]).await;
    assert_eq!(with_cookie.status, StatusCode::UNAUTHORIZED, "the API takes the bearer token, not a page session");

    for uri in ["/api/runs", &format!("/api/runs/{}", fixture.failed.id), "/api/recipes", "/api/nodes"] {
        let answer = app.get(uri, &[(AUTHORIZATION, &auth)]).await;
        assert_eq!(answer.status, StatusCode::OK, "{uri}: {}", answer.body);
        assert_private(&answer, uri);
    }
    let not_found = app.get("/api/runs/nope", &[(AUTHORIZATION, &auth)]).await;
    assert_eq!((not_found.status, not_found.json()), (StatusCode::NOT_FOUND, json!({ "error": "no run `nope`" })));
    assert_private(&not_found, "a 404");
    fixture.stop().await;
}

async fn api_since_is_bounded_and_takes_rfc3339(db: Db) {
    let fixture = AppFixture::start(db, "router-since", "Create the employee.", "Ada").await;
    let app = &fixture.app;
    let auth = bearer(TOKEN);
    let both = {
        let mut ids = vec![fixture.failed.id.clone(), fixture.succeeded.id.clone()];
        ids.sort();
        ids
    };
    for since in ["24h", "2w", "30min", "2000-01-01T00:00:00Z", "2000-01-01T01:00:00%2B01:00"] {
        let answer = app.get(&format!("/api/runs?since={since}"), &[(AUTHORIZATION, &auth)]).await;
        assert_eq!(answer.status, StatusCode::OK, "{since}: {}", answer.body);
        let mut ids = run_ids(&answer);
        ids.sort();
        assert_eq!(ids, both, "{since}");
    }
    let future = app.get("/api/runs?since=2999-01-01T00:00:00Z", &[(AUTHORIZATION, &auth)]).await;
    assert_eq!((future.status, run_ids(&future).len()), (StatusCode::OK, 0));
    for (since, says) in [
        ("100000000d", "reaches too far back"),
        ("99999999999999d", "reaches too far back"),
        ("99999999999999999999999999d", "reaches too far back"),
        ("soon", "is neither a duration"),
    ] {
        let answer = app.get(&format!("/api/runs?since={since}"), &[(AUTHORIZATION, &auth)]).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{since}");
        let error = answer.json()["error"].as_str().unwrap_or_default().to_owned();
        assert!(error.starts_with(&format!("since: `{since}`")) && error.contains(says), "{since}: {error}");
        assert_private(&answer, since);
    }
    fixture.stop().await;
}

async fn api_filters_and_retry_answer_with_their_statuses(db: Db) {
    let fixture = AppFixture::start(db, "router-retry", "Create the employee.", "Ada").await;
    let app = &fixture.app;
    let auth = bearer(TOKEN);
    let authorized = [(AUTHORIZATION, auth.as_str())];

    let failed = app.get(&format!("/api/runs?recipe={RECIPE}&status=failed"), &authorized).await;
    assert_eq!(run_ids(&failed), [fixture.failed.id.as_str()]);
    let by_candidate = app.get("/api/runs?candidate=102", &authorized).await;
    assert_eq!(run_ids(&by_candidate), [fixture.succeeded.id.as_str()]);
    let page = app.get("/api/runs?limit=1", &authorized).await;
    assert_eq!(run_ids(&page), [fixture.succeeded.id.as_str()], "newest first");
    assert_eq!(page.json()["next_before"], json!(fixture.succeeded.id));
    let older = app.get(&format!("/api/runs?limit=1&before={}", fixture.succeeded.id), &authorized).await;
    assert_eq!(run_ids(&older), [fixture.failed.id.as_str()]);
    for (query, says) in [
        ("status=done", "status: unknown status `done`"),
        ("limit=ten", "limit: `ten` is not a number of runs"),
        ("colour=red", "unknown field `colour`"),
    ] {
        let answer = app.get(&format!("/api/runs?{query}"), &authorized).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(answer.json()["error"].as_str().unwrap_or_default().contains(says), "{query}: {}", answer.body);
    }

    let retry_uri = format!("/api/runs/{}/retry", fixture.failed.id);
    let nope = app.post_json("/api/runs/nope/retry", &authorized, None).await;
    assert_eq!((nope.status, nope.json()), (StatusCode::NOT_FOUND, json!({ "error": "no run `nope`" })));
    let bad_version = app.post_json(&retry_uri, &authorized, Some(&json!({ "version": "newest" }))).await;
    assert_eq!(bad_version.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_version.json(), json!({ "error": "version: `newest` is not `original` or `current`" }));
    let no_step = app.post_json(&retry_uri, &authorized, Some(&json!({ "from_step": "nowhere" }))).await;
    assert_eq!(no_step.status, StatusCode::CONFLICT, "{}", no_step.body);
    let accepted = app.post_json(&retry_uri, &authorized, Some(&json!({ "from_step": "welcome" }))).await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{}", accepted.body);
    assert_eq!(accepted.json()["retry_of"], json!(fixture.failed.id));
    let pending = app.post_json(&retry_uri, &authorized, None).await;
    assert_eq!(pending.status, StatusCode::CONFLICT, "one retry at a time: {}", pending.body);
    app.run_due().await;
    let retry_id = accepted.json()["run_id"].as_str().expect("run id").to_owned();
    let retry = app.get(&format!("/api/runs/{retry_id}"), &authorized).await.json();
    assert_eq!(retry["status"], json!("succeeded"), "{retry}");
    assert_eq!(retry["requested_by"], json!("api"));
    assert_eq!(fixture.backend.calls_of("employee").len(), 2, "from `welcome`: `employee` is not sent again");
    fixture.stop().await;
}

async fn api_recipes_show_project_relative_files(db: Db) {
    let fixture = AppFixture::start(db, "router-recipes", "Create the employee.", "Ada").await;
    let answer = fixture.app.get("/api/recipes", &[(AUTHORIZATION, &bearer(TOKEN))]).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json()["recipes"][0]["file"], json!("recipes/hired.yaml"));
    let dir = fixture.project.dir.path().display().to_string();
    assert!(!answer.body.contains(&dir), "the project's location on the server is not shown: {}", answer.body);
    fixture.stop().await;
}

async fn web_since_is_bounded_and_explained(db: Db) {
    let fixture = AppFixture::start(db, "router-web-since", "Create the employee.", "Ada").await;
    let app = &fixture.app;
    let login = app.post_form("/login", &[], &[("token", TOKEN), ("name", "Grace"), ("next", "/runs")]).await;
    let cookie = login.header(SET_COOKIE).split(';').next().expect("cookie").to_owned();
    for uri in ["/runs?since=100000000d", "/runs?since=99999999999999d"] {
        let page = app.get(uri, &[(COOKIE, &cookie)]).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(page.body.contains("reaches too far back"), "{uri}: the page says why");
        let partial = app.get(&format!("{uri}&partial=1"), &[(COOKIE, &cookie)]).await;
        assert_eq!(partial.status, StatusCode::BAD_REQUEST, "{uri} (live rows)");
        assert!(partial.body.contains("reaches too far back"), "{uri}");
    }
    let since_rfc3339 = app.get("/runs?since=2000-01-01T00:00:00Z", &[(COOKIE, &cookie)]).await;
    assert_eq!(since_rfc3339.status, StatusCode::OK);
    assert!(since_rfc3339.body.contains(&fixture.failed.id) && since_rfc3339.body.contains(&fixture.succeeded.id));
    fixture.stop().await;
}

on_both_databases!(
    api_bearer_auth_and_private_answers,
    api_since_is_bounded_and_takes_rfc3339,
    api_filters_and_retry_answer_with_their_statuses,
    api_recipes_show_project_relative_files,
    web_since_is_bounded_and_explained
);
