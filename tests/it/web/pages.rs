//! The web page through its router without a socket: the login cookie, pages behind it, filters (candidate by
//! email, status, `partial=1`), retry with its CSRF token and confirmation, and values that could be markup
//! rendered inert.

use axum::http::StatusCode;
use axum::http::header::{AUTHORIZATION, CONTENT_SECURITY_POLICY, COOKIE, LOCATION, ORIGIN, SET_COOKIE};
use hirewire_store::{RunFilter, RunStatus};
use hirewire_tests::engine::{Db, wait_for_finished};

use super::app::{AppHarness, bearer};
use super::{AppFixture, RECIPE, TOKEN};
use crate::engine::on_both_databases;

/// The `Origin` of a form posted by the page itself (its host is `app::HOST`).
const SAME_ORIGIN: &str = "http://127.0.0.1:8080";

async fn get_page(app: &AppHarness, uri: &str, cookie: &str) -> (StatusCode, String) {
    let answer = app.get(uri, &[(COOKIE, cookie)]).await;
    (answer.status, answer.body)
}

/// Logs in with `name`; returns the `Cookie` header value.
async fn log_in(app: &AppHarness, name: &str) -> String {
    let response = app.post_form("/login", &[], &[("token", TOKEN), ("name", name), ("next", "/runs")]).await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    assert_eq!(response.header(LOCATION), "/runs");
    let set_cookie = response.header(SET_COOKIE).to_owned();
    assert!(set_cookie.starts_with("hirewire_session=v2."), "{set_cookie}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{set_cookie} lacks {attribute}");
    }
    assert!(!set_cookie.contains("Secure"), "plain http on loopback: no Secure ({set_cookie})");
    assert!(!set_cookie.contains(TOKEN), "the cookie never holds the token");
    set_cookie.split(';').next().expect("name=value").to_owned()
}

/// The value of the hidden `csrf` input in `html`.
fn csrf_of(html: &str) -> String {
    let start = html.find(r#"name="csrf" value=""#).expect("csrf input") + r#"name="csrf" value=""#.len();
    html[start..].split('"').next().expect("value").to_owned()
}

async fn login_guards_pages_and_retry_needs_csrf(db: Db) {
    let fixture = AppFixture::start(db, "web-login", "Create the employee.", "Ada").await;
    let app = &fixture.app;

    let anonymous = app.get("/runs?status=failed", &[]).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert_eq!(anonymous.header(LOCATION), "/login?next=%2Fruns%3Fstatus%3Dfailed");
    let anonymous_post = app.post_form(&format!("/runs/{}/retry", fixture.failed.id), &[], &[("csrf", "x")]).await;
    assert_eq!(anonymous_post.status, StatusCode::UNAUTHORIZED);
    let wrong = app.post_form("/login", &[], &[("token", "guess"), ("next", "/")]).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.headers.get(SET_COOKIE).is_none());
    assert!(wrong.body.contains("That is not the api token."));
    let forged = app.get("/runs", &[(COOKIE, "hirewire_session=v1.99999999999.AA.00")]).await;
    assert_eq!(forged.status, StatusCode::SEE_OTHER, "a forged cookie is not a session");
    let bearer = app.get("/runs", &[(AUTHORIZATION, &bearer(TOKEN))]).await;
    assert_eq!(bearer.status, StatusCode::OK, "the api bearer token opens the pages too");

    let cookie = log_in(app, "Grace Ops").await;
    let (status, run_page) = get_page(app, &format!("/runs/{}", fixture.failed.id), &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(run_page.contains("Slack said: channel_not_found"));
    assert!(run_page.contains(r#"id="retry-from-failed""#) && run_page.contains(r#"value="welcome""#));
    let (status, confirm) =
        get_page(app, &format!("/runs/{}/retry?from_step=welcome", fixture.failed.id), &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(confirm.contains("web:Grace Ops"), "the confirmation says who is recorded");
    let csrf = csrf_of(&confirm);
    let retry_url = format!("/runs/{}/retry", fixture.failed.id);

    let no_token = app.post_form(&retry_url, &[(COOKIE, &cookie)], &[("csrf", "00"), ("from_step", "welcome")]).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    let other_run = app
        .post_form(&format!("/runs/{}/retry", fixture.succeeded.id), &[(COOKIE, &cookie)], &[("csrf", csrf.as_str())])
        .await;
    assert_eq!(other_run.status, StatusCode::FORBIDDEN, "a token is bound to its run");
    let cross_site = app
        .post_form(
            &retry_url,
            &[(COOKIE, &cookie), (ORIGIN, "http://evil.example")],
            &[("csrf", csrf.as_str()), ("from_step", "welcome")],
        )
        .await;
    assert_eq!(cross_site.status, StatusCode::FORBIDDEN);
    let all = RunFilter { recipe: Some(RECIPE.to_owned()), limit: 100, ..RunFilter::default() };
    assert_eq!(fixture.store.list_runs(&all).await.expect("list").len(), 2, "refused retries record nothing");

    let retried = app
        .post_form(
            &retry_url,
            &[(COOKIE, &cookie), (ORIGIN, SAME_ORIGIN)],
            &[("csrf", csrf.as_str()), ("from_step", "welcome"), ("version", "original")],
        )
        .await;
    assert_eq!(retried.status, StatusCode::SEE_OTHER);
    let location = retried.header(LOCATION).to_owned();
    let new_id = location.strip_prefix("/runs/").expect("goes to the new run").to_owned();
    app.run_due().await;
    let runs = wait_for_finished(&fixture.store, RECIPE, 3, std::time::Duration::from_secs(5)).await;
    let retry = runs.iter().find(|r| r.id == new_id).expect("retry run");
    assert_eq!(retry.status, RunStatus::Succeeded);
    assert_eq!(retry.retry_of.as_deref(), Some(fixture.failed.id.as_str()));
    assert_eq!(retry.requested_by.as_deref(), Some("web:Grace Ops"));
    assert_eq!(fixture.backend.calls_of("employee").len(), 2, "from `welcome`: `employee` is not sent again");
    assert_eq!(fixture.backend.calls_of("welcome").len(), 3);
    let again = app.post_form(&retry_url, &[(COOKIE, &cookie)], &[("csrf", csrf.as_str())]).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "a finished run can be retried again");

    let logout = app.post_form("/logout", &[(COOKIE, &cookie)], &[]).await;
    assert!(logout.header(SET_COOKIE).contains("Max-Age=0"));
    fixture.stop().await;
}

async fn runs_filter_by_email_status_and_page(db: Db) {
    let fixture = AppFixture::start(db, "web-filter", "Create the employee.", "Ada").await;
    let app = &fixture.app;
    let cookie = log_in(app, "").await;

    let (status, by_email) = get_page(app, "/runs?candidate=ADA%40acme.example", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(by_email.contains(&fixture.failed.id) && !by_email.contains(&fixture.succeeded.id), "{by_email}");
    assert!(by_email.contains("ADA@acme.example is candidate 101."));
    let (_, by_id) = get_page(app, "/runs?candidate=102", &cookie).await;
    assert!(by_id.contains(&fixture.succeeded.id) && !by_id.contains(&fixture.failed.id));
    let (_, nobody) = get_page(app, "/runs?candidate=nobody%40acme.example", &cookie).await;
    assert!(
        nobody.contains("No run&#39;s trigger event mentions nobody@acme.example.")
            || nobody.contains("No run's trigger event mentions nobody@acme.example."),
        "{nobody}"
    );
    assert!(nobody.contains("No runs match."));
    let (_, failed) = get_page(app, &format!("/runs?status=failed&since=24h&recipe={RECIPE}"), &cookie).await;
    assert!(failed.contains(&fixture.failed.id) && !failed.contains(&fixture.succeeded.id));
    let (status, bad) = get_page(app, "/runs?status=done&from=yesterday", &cookie).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(bad.contains("status: unknown status `done`") && bad.contains("from: `yesterday` is not a time"), "{bad}");
    let (_, partial) = get_page(app, "/runs?partial=1", &cookie).await;
    assert!(partial.trim_start().starts_with("<tr>") && !partial.contains("<html"), "{partial}");
    assert_eq!(partial.matches("<tr>").count(), 2);
    let (_, older) = get_page(app, &format!("/runs?partial=1&before={}", fixture.succeeded.id), &cookie).await;
    assert!(
        older.contains(&fixture.failed.id) && !older.contains(&fixture.succeeded.id),
        "newest first, `before` pages back"
    );

    let (status, recipes) = get_page(app, "/", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(recipes.contains("Last 24 hours: 2 runs"), "{recipes}");
    assert!(recipes.contains(r#"aria-label="Runs per hour, last 24 hours: 1 succeeded, 1 failed""#), "{recipes}");
    assert!(recipes.contains("Slack said: channel_not_found"), "the last error is shown");
    assert!(recipes.contains("mem.event") && recipes.contains("every 1s"));

    let forgotten = fixture.store.forget_candidate("101").await.expect("forget");
    assert!(forgotten.runs >= 1);
    let (_, after) = get_page(app, "/runs?candidate=ada%40acme.example", &cookie).await;
    assert!(after.contains("No runs match."), "a forgotten candidate's email no longer finds runs");
    let (_, run_page) = get_page(app, &format!("/runs/{}", fixture.failed.id), &cookie).await;
    assert!(!run_page.contains("Ada@acme.example") && run_page.contains("removed by forget-candidate"));
    fixture.stop().await;
}

async fn markup_in_recipes_and_payloads_is_inert(db: Db) {
    let attack = r#"<script>alert("pwned")</script><img src=x onerror=alert(1)>"#;
    let fixture = AppFixture::start(db, "web-xss", attack, attack).await;
    let app = &fixture.app;
    let cookie = log_in(app, r#"<b onmouseover="x">eve</b>"#).await;
    let pages = [
        "/".to_owned(),
        "/runs".to_owned(),
        "/runs?candidate=%3Cscript%3E".to_owned(),
        format!("/runs/{}", fixture.failed.id),
        format!("/runs/{}", fixture.succeeded.id),
        format!("/runs/{}/retry", fixture.failed.id),
    ];
    for url in &pages {
        let response = app.get(url, &[(COOKIE, &cookie)]).await;
        let csp = response.header(CONTENT_SECURITY_POLICY).to_owned();
        assert!(csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"), "{csp}");
        let html = response.body;
        assert_eq!(html.matches("<script").count(), 1, "only the page's own script on {url}");
        assert!(!html.contains("<img") && !html.contains("<b onmouseover"), "no injected element on {url}");
        assert!(!html.contains(TOKEN) && !html.contains("s3cret-hook"), "no secret on {url}");
    }
    let (_, recipes) = get_page(app, "/", &cookie).await;
    assert!(recipes.contains("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;"), "the description shows as text");
    let (_, run_page) = get_page(app, &format!("/runs/{}", fixture.failed.id), &cookie).await;
    assert!(run_page.contains("&lt;script&gt;alert"), "the payload shows as text");
    assert!(run_page.contains("&lt;b onmouseover"), "the session label shows as text");
    fixture.stop().await;
}

on_both_databases!(
    login_guards_pages_and_retry_needs_csrf,
    runs_filter_by_email_status_and_page,
    markup_in_recipes_and_payloads_is_inert
);
