//! Candidate actions: `get_candidate`, `find_candidates`, `update_candidate`, `add_note`, `add_tag`.

use reqwest::Method;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use hirewire_sdk::reexports::async_trait;
use hirewire_sdk::{Action, ActionContext, ActionError};

use super::examples;

use super::super::client::GreenhouseClient;
use super::super::loaders::{candidates, with_educations};
use super::super::models::{AppliedCandidateTag, Candidate, CandidateTag, Created};
use super::super::output::CandidateOut;

/// `get_candidate` input.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetCandidateInput {
    /// The candidate's Greenhouse id.
    pub id: i64,
}

/// `find_candidates` input: give `email`, `tag`, or both.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FindCandidatesInput {
    /// Any of the candidate's email addresses (case-insensitive).
    #[serde(default)]
    pub email: Option<String>,
    /// A tag name (exact).
    #[serde(default)]
    pub tag: Option<String>,
}

/// `find_candidates` output.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FindCandidatesOutput {
    /// The matching candidates (newest first), with educations.
    pub candidates: Vec<CandidateOut>,
}

/// `update_candidate` input: only the given fields change.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCandidateInput {
    /// The candidate's Greenhouse id.
    pub id: i64,
    /// New first name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// New last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// New company.
    #[serde(default)]
    pub company: Option<String>,
    /// New title.
    #[serde(default)]
    pub title: Option<String>,
    /// Replaces the candidate's tags.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// Custom field values by field key, e.g. `{desired_salary: "100000"}`.
    #[serde(default)]
    pub custom_fields: Option<Map<String, Value>>,
}

/// Who may see a note.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Everyone with access to the candidate.
    #[default]
    Public,
    /// Private.
    Private,
    /// Site admins only.
    AdminOnly,
}

/// `add_note` input.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddNoteInput {
    /// The candidate's Greenhouse id.
    pub candidate_id: i64,
    /// The application the note is about, if any.
    #[serde(default)]
    pub application_id: Option<i64>,
    /// The note's text.
    pub body: String,
    /// `public` (default), `private` or `admin_only`.
    #[serde(default)]
    pub visibility: Visibility,
}

/// `add_note` output.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AddNoteOutput {
    /// The note's id.
    pub id: i64,
    /// False when an identical note by the same user already existed (a retried step), so none was added.
    pub created: bool,
}

/// `add_tag` input.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddTagInput {
    /// The candidate's Greenhouse id.
    pub candidate_id: i64,
    /// The tag's name; created when no tag has it.
    pub tag: String,
}

/// `add_tag` output.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AddTagOutput {
    /// The tag's id.
    pub tag_id: i64,
    /// Whether the tag had to be created.
    pub tag_created: bool,
    /// Whether it was applied now (false: the candidate already had it).
    pub applied: bool,
}

/// `get_candidate`.
pub struct GetCandidate;

#[async_trait]
impl Action<GreenhouseClient> for GetCandidate {
    type Input = GetCandidateInput;
    type Output = CandidateOut;
    const NAME: &'static str = "get_candidate";
    const DESCRIPTION: &'static str = "Reads a candidate with emails and educations.";
    fn example(&self) -> (Value, Value) {
        (json!({"id": 60304594}), examples::candidate())
    }
    async fn run(
        &self,
        client: &GreenhouseClient,
        input: GetCandidateInput,
        _: &ActionContext,
    ) -> Result<CandidateOut, ActionError> {
        candidates(client, &[input.id])
            .await?
            .pop()
            .ok_or_else(|| ActionError::not_found(format!("candidate {} does not exist", input.id)).with_field("id"))
    }
}

/// `find_candidates`.
pub struct FindCandidates;

#[async_trait]
impl Action<GreenhouseClient> for FindCandidates {
    type Input = FindCandidatesInput;
    type Output = FindCandidatesOutput;
    const NAME: &'static str = "find_candidates";
    const DESCRIPTION: &'static str = "Finds candidates by email or tag.";
    fn example(&self) -> (Value, Value) {
        (json!({"email": "person@work.com"}), json!({"candidates": [examples::candidate()]}))
    }
    async fn run(
        &self,
        client: &GreenhouseClient,
        input: FindCandidatesInput,
        _: &ActionContext,
    ) -> Result<FindCandidatesOutput, ActionError> {
        let mut params = Vec::new();
        if let Some(email) = input.email.filter(|e| !e.trim().is_empty()) {
            params.push(("email".to_owned(), email.trim().to_owned()));
        }
        if let Some(tag) = input.tag.filter(|t| !t.trim().is_empty()) {
            params.push(("tag".to_owned(), tag));
        }
        if params.is_empty() {
            return Err(ActionError::invalid_input("give email or tag").with_field("email"));
        }
        let records: Vec<Candidate> = client.list("/v3/candidates", &params).await?;
        Ok(FindCandidatesOutput {
            candidates: with_educations(client, records).await?,
        })
    }
}

/// `update_candidate` (`PATCH /v3/candidates/{id}`; custom fields sent as `[{name_key, value}]`).
pub struct UpdateCandidate;

#[async_trait]
impl Action<GreenhouseClient> for UpdateCandidate {
    type Input = UpdateCandidateInput;
    type Output = CandidateOut;
    const NAME: &'static str = "update_candidate";
    const DESCRIPTION: &'static str = "Updates a candidate's name, company, title, tags or custom fields.";
    fn example(&self) -> (Value, Value) {
        let input = json!({"id": 60304594, "title": "Director", "custom_fields": {"desired_salary": "120000"}});
        (input, examples::candidate())
    }
    async fn run(
        &self,
        client: &GreenhouseClient,
        input: UpdateCandidateInput,
        cx: &ActionContext,
    ) -> Result<CandidateOut, ActionError> {
        let mut body = Map::new();
        for (key, value) in [
            ("first_name", input.first_name),
            ("last_name", input.last_name),
            ("company", input.company),
            ("title", input.title),
        ] {
            if let Some(v) = value {
                body.insert(key.into(), json!(v));
            }
        }
        if let Some(tags) = input.tags {
            body.insert("tags".into(), json!(tags));
        }
        if let Some(fields) = input.custom_fields {
            let items: Vec<Value> = fields
                .into_iter()
                .map(|(k, v)| json!({"name_key": k, "value": v}))
                .collect();
            body.insert("custom_fields".into(), Value::Array(items));
        }
        if body.is_empty() {
            return Err(ActionError::invalid_input("nothing to update: give at least one field").with_field("id"));
        }
        client
            .send_json(
                Method::PATCH,
                &format!("/v3/candidates/{}", input.id),
                &Value::Object(body),
            )
            .await?;
        GetCandidate.run(client, GetCandidateInput { id: input.id }, cx).await
    }
}

/// `add_note` (`POST /v3/notes` as the connection's user); a retried step does not add it twice.
pub struct AddNote;

#[async_trait]
impl Action<GreenhouseClient> for AddNote {
    type Input = AddNoteInput;
    type Output = AddNoteOutput;
    const NAME: &'static str = "add_note";
    const DESCRIPTION: &'static str = "Adds a note to a candidate, as the connection's user.";
    fn example(&self) -> (Value, Value) {
        let input = json!({"candidate_id": 60304594, "body": "Signed the offer.", "visibility": "private"});
        (input, json!({"id": 1201, "created": true}))
    }
    async fn run(
        &self,
        client: &GreenhouseClient,
        input: AddNoteInput,
        _: &ActionContext,
    ) -> Result<AddNoteOutput, ActionError> {
        if input.body.trim().is_empty() {
            return Err(ActionError::invalid_input("is empty").with_field("body"));
        }
        let user_id = client.acting_user_id().await?;
        let existing: Vec<Value> = client
            .list_by_ids("/v3/notes", "candidate_ids", &[input.candidate_id], &[])
            .await?;
        if let Some(note) = existing.iter().find(|n| {
            n.get("body").and_then(Value::as_str) == Some(input.body.as_str())
                && n.get("user_id").and_then(Value::as_i64) == Some(user_id)
        }) {
            return Ok(AddNoteOutput {
                id: note.get("id").and_then(Value::as_i64).unwrap_or_default(),
                created: false,
            });
        }
        let body = json!({
            "candidate_id": input.candidate_id, "application_id": input.application_id, "user_id": user_id,
            "body": input.body, "visibility": input.visibility, "note_type": "NOTE"
        });
        let created: Created = serde_json::from_value(client.send_json(Method::POST, "/v3/notes", &body).await?)
            .map_err(|e| ActionError::permanent(format!("POST /v3/notes: answer has no id: {e}")))?;
        Ok(AddNoteOutput {
            id: created.id,
            created: true,
        })
    }
}

/// `add_tag`: finds the tag by name (creating it when missing), then applies it once.
pub struct AddTag;

#[async_trait]
impl Action<GreenhouseClient> for AddTag {
    type Input = AddTagInput;
    type Output = AddTagOutput;
    const NAME: &'static str = "add_tag";
    const DESCRIPTION: &'static str = "Tags a candidate, creating the tag if it does not exist.";
    fn example(&self) -> (Value, Value) {
        let input = json!({"candidate_id": 60304594, "tag": "Hired 2026"});
        (input, json!({"tag_id": 365, "tag_created": false, "applied": true}))
    }
    async fn run(
        &self,
        client: &GreenhouseClient,
        input: AddTagInput,
        _: &ActionContext,
    ) -> Result<AddTagOutput, ActionError> {
        let name = input.tag.trim();
        if name.is_empty() {
            return Err(ActionError::invalid_input("is empty").with_field("tag"));
        }
        let tags: Vec<CandidateTag> = client.list("/v3/candidate_tags", &[]).await?;
        let (tag_id, tag_created) = match tags.iter().find(|t| t.name.eq_ignore_ascii_case(name)) {
            Some(t) => (t.id, false),
            None => {
                let answer = client
                    .send_json(Method::POST, "/v3/candidate_tags", &json!({"name": name}))
                    .await?;
                let created: Created = serde_json::from_value(answer)
                    .map_err(|e| ActionError::permanent(format!("POST /v3/candidate_tags: answer has no id: {e}")))?;
                (created.id, true)
            }
        };
        let applied: Vec<AppliedCandidateTag> = client
            .list_by_ids(
                "/v3/applied_candidate_tags",
                "candidate_ids",
                &[input.candidate_id],
                &[],
            )
            .await?;
        if applied.iter().any(|a| a.candidate_tag_id == tag_id) {
            return Ok(AddTagOutput {
                tag_id,
                tag_created,
                applied: false,
            });
        }
        client
            .send_json(
                Method::POST,
                "/v3/applied_candidate_tags",
                &json!({"candidate_id": input.candidate_id, "candidate_tag_id": tag_id}),
            )
            .await?;
        Ok(AddTagOutput {
            tag_id,
            tag_created,
            applied: true,
        })
    }
}
