//! The web page over plain HTTP: the login cookie, pages behind it, filters (candidate by email, status,
//! `partial=1`), retry with its CSRF token and confirmation, and values that could be markup rendered inert.

use std::time::Duration;

use hirewire_store::{RunFilter, RunStatus};
use hirewire_tests::engine::{Db, wait_for_finished};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_SECURITY_POLICY, COOKIE, LOCATION, ORIGIN, SET_COOKIE};

use super::{RECIPE, TOKEN, WebFixture};
use crate::engine::on_both_databases;

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

async fn get_page(http: &reqwest::Client, url: &str, cookie: &str) -> (StatusCode, String) {
    let response = http.get(url).header(COOKIE, cookie).send().await.expect("GET");
    (response.status(), response.text().await.expect("body"))
}

/// Logs in with `name`; returns the `Cookie` header value.
async fn log_in(http: &reqwest::Client, base: &str, name: &str) -> String {
    let response = http
        .post(format!("{base}/login"))
        .form(&[("token", TOKEN), ("name", name), ("next", "/runs")])
        .send()
        .await
        .expect("POST /login");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/runs");
    let set_cookie = response.headers()[SET_COOKIE].to_str().expect("ascii").to_owned();
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
    let fixture = WebFixture::start(db, "web-login", "Create the employee.", "Ada").await;
    let (base, http) = (fixture.base.clone(), client());

    let anonymous = http.get(format!("{base}/runs?status=failed")).send().await.expect("GET");
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert_eq!(anonymous.headers()[LOCATION], "/login?next=%2Fruns%3Fstatus%3Dfailed");
    let anonymous_post = http
        .post(format!("{base}/runs/{}/retry", fixture.failed.id))
        .form(&[("csrf", "x")])
        .send()
        .await
        .expect("POST");
    assert_eq!(anonymous_post.status(), StatusCode::UNAUTHORIZED);
    let wrong =
        http.post(format!("{base}/login")).form(&[("token", "guess"), ("next", "/")]).send().await.expect("POST");
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.headers().get(SET_COOKIE).is_none());
    assert!(wrong.text().await.expect("body").contains("That is not the api token."));
    let forged = http
        .get(format!("{base}/runs"))
        .header(COOKIE, "hirewire_session=v1.99999999999.AA.00")
        .send()
        .await
        .expect("GET");
    assert_eq!(forged.status(), StatusCode::SEE_OTHER, "a forged cookie is not a session");
    let bearer = http.get(format!("{base}/runs")).bearer_auth(TOKEN).send().await.expect("GET");
    assert_eq!(bearer.status(), StatusCode::OK, "the api bearer token opens the pages too");

    let cookie = log_in(&http, &base, "Grace Ops").await;
    let (status, run_page) = get_page(&http, &format!("{base}/runs/{}", fixture.failed.id), &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(run_page.contains("Slack said: channel_not_found"));
    assert!(run_page.contains(r#"id="retry-from-failed""#) && run_page.contains(r#"value="welcome""#));
    let (status, confirm) =
        get_page(&http, &format!("{base}/runs/{}/retry?from_step=welcome", fixture.failed.id), &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(confirm.contains("web:Grace Ops"), "the confirmation says who is recorded");
    let csrf = csrf_of(&confirm);
    let retry_url = format!("{base}/runs/{}/retry", fixture.failed.id);

    let no_token = http
        .post(&retry_url)
        .header(COOKIE, &cookie)
        .form(&[("csrf", "00"), ("from_step", "welcome")])
        .send()
        .await
        .expect("POST");
    assert_eq!(no_token.status(), StatusCode::FORBIDDEN);
    let other_run = http
        .post(format!("{base}/runs/{}/retry", fixture.succeeded.id))
        .header(COOKIE, &cookie)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .expect("POST");
    assert_eq!(other_run.status(), StatusCode::FORBIDDEN, "a token is bound to its run");
    let cross_site = http
        .post(&retry_url)
        .header(COOKIE, &cookie)
        .header(ORIGIN, "http://evil.example")
        .form(&[("csrf", csrf.as_str()), ("from_step", "welcome")])
        .send()
        .await
        .expect("POST");
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
    let all = RunFilter { recipe: Some(RECIPE.to_owned()), limit: 100, ..RunFilter::default() };
    assert_eq!(fixture.store.list_runs(&all).await.expect("list").len(), 2, "refused retries record nothing");

    let retried = http
        .post(&retry_url)
        .header(COOKIE, &cookie)
        .header(ORIGIN, &base)
        .form(&[("csrf", csrf.as_str()), ("from_step", "welcome"), ("version", "original")])
        .send()
        .await
        .expect("POST");
    assert_eq!(retried.status(), StatusCode::SEE_OTHER);
    let location = retried.headers()[LOCATION].to_str().expect("ascii").to_owned();
    let new_id = location.strip_prefix("/runs/").expect("goes to the new run").to_owned();
    let runs = wait_for_finished(&fixture.store, RECIPE, 3, Duration::from_secs(60)).await;
    let retry = runs.iter().find(|r| r.id == new_id).expect("retry run");
    assert_eq!(retry.status, RunStatus::Succeeded);
    assert_eq!(retry.retry_of.as_deref(), Some(fixture.failed.id.as_str()));
    assert_eq!(retry.requested_by.as_deref(), Some("web:Grace Ops"));
    assert_eq!(fixture.backend.calls_of("employee").len(), 2, "from `welcome`: `employee` is not sent again");
    assert_eq!(fixture.backend.calls_of("welcome").len(), 3);
    let again =
        http.post(&retry_url).header(COOKIE, &cookie).form(&[("csrf", csrf.as_str())]).send().await.expect("POST");
    assert_eq!(again.status(), StatusCode::SEE_OTHER, "a finished run can be retried again");

    let logout = http.post(format!("{base}/logout")).header(COOKIE, &cookie).send().await.expect("POST");
    assert!(logout.headers()[SET_COOKIE].to_str().expect("ascii").contains("Max-Age=0"));
    fixture.stop().await;
}

async fn runs_filter_by_email_status_and_page(db: Db) {
    let fixture = WebFixture::start(db, "web-filter", "Create the employee.", "Ada").await;
    let (base, http) = (fixture.base.clone(), client());
    let cookie = log_in(&http, &base, "").await;

    let (status, by_email) = get_page(&http, &format!("{base}/runs?candidate=ADA%40acme.example"), &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(by_email.contains(&fixture.failed.id) && !by_email.contains(&fixture.succeeded.id), "{by_email}");
    assert!(by_email.contains("ADA@acme.example is candidate 101."));
    let (_, by_id) = get_page(&http, &format!("{base}/runs?candidate=102"), &cookie).await;
    assert!(by_id.contains(&fixture.succeeded.id) && !by_id.contains(&fixture.failed.id));
    let (_, nobody) = get_page(&http, &format!("{base}/runs?candidate=nobody%40acme.example"), &cookie).await;
    assert!(
        nobody.contains("No run&#39;s trigger event mentions nobody@acme.example.")
            || nobody.contains("No run's trigger event mentions nobody@acme.example."),
        "{nobody}"
    );
    assert!(nobody.contains("No runs match."));
    let (_, failed) = get_page(&http, &format!("{base}/runs?status=failed&since=24h&recipe={RECIPE}"), &cookie).await;
    assert!(failed.contains(&fixture.failed.id) && !failed.contains(&fixture.succeeded.id));
    let (status, bad) = get_page(&http, &format!("{base}/runs?status=done&from=yesterday"), &cookie).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(bad.contains("status: unknown status `done`") && bad.contains("from: `yesterday` is not a time"), "{bad}");
    let (_, partial) = get_page(&http, &format!("{base}/runs?partial=1"), &cookie).await;
    assert!(partial.trim_start().starts_with("<tr>") && !partial.contains("<html"), "{partial}");
    assert_eq!(partial.matches("<tr>").count(), 2);
    let (_, older) = get_page(&http, &format!("{base}/runs?partial=1&before={}", fixture.succeeded.id), &cookie).await;
    assert!(
        older.contains(&fixture.failed.id) && !older.contains(&fixture.succeeded.id),
        "newest first, `before` pages back"
    );

    let (status, recipes) = get_page(&http, &format!("{base}/"), &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(recipes.contains("Last 24 hours: 2 runs"), "{recipes}");
    assert!(recipes.contains(r#"aria-label="Runs per hour, last 24 hours: 1 succeeded, 1 failed""#), "{recipes}");
    assert!(recipes.contains("Slack said: channel_not_found"), "the last error is shown");
    assert!(recipes.contains("mem.event") && recipes.contains("every 1s"));

    let forgotten = fixture.store.forget_candidate("101").await.expect("forget");
    assert!(forgotten.runs >= 1);
    let (_, after) = get_page(&http, &format!("{base}/runs?candidate=ada%40acme.example"), &cookie).await;
    assert!(after.contains("No runs match."), "a forgotten candidate's email no longer finds runs");
    let (_, run_page) = get_page(&http, &format!("{base}/runs/{}", fixture.failed.id), &cookie).await;
    assert!(!run_page.contains("Ada@acme.example") && run_page.contains("removed by forget-candidate"));
    fixture.stop().await;
}

async fn markup_in_recipes_and_payloads_is_inert(db: Db) {
    let attack = r#"<script>alert("pwned")</script><img src=x onerror=alert(1)>"#;
    let fixture = WebFixture::start(db, "web-xss", attack, attack).await;
    let (base, http) = (fixture.base.clone(), client());
    let cookie = log_in(&http, &base, r#"<b onmouseover="x">eve</b>"#).await;
    let pages = [
        format!("{base}/"),
        format!("{base}/runs"),
        format!("{base}/runs?candidate=%3Cscript%3E"),
        format!("{base}/runs/{}", fixture.failed.id),
        format!("{base}/runs/{}", fixture.succeeded.id),
        format!("{base}/runs/{}/retry", fixture.failed.id),
    ];
    for url in &pages {
        let response = http.get(url).header(COOKIE, &cookie).send().await.expect("GET");
        let csp = response.headers()[CONTENT_SECURITY_POLICY].to_str().expect("ascii").to_owned();
        assert!(csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"), "{csp}");
        let html = response.text().await.expect("body");
        assert_eq!(html.matches("<script").count(), 1, "only the page's own script on {url}");
        assert!(!html.contains("<img") && !html.contains("<b onmouseover"), "no injected element on {url}");
        assert!(!html.contains(TOKEN) && !html.contains("s3cret-hook"), "no secret on {url}");
    }
    let (_, recipes) = get_page(&http, &format!("{base}/"), &cookie).await;
    assert!(recipes.contains("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;"), "the description shows as text");
    let (_, run_page) = get_page(&http, &format!("{base}/runs/{}", fixture.failed.id), &cookie).await;
    assert!(run_page.contains("&lt;script&gt;alert"), "the payload shows as text");
    assert!(run_page.contains("&lt;b onmouseover"), "the session label shows as text");
    fixture.stop().await;
}

on_both_databases!(
    login_guards_pages_and_retry_needs_csrf,
    runs_filter_by_email_status_and_page,
    markup_in_recipes_and_payloads_is_inert
);
