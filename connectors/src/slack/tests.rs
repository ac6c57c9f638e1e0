//! Slack connector tests against its fake: channels by name and id, people by
//! email, incoming webhooks, each error class, 429s and secrets that never leak.

use hirewire_sdk::fake::FakeOptions;
use hirewire_sdk::{ActionContext, ActionError, Connection, ErrorKind};
use serde_json::{Value, json};

use super::SlackConnection;
use crate::test_support::FakeServer;

const TOKEN: &str = "xoxb-test-5150-secret";

async fn start() -> (FakeServer, SlackConnection) {
    let fake = FakeServer::start(super::fake::router(FakeOptions::default())).await;
    fake.put("settings", json!({"token": TOKEN})).await;
    let slack = bot(&fake, TOKEN);
    (fake, slack)
}

fn bot(fake: &FakeServer, token: &str) -> SlackConnection {
    SlackConnection::from_settings(FakeServer::settings("slack", json!({"token": token, "base_url": fake.url()})))
        .unwrap()
}

fn webhook(fake: &FakeServer) -> SlackConnection {
    let url = format!("{}/services/T0ACME/B0HOOK/hook-secret-991", fake.url());
    SlackConnection::from_settings(FakeServer::settings("slack", json!({"webhook_url": url}))).unwrap()
}

async fn post(slack: &SlackConnection, input: Value) -> Result<Value, ActionError> {
    slack.run_action("post_message", input, &ActionContext::ad_hoc("notify")).await
}

#[tokio::test]
async fn posts_to_a_channel_by_name_with_blocks() {
    let (fake, slack) = start().await;
    let blocks = json!([{"type": "section", "text": {"type": "mrkdwn", "text": "*New hire:* Ada"}}]);
    let out = post(&slack, json!({"channel": "#people-ops", "text": "New hire: Ada", "blocks": blocks})).await.unwrap();
    assert_eq!(out["channel"], "C0PEOPLEOPS");
    assert!(out["ts"].as_str().is_some_and(|ts| ts.contains('.')));
    let messages = fake.get("messages").await;
    assert_eq!(messages.as_array().unwrap().len(), 1);
    assert_eq!(messages[0]["text"], "New hire: Ada");
    assert_eq!(messages[0]["blocks"], blocks);
    let sent = fake.requests_to("POST", "/api/chat.postMessage").await;
    assert_eq!(sent[0].auth_scheme.as_deref(), Some("Bearer"));
    assert_eq!(sent[0].content_type.as_deref(), Some("application/json; charset=utf-8"));
}

#[tokio::test]
async fn posts_to_a_channel_id() {
    let (fake, slack) = start().await;
    let out = post(&slack, json!({"channel": "C0GENERAL", "text": "hello"})).await.unwrap();
    assert_eq!(out["channel"], "C0GENERAL");
    assert_eq!(fake.get("messages").await[0]["channel"], "C0GENERAL");
}

#[tokio::test]
async fn an_email_is_looked_up_and_messaged_directly() {
    let (fake, slack) = start().await;
    let out = post(&slack, json!({"channel": "grace.hopper@acme.example", "text": "Thanks for interviewing!"}))
        .await
        .unwrap();
    assert_eq!(out["channel"], "D0GRACE");
    let lookups = fake.requests_to("GET", "/api/users.lookupByEmail").await;
    assert_eq!(lookups[0].query.as_deref(), Some("email=grace.hopper%40acme.example"));
    assert_eq!(fake.requests_to("POST", "/api/chat.postMessage").await[0].body["channel"], "U0GRACE");
}

#[tokio::test]
async fn an_unknown_email_is_not_found_and_nothing_is_posted() {
    let (fake, slack) = start().await;
    let error = post(&slack, json!({"channel": "nobody@acme.example", "text": "hi"})).await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::NotFound);
    assert_eq!(error.field.as_deref(), Some("channel"));
    assert_eq!(error.message, "users_not_found (no Slack user has the email nobody@acme.example)");
    assert!(fake.requests_to("POST", "/api/chat.postMessage").await.is_empty());
}

#[tokio::test]
async fn ok_false_answers_are_classified() {
    let (fake, slack) = start().await;
    let error = post(&slack, json!({"channel": "#nope", "text": "x"})).await.unwrap_err();
    assert_eq!((error.kind, error.status, error.field.as_deref()), (ErrorKind::NotFound, Some(200), Some("channel")));
    assert_eq!(error.to_string(), "200 channel_not_found");
    let error = post(&slack, json!({"channel": "#random", "text": "x"})).await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::Permanent);
    assert_eq!(error.message, "not_in_channel (invite the bot to the channel first)");
    let error = post(&slack, json!({"channel": "#general", "blocks": [{"text": "no type"}]})).await.unwrap_err();
    assert_eq!((error.kind, error.field.as_deref()), (ErrorKind::InvalidInput, Some("blocks")));
    fake.put("settings", json!({"token": TOKEN, "scopes": ["users:read.email"]})).await;
    let error = post(&slack, json!({"channel": "#general", "text": "x"})).await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::Auth);
    assert_eq!(error.message, "missing_scope (needed: chat:write)");
    fake.put("settings", json!({"token": TOKEN, "token_revoked": true})).await;
    assert_eq!(post(&slack, json!({"channel": "#general", "text": "x"})).await.unwrap_err().kind, ErrorKind::Auth);
    assert!(fake.get("messages").await.as_array().unwrap().is_empty());
}

#[tokio::test]
async fn text_or_blocks_is_required_before_sending() {
    let (fake, slack) = start().await;
    let error = post(&slack, json!({"channel": "#general", "text": "  "})).await.unwrap_err();
    assert_eq!((error.kind, error.field.as_deref()), (ErrorKind::InvalidInput, Some("text")));
    assert!(fake.requests().await.is_empty());
}

#[tokio::test]
async fn bursting_over_the_channel_limit_is_rate_limited_with_retry_after() {
    let (fake, slack) = start().await;
    fake.put("settings", json!({"token": TOKEN, "per_channel_per_second": 1, "burst": 2})).await;
    for _ in 0..2 {
        post(&slack, json!({"channel": "#general", "text": "x"})).await.unwrap();
    }
    let error = post(&slack, json!({"channel": "#general", "text": "x"})).await.unwrap_err();
    assert_eq!((error.kind, error.status), (ErrorKind::RateLimited, Some(429)));
    assert!(error.retry_after().is_some_and(|d| d.as_secs() >= 1));
    post(&slack, json!({"channel": "#people-ops", "text": "x"})).await.expect("the limit is per channel");
}

#[tokio::test]
async fn a_wrong_token_is_an_auth_error_that_never_shows_the_token() {
    let (fake, _) = start().await;
    let wrong = "xoxb-wrong-2718";
    let slack = bot(&fake, wrong);
    let error = post(&slack, json!({"channel": "#general", "text": "x"})).await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::Auth);
    assert_eq!(error.message, "invalid_auth");
    for text in [error.to_string(), format!("{error:?}"), format!("{slack:?}")] {
        assert!(!text.contains(wrong) && !text.contains(TOKEN), "leak in {text}");
    }
    assert!(!slack.check().await[0].ok);
    assert!(bot(&fake, TOKEN).check().await[0].ok);
}

#[tokio::test]
async fn an_incoming_webhook_posts_and_reads_plain_text() {
    let (fake, _) = start().await;
    let slack = webhook(&fake);
    let out = post(&slack, json!({"channel": "#people-ops", "text": "New hire"})).await.unwrap();
    assert_eq!(out, json!({"channel": null, "ts": null}));
    let messages = fake.get("messages").await;
    assert_eq!((messages[0]["via"].as_str(), messages[0]["channel"].as_str()), (Some("webhook"), Some("C0GENERAL")));
    assert!(!format!("{slack:?}").contains("hook-secret-991"), "the webhook URL is a secret");
}

#[tokio::test]
async fn webhook_errors_keep_slacks_code_and_status() {
    let (fake, _) = start().await;
    let slack = webhook(&fake);
    fake.post("channels", json!({"id": "C0GENERAL", "name": "general", "is_archived": true})).await;
    let error = post(&slack, json!({"text": "x"})).await.unwrap_err();
    assert_eq!((error.kind, error.status), (ErrorKind::Permanent, Some(410)));
    assert_eq!(error.to_string(), "410 channel_is_archived");
    fake.put("settings", json!({"webhook_prohibited": true})).await;
    let error = post(&slack, json!({"text": "x"})).await.unwrap_err();
    assert_eq!((error.kind, error.status), (ErrorKind::Auth, Some(403)));
    let error = post(&slack, json!({"channel": "ada@acme.example", "text": "x"})).await.unwrap_err();
    assert_eq!((error.kind, error.field.as_deref()), (ErrorKind::InvalidInput, Some("channel")));
    fake.post("faults", json!({"status": 500, "count": 1})).await;
    fake.put("settings", json!({})).await;
    assert_eq!(post(&slack, json!({"text": "x"})).await.unwrap_err().kind, ErrorKind::Transient);
}

#[test]
fn exactly_one_of_token_and_webhook_url() {
    let both = json!({"token": "xoxb-1", "webhook_url": "https://hooks.slack.com/services/T/B/X"});
    let error = super::config::SlackConfig::parse(both).unwrap_err();
    assert_eq!(error.to_string(), "token: give either `token` or `webhook_url`, not both");
    let error = super::config::SlackConfig::parse(json!({})).unwrap_err();
    assert_eq!(error.field, "token");
}
