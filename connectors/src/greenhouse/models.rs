//! Harvest v3 records as the API returns them (`docs/api-facts/greenhouse.md` section 4.1), read leniently.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A `{value, type}` pair (emails, phones, addresses).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TypedValue {
    /// The address, number or URL.
    pub value: String,
    /// `work`, `personal`, `mobile`, `home`, `other`... (absent for social media).
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

/// `GET /v3/candidates`.
#[derive(Debug, Clone, Deserialize)]
pub struct Candidate {
    /// Id.
    pub id: i64,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Company.
    #[serde(default)]
    pub company: Option<String>,
    /// Title.
    #[serde(default)]
    pub title: Option<String>,
    /// Emails.
    #[serde(default)]
    pub email_addresses: Vec<TypedValue>,
    /// Phones.
    #[serde(default)]
    pub phone_numbers: Vec<TypedValue>,
    /// Tags by name.
    #[serde(default)]
    pub tags: Vec<String>,
    /// `key: {name, type, value}`.
    #[serde(default)]
    pub custom_fields: Map<String, Value>,
    /// Created.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Updated.
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// `GET /v3/applications`.
#[derive(Debug, Clone, Deserialize)]
pub struct Application {
    /// Id.
    pub id: i64,
    /// Candidate.
    pub candidate_id: i64,
    /// Job (a single value in v3).
    #[serde(default)]
    pub job_id: Option<i64>,
    /// Current stage id.
    #[serde(default)]
    pub stage_id: Option<i64>,
    /// Current stage name, when the API gives it.
    #[serde(default)]
    pub stage_name: Option<String>,
    /// Status (values UNCONFIRMED in v3: `active`/`in_process`, `hired`, `rejected`...).
    #[serde(default)]
    pub status: Option<String>,
    /// Whether this is a prospect.
    #[serde(default)]
    pub prospect: bool,
    /// When rejected.
    #[serde(default)]
    pub rejected_at: Option<String>,
    /// Created (v1 `applied_at`).
    #[serde(default)]
    pub created_at: Option<String>,
    /// Updated.
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// `GET /v3/application_stages`: one row per stage an application entered.
#[derive(Debug, Clone, Deserialize)]
pub struct ApplicationStage {
    /// Id.
    pub id: i64,
    /// Application.
    pub application_id: i64,
    /// The job interview stage.
    pub job_interview_stage_id: i64,
    /// When it entered the stage.
    #[serde(default)]
    pub entered_at: Option<String>,
    /// Created.
    #[serde(default)]
    pub created_at: Option<String>,
}

/// `GET /v3/job_interview_stages`.
#[derive(Debug, Clone, Deserialize)]
pub struct JobInterviewStage {
    /// Id.
    pub id: i64,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
}

/// `GET /v3/jobs`.
#[derive(Debug, Clone, Deserialize)]
pub struct Job {
    /// Id.
    pub id: i64,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// draft/open/closed.
    #[serde(default)]
    pub status: Option<String>,
    /// Requisition id.
    #[serde(default)]
    pub requisition_id: Option<String>,
    /// Department.
    #[serde(default)]
    pub department_id: Option<i64>,
    /// Offices.
    #[serde(default)]
    pub office_ids: Vec<i64>,
}

/// `GET /v3/offers`.
#[derive(Debug, Clone, Deserialize)]
pub struct Offer {
    /// Id.
    pub id: i64,
    /// Version.
    #[serde(default)]
    pub version: Option<i64>,
    /// Application.
    pub application_id: i64,
    /// Candidate.
    #[serde(default)]
    pub candidate_id: Option<i64>,
    /// Job.
    #[serde(default)]
    pub job_id: Option<i64>,
    /// Status (casing UNCONFIRMED: `Created`, `Accepted`...).
    #[serde(default)]
    pub status: Option<String>,
    /// Date sent.
    #[serde(default)]
    pub sent_on: Option<String>,
    /// Start date.
    #[serde(default)]
    pub starts_on: Option<String>,
    /// When resolved.
    #[serde(default)]
    pub resolved_at: Option<String>,
    /// Created.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Updated.
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// `GET /v3/interviews`.
#[derive(Debug, Clone, Deserialize)]
pub struct Interview {
    /// Id.
    pub id: i64,
    /// Application.
    pub application_id: i64,
    /// Job.
    #[serde(default)]
    pub job_id: Option<i64>,
    /// The job's interview (name comes from the stage set-up).
    #[serde(default)]
    pub job_interview_id: Option<i64>,
    /// Start.
    #[serde(default)]
    pub starts_at: Option<String>,
    /// End.
    #[serde(default)]
    pub ends_at: Option<String>,
    /// Location.
    #[serde(default)]
    pub location: Option<String>,
    /// Video link.
    #[serde(default)]
    pub video_conferencing_url: Option<String>,
    /// Status.
    #[serde(default)]
    pub status: Option<String>,
    /// Organizer.
    #[serde(default)]
    pub organizer_id: Option<i64>,
    /// Created.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Updated.
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// `GET /v3/interviewers`.
#[derive(Debug, Clone, Deserialize)]
pub struct Interviewer {
    /// Id.
    pub id: i64,
    /// Interview.
    pub interview_id: i64,
    /// User (null for external attendees).
    #[serde(default)]
    pub user_id: Option<i64>,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
    /// needs_action/accepted/tentative/declined.
    #[serde(default)]
    pub response_status: Option<String>,
}

/// `GET /v3/users`.
#[derive(Debug, Clone, Deserialize)]
pub struct User {
    /// Id.
    pub id: i64,
    /// Full name.
    #[serde(default)]
    pub name: Option<String>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Primary email.
    #[serde(default)]
    pub primary_email: Option<String>,
    /// Site admin.
    #[serde(default)]
    pub site_admin: bool,
    /// Deactivated.
    #[serde(default)]
    pub deactivated: bool,
    /// Employee id.
    #[serde(default)]
    pub employee_id: Option<String>,
}

/// `GET /v3/user_emails`.
#[derive(Debug, Clone, Deserialize)]
pub struct UserEmail {
    /// Id.
    pub id: i64,
    /// User.
    pub user_id: i64,
    /// Email.
    pub email: String,
}

/// `GET /v3/candidate_educations`.
#[derive(Debug, Clone, Deserialize)]
pub struct CandidateEducation {
    /// Id.
    pub id: i64,
    /// Candidate.
    pub candidate_id: i64,
    /// Degree option.
    #[serde(default)]
    pub degree_custom_field_option_id: Option<i64>,
    /// Discipline option.
    #[serde(default)]
    pub discipline_custom_field_option_id: Option<i64>,
    /// School option.
    #[serde(default)]
    pub school_name_custom_field_option_id: Option<i64>,
    /// Start.
    #[serde(default)]
    pub start_date: Option<String>,
    /// End.
    #[serde(default)]
    pub end_date: Option<String>,
}

/// `GET /v3/custom_field_options`.
#[derive(Debug, Clone, Deserialize)]
pub struct CustomFieldOption {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
}

/// `GET /v3/candidate_tags`.
#[derive(Debug, Clone, Deserialize)]
pub struct CandidateTag {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
}

/// `GET /v3/applied_candidate_tags`.
#[derive(Debug, Clone, Deserialize)]
pub struct AppliedCandidateTag {
    /// Id.
    pub id: i64,
    /// Candidate.
    pub candidate_id: i64,
    /// Tag.
    pub candidate_tag_id: i64,
}

/// A created record's id (`POST` answers).
#[derive(Debug, Clone, Deserialize)]
pub struct Created {
    /// Id.
    pub id: i64,
}
