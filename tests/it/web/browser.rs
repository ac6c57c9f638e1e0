//! The web page in a real headless Chromium (Debian's `chromium` and `chromium-driver`): log in, filter runs by
//! candidate email, open the failed run, retry it from the failed step, see it succeed, log out. A screenshot
//! of each page goes to `target/screenshots/`. Skips with a message when the browser is not installed.

use std::time::Duration;

use hirewire_store::{RunFilter, RunStatus};
use hirewire_tests::engine::Db;
use hirewire_tests::webdriver::{Browser, screenshot_dir};

use super::{RECIPE, TOKEN, WebFixture};

/// How long a click may take to navigate.
const WAIT: Duration = Duration::from_secs(15);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn browser_logs_in_filters_opens_a_failed_run_and_retries_it() {
    let browser = match Browser::start().await {
        Ok(browser) => browser,
        Err(reason) => {
            eprintln!("SKIPPED browser test: {reason}; .ci/run installs chromium and chromium-driver");
            return;
        }
    };
    let fixture = WebFixture::start(
        Db::Sqlite,
        "web-browser",
        "Create the employee in the HR system when a candidate is hired.",
        "Ada Lovelace",
    )
    .await;
    let base = fixture.base.clone();
    let shots = screenshot_dir();

    browser.goto(&format!("{base}/runs")).await;
    assert!(browser.url().await.contains("/login?next=%2Fruns"), "anonymous visitors are sent to the login form");
    browser.screenshot(&shots.join("login.png")).await;
    let token = browser.find("#token").await;
    browser.type_into(&token, TOKEN).await;
    let name = browser.find("#name").await;
    browser.type_into(&name, "Grace Ops").await;
    browser.click(&browser.find("#login").await).await;
    let after_login = browser.wait_for_url("/runs", WAIT).await;
    assert!(after_login.ends_with("/runs"), "back to the page asked for: {after_login}");
    assert_eq!(browser.count("#runs-body tr").await, 2);
    browser.screenshot(&shots.join("runs.png")).await;

    let candidate = browser.find("input[name=candidate]").await;
    browser.type_into(&candidate, "ada@acme.example").await;
    browser.click(&browser.find("form.filters button[type=submit]").await).await;
    browser.wait_for_url("candidate=ada%40acme.example", WAIT).await;
    assert_eq!(browser.count("#runs-body tr").await, 1, "only Ada's run");
    let row = browser.text_of("#runs-body tr").await;
    assert!(row.contains("failed") && row.contains("101"), "{row}");
    browser.screenshot(&shots.join("runs-filtered.png")).await;

    browser.click(&browser.find("#runs-body a").await).await;
    browser.wait_for_url(&format!("/runs/{}", fixture.failed.id), WAIT).await;
    assert!(browser.text_of("h1").await.contains("failed"));
    assert!(browser.text_of("div.error").await.contains("Slack said: channel_not_found"));
    assert!(browser.source().await.contains("Ada Lovelace"), "the trigger event is shown (folded)");
    browser.screenshot(&shots.join("run-failed.png")).await;

    browser.click(&browser.find("#retry-from-failed").await).await;
    browser.wait_for_url("/retry?from_step=welcome", WAIT).await;
    assert!(browser.text_of("h1").await.contains("Retry run"), "a confirmation comes first");
    assert_eq!(
        fixture
            .store
            .list_runs(&RunFilter { recipe: Some(RECIPE.into()), ..RunFilter::default() })
            .await
            .expect("list")
            .len(),
        2
    );
    browser.screenshot(&shots.join("retry-confirm.png")).await;
    browser.click(&browser.find("#confirm-retry").await).await;
    let mut retry_url = browser.url().await;
    for _ in 0..150 {
        if !retry_url.contains("/retry") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        retry_url = browser.url().await;
    }
    assert!(!retry_url.ends_with(&fixture.failed.id) && retry_url.contains("/runs/"), "{retry_url}");
    let heading = browser.wait_for_text(&retry_url, "h1", "succeeded", Duration::from_secs(60)).await;
    assert!(heading.contains("succeeded"));
    let facts = browser.text_of("dl.facts").await;
    assert!(facts.contains(&fixture.failed.id) && facts.contains("web:Grace Ops"), "{facts}");
    browser.screenshot(&shots.join("run-retried.png")).await;

    browser.goto(&format!("{base}/")).await;
    assert!(browser.text_of("main").await.contains(RECIPE));
    assert_eq!(browser.count("svg.chart").await, 1);
    browser.screenshot(&shots.join("recipes.png")).await;
    browser.resize(390, 844).await;
    browser.goto(&format!("{base}/runs")).await;
    browser.screenshot(&shots.join("runs-phone.png")).await;

    browser.click(&browser.find("header.top form button").await).await;
    let after_logout = browser.wait_for_url("/login", WAIT).await;
    assert!(after_logout.ends_with("/login"), "logged out: {after_logout}");
    browser.goto(&format!("{base}/runs")).await;
    assert!(browser.url().await.contains("/login"), "the session cookie is gone");

    let retry_id = retry_url.rsplit('/').next().expect("id");
    let retry = fixture.store.get_run(retry_id).await.expect("get").expect("retry run");
    assert_eq!(retry.run.status, RunStatus::Succeeded);
    assert_eq!(retry.run.requested_by.as_deref(), Some("web:Grace Ops"));
    assert_eq!(fixture.backend.calls_of("employee").len(), 2, "the retry did not send `employee` again");
    browser.quit().await;
    fixture.stop().await;
}
