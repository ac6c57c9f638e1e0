//! Greenhouse actions: their descriptors (typed, documented input and output with examples)
//! and the dispatch from an action name to its function.

pub mod candidates;
pub mod lookups;

use hirewire_sdk::connection::{parse_input, to_output};
use hirewire_sdk::{ActionDescriptor, ActionError};
use serde_json::{Value, json};

use super::client::GreenhouseClient;
use super::output::{ApplicationOut, CandidateOut, JobOut};
use candidates::{
    AddNoteInput, AddNoteOutput, AddTagInput, AddTagOutput, FindCandidatesInput, FindCandidatesOutput,
    GetCandidateInput, UpdateCandidateInput,
};
use lookups::{FindInterviewsInput, FindInterviewsOutput, FindUserInput, FindUserOutput, IdInput};

/// Runs `action` with its rendered input.
///
/// # Errors
/// Invalid input naming the field, or classified API errors.
pub async fn run_action(client: &GreenhouseClient, action: &str, input: Value) -> Result<Value, ActionError> {
    match action {
        "get_candidate" => to_output(&candidates::get_candidate(client, parse_input(input)?).await?),
        "find_candidates" => to_output(&candidates::find_candidates(client, parse_input(input)?).await?),
        "update_candidate" => to_output(&candidates::update_candidate(client, parse_input(input)?).await?),
        "add_note" => to_output(&candidates::add_note(client, parse_input(input)?).await?),
        "add_tag" => to_output(&candidates::add_tag(client, parse_input(input)?).await?),
        "get_application" => to_output(&lookups::get_application(client, parse_input(input)?).await?),
        "get_job" => to_output(&lookups::get_job(client, parse_input(input)?).await?),
        "find_user" => to_output(&lookups::find_user(client, parse_input(input)?).await?),
        "find_interviews" => to_output(&lookups::find_interviews(client, parse_input(input)?).await?),
        other => Err(ActionError::invalid_input(format!("greenhouse has no action {other}")).with_field("action")),
    }
}

/// The action descriptors.
#[must_use]
pub fn descriptors() -> Vec<ActionDescriptor> {
    let candidate = json!({"id": 60304594, "first_name": "Jane", "last_name": "Smith", "company": "Current Company Co.",
        "title": "Manager", "email_addresses": [{"value": "person@work.com", "type": "work"}], "phone_numbers": [],
        "tags": ["Ruby"], "educations": [{"degree": "Bachelor's Degree", "discipline": "Computer Science",
        "school_name": "Stanford University", "start_date": "2007-09-15", "end_date": "2011-05-15"}],
        "custom_fields": {}, "created_at": "2026-10-27T14:44:42.000Z", "updated_at": "2026-11-27T14:44:42.000Z"});
    let application = json!({"id": 71980812, "candidate_id": 60304594, "job_id": 274075, "status": "active",
        "stage_id": 2944102, "stage_name": "Onsite", "prospect": false, "applied_at": "2026-10-27T14:44:43.000Z",
        "rejected_at": null});
    let interview = json!({"id": 9128481, "application_id": 71980812, "job_id": 274075,
        "starts_at": "2026-12-01T15:00:00.000Z", "ends_at": "2026-12-01T16:00:00.000Z", "status": "scheduled",
        "location": "Video call", "video_conferencing_url": "https://meet.example/abc",
        "interviewers": [{"user_id": 92120, "name": "Ada Lacey", "email": "ada.lacey@acme.example", "response_status": "accepted"}]});
    vec![
        ActionDescriptor::new::<GetCandidateInput, CandidateOut>("get_candidate", "Reads a candidate with emails and educations.")
            .example(json!({"id": 60304594}), candidate.clone()),
        ActionDescriptor::new::<FindCandidatesInput, FindCandidatesOutput>("find_candidates", "Finds candidates by email or tag.")
            .example(json!({"email": "person@work.com"}), json!({"candidates": [candidate.clone()]})),
        ActionDescriptor::new::<UpdateCandidateInput, CandidateOut>(
            "update_candidate",
            "Updates a candidate's name, company, title, tags or custom fields.",
        )
        .example(json!({"id": 60304594, "title": "Director", "custom_fields": {"desired_salary": "120000"}}), candidate),
        ActionDescriptor::new::<AddNoteInput, AddNoteOutput>("add_note", "Adds a note to a candidate, as the connection's user.")
            .example(json!({"candidate_id": 60304594, "body": "Signed the offer.", "visibility": "private"}), json!({"id": 1201, "created": true})),
        ActionDescriptor::new::<AddTagInput, AddTagOutput>("add_tag", "Tags a candidate, creating the tag if it does not exist.")
            .example(json!({"candidate_id": 60304594, "tag": "Hired 2026"}), json!({"tag_id": 365, "tag_created": false, "applied": true})),
        ActionDescriptor::new::<IdInput, ApplicationOut>("get_application", "Reads an application with its stage name.")
            .example(json!({"id": 71980812}), application),
        ActionDescriptor::new::<IdInput, JobOut>("get_job", "Reads a job.")
            .example(json!({"id": 274075}), json!({"id": 274075, "name": "Data Scientist", "status": "open", "requisition_id": "ABC"})),
        ActionDescriptor::new::<FindUserInput, FindUserOutput>("find_user", "Finds a Greenhouse user by primary or secondary email.")
            .example(json!({"email": "ada.lacey@acme.example"}), json!({"user": {"id": 92120, "name": "Ada Lacey", "first_name": "Ada",
                "last_name": "Lacey", "primary_email": "ada.lacey@acme.example", "employee_id": null, "site_admin": false, "deactivated": false}})),
        ActionDescriptor::new::<FindInterviewsInput, FindInterviewsOutput>(
            "find_interviews",
            "Finds interviews starting in a time range (optionally of one status), with interviewers' names and emails.",
        )
        .example(
            json!({"starts_after": "2026-12-01T00:00:00Z", "starts_before": "2026-12-02T00:00:00Z", "status": "scheduled"}),
            json!({"interviews": [interview]}),
        ),
    ]
}
