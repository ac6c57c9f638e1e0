//! Slack's `post_message` action: its typed, documented input and output.

use hirewire_sdk::ActionDescriptor;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Input of `slack.post_message`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PostMessageInput {
    /// Where to post: `#channel-name`, a channel id (`C…`), or a person's email to message them
    /// directly. Required with a bot token; an incoming webhook posts to its own channel.
    #[serde(default)]
    pub channel: Option<String>,
    /// The message text (mrkdwn); required without `blocks`, and the notification fallback with them.
    #[serde(default)]
    pub text: Option<String>,
    /// Block Kit blocks.
    #[serde(default)]
    pub blocks: Option<Vec<Value>>,
    /// Reply in this thread (the parent message's `ts`).
    #[serde(default)]
    pub thread_ts: Option<String>,
}

/// Output of `slack.post_message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PostMessageOutput {
    /// The channel id the message went to (`null` through an incoming webhook).
    pub channel: Option<String>,
    /// The message's timestamp id (`null` through an incoming webhook).
    pub ts: Option<String>,
}

/// The descriptor of `post_message`, with an example.
#[must_use]
pub fn action_descriptors() -> Vec<ActionDescriptor> {
    vec![
        ActionDescriptor::new::<PostMessageInput, PostMessageOutput>(
            "post_message",
            "Posts a message to a channel (#name or id) or, by email, directly to a person.",
        )
        .example(
            json!({
                "channel": "#people-ops",
                "text": "New hire: Ada Lovelace",
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*New hire:* Ada Lovelace — Engineer, starts 2026-02-01"}}]
            }),
            json!({"channel": "C0PEOPLEOPS", "ts": "1503435956.000247"}),
        ),
    ]
}
