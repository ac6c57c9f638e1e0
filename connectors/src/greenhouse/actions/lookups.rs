//! Lookup actions: `get_application`, `get_job`, `find_user`, `find_interviews`.

use chrono::{DateTime, SecondsFormat, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use hirewire_sdk::reexports::async_trait;
use hirewire_sdk::{Action, ActionContext, ActionError};

use super::examples;

use super::super::client::GreenhouseClient;
use super::super::loaders::{applications, interviews_out, jobs, user_out};
use super::super::models::{Interview, User, UserEmail};
use super::super::output::{ApplicationOut, InterviewOut, JobOut, UserOut};

/// Input of actions that take one id.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IdInput {
    /// The record's Greenhouse id.
    pub id: i64,
}

/// `find_user` input.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FindUserInput {
    /// The user's primary or secondary email.
    pub email: String,
}

/// `find_user` output.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FindUserOutput {
    /// The user, or null when no user has the email.
    pub user: Option<UserOut>,
}

/// `find_interviews` input.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FindInterviewsInput {
    /// Interviews starting at or after this time (ISO-8601).
    pub starts_after: DateTime<Utc>,
    /// Interviews starting at or before this time (ISO-8601).
    pub starts_before: DateTime<Utc>,
    /// Only this status (`scheduled`, `awaiting_feedback`, `complete`...).
    #[serde(default)]
    pub status: Option<String>,
}

/// `find_interviews` output.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FindInterviewsOutput {
    /// The interviews, earliest first, each with its interviewers' names and emails.
    pub interviews: Vec<InterviewOut>,
}

/// `get_application`.
pub struct GetApplication;

#[async_trait]
impl Action<GreenhouseClient> for GetApplication {
    type Input = IdInput;
    type Output = ApplicationOut;
    const NAME: &'static str = "get_application";
    const DESCRIPTION: &'static str = "Reads an application with its stage name.";
    fn example(&self) -> (Value, Value) {
        (json!({"id": 71980812}), examples::application())
    }
    async fn run(
        &self,
        client: &GreenhouseClient,
        input: IdInput,
        _: &ActionContext,
    ) -> Result<ApplicationOut, ActionError> {
        applications(client, &[input.id])
            .await?
            .pop()
            .ok_or_else(|| ActionError::not_found(format!("application {} does not exist", input.id)).with_field("id"))
    }
}

/// `get_job`.
pub struct GetJob;

#[async_trait]
impl Action<GreenhouseClient> for GetJob {
    type Input = IdInput;
    type Output = JobOut;
    const NAME: &'static str = "get_job";
    const DESCRIPTION: &'static str = "Reads a job.";
    fn example(&self) -> (Value, Value) {
        let job = json!({"id": 274075, "name": "Data Scientist", "status": "open", "requisition_id": "ABC"});
        (json!({"id": 274075}), job)
    }
    async fn run(&self, client: &GreenhouseClient, input: IdInput, _: &ActionContext) -> Result<JobOut, ActionError> {
        jobs(client, &[input.id])
            .await?
            .remove(&input.id)
            .ok_or_else(|| ActionError::not_found(format!("job {} does not exist", input.id)).with_field("id"))
    }
}

/// `find_user`: by primary email, then by any email (`/v3/user_emails`).
pub struct FindUser;

#[async_trait]
impl Action<GreenhouseClient> for FindUser {
    type Input = FindUserInput;
    type Output = FindUserOutput;
    const NAME: &'static str = "find_user";
    const DESCRIPTION: &'static str = "Finds a Greenhouse user by primary or secondary email.";
    fn example(&self) -> (Value, Value) {
        let user = json!({"id": 92120, "name": "Ada Lacey", "first_name": "Ada", "last_name": "Lacey",
            "primary_email": "ada.lacey@acme.example", "employee_id": null, "site_admin": false, "deactivated": false});
        (json!({"email": "ada.lacey@acme.example"}), json!({"user": user}))
    }
    async fn run(
        &self,
        client: &GreenhouseClient,
        input: FindUserInput,
        _: &ActionContext,
    ) -> Result<FindUserOutput, ActionError> {
        let email = input.email.trim().to_owned();
        if email.is_empty() {
            return Err(ActionError::invalid_input("is empty").with_field("email"));
        }
        let mut users: Vec<User> = client
            .list("/v3/users", &[("primary_email".to_owned(), email.clone())])
            .await?;
        if users.is_empty() {
            let emails: Vec<UserEmail> = client.list("/v3/user_emails", &[("email".to_owned(), email)]).await?;
            if let Some(e) = emails.first() {
                users = client.list_by_ids("/v3/users", "ids", &[e.user_id], &[]).await?;
            }
        }
        Ok(FindUserOutput {
            user: users.into_iter().next().map(user_out),
        })
    }
}

/// `find_interviews`: by start time range and status, with interviewers.
pub struct FindInterviews;

#[async_trait]
impl Action<GreenhouseClient> for FindInterviews {
    type Input = FindInterviewsInput;
    type Output = FindInterviewsOutput;
    const NAME: &'static str = "find_interviews";
    const DESCRIPTION: &'static str =
        "Finds interviews starting in a time range (optionally of one status), with interviewers' names and emails.";
    fn example(&self) -> (Value, Value) {
        (
            json!({
                "starts_after": "2026-12-01T00:00:00Z", "starts_before": "2026-12-02T00:00:00Z", "status": "scheduled"
            }),
            json!({"interviews": [examples::interview()]}),
        )
    }
    async fn run(
        &self,
        client: &GreenhouseClient,
        input: FindInterviewsInput,
        _: &ActionContext,
    ) -> Result<FindInterviewsOutput, ActionError> {
        if input.starts_before < input.starts_after {
            return Err(ActionError::invalid_input("is before starts_after").with_field("starts_before"));
        }
        let iso = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Millis, true);
        let mut params = vec![(
            "starts_at".to_owned(),
            format!("gte|{}|lte|{}", iso(input.starts_after), iso(input.starts_before)),
        )];
        if let Some(status) = input.status.filter(|s| !s.is_empty()) {
            params.push(("status".to_owned(), status));
        }
        let mut records: Vec<Interview> = client.list("/v3/interviews", &params).await?;
        records.sort_by(|a, b| (&a.starts_at, a.id).cmp(&(&b.starts_at, b.id)));
        Ok(FindInterviewsOutput {
            interviews: interviews_out(client, records).await?,
        })
    }
}
