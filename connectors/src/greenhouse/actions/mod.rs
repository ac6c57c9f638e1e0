//! Greenhouse actions: each declared once (typed, documented input and output with an example, and
//! its code) in `candidates` and `lookups`; [`ACTIONS`] lists them for the descriptor and the dispatch.

pub mod candidates;
mod examples;
pub mod lookups;

use hirewire_sdk::{ActionContext, ActionError, ActionList};
use serde_json::Value;

use super::client::GreenhouseClient;
use candidates::{AddNote, AddTag, FindCandidates, GetCandidate, UpdateCandidate};
use lookups::{FindInterviews, FindUser, GetApplication, GetJob};

/// Greenhouse's actions, in the order `hirewire connectors greenhouse` lists them.
pub const ACTIONS: ActionList<GreenhouseClient> = ActionList {
    connector: "greenhouse",
    actions: &[
        &GetCandidate,
        &FindCandidates,
        &UpdateCandidate,
        &AddNote,
        &AddTag,
        &GetApplication,
        &GetJob,
        &FindUser,
        &FindInterviews,
    ],
};

/// Runs `action` with its rendered input.
///
/// # Errors
/// Invalid input naming the field (an unknown action names `action`), or classified API errors.
pub async fn run_action(
    client: &GreenhouseClient,
    action: &str,
    input: Value,
    cx: &ActionContext,
) -> Result<Value, ActionError> {
    match ACTIONS.get(action) {
        Some(action) => action.run_json(client, input, cx).await,
        None => Err(ActionError::invalid_input(format!("greenhouse has no action {action}")).with_field("action")),
    }
}
