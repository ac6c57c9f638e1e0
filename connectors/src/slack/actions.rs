//! Slack's `post_message` action: its typed, documented input and output, and how it runs.

use hirewire_sdk::reexports::async_trait;
use hirewire_sdk::{Action, ActionContext, ActionError, ActionList};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::client::SlackClient;

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

/// `slack.post_message`: posts to a channel or, by email, to a person.
pub struct PostMessage;

#[async_trait]
impl Action<SlackClient> for PostMessage {
    type Input = PostMessageInput;
    type Output = PostMessageOutput;
    const NAME: &'static str = "post_message";
    const DESCRIPTION: &'static str = "Posts a message to a channel (#name or id) or, by email, directly to a person.";
    fn example(&self) -> (Value, Value) {
        (
            json!({
                "channel": "#people-ops",
                "text": "New hire: Ada Lovelace",
                "blocks": [{"type": "section", "text": {
                    "type": "mrkdwn", "text": "*New hire:* Ada Lovelace — Engineer, starts 2026-02-01"
                }}]
            }),
            json!({"channel": "C0PEOPLEOPS", "ts": "1503435956.000247"}),
        )
    }
    async fn run(
        &self,
        client: &SlackClient,
        input: PostMessageInput,
        _: &ActionContext,
    ) -> Result<PostMessageOutput, ActionError> {
        client.post_message(&input).await
    }
}

/// Slack's actions.
pub const ACTIONS: ActionList<SlackClient> = ActionList { connector: "slack", actions: &[&PostMessage] };
