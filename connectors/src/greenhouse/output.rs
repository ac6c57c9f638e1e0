//! The documented output shapes: what `trigger` and `steps.<id>` hold in a recipe.
//! Each trigger has ONE shape whether its event came by webhook or by poll.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use super::models::TypedValue;

/// A candidate, with emails and educations by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CandidateOut {
    /// Greenhouse candidate id.
    pub id: i64,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Current company.
    pub company: Option<String>,
    /// Current title.
    pub title: Option<String>,
    /// Email addresses, each `{value, type}` (`work`, `personal`, `other`); the `work_email` filter reads these.
    pub email_addresses: Vec<TypedValue>,
    /// Phone numbers, each `{value, type}`.
    pub phone_numbers: Vec<TypedValue>,
    /// Tag names.
    pub tags: Vec<String>,
    /// Educations with degree, discipline and school by name.
    pub educations: Vec<EducationOut>,
    /// Custom fields by key, each `{name, type, value}`.
    pub custom_fields: Map<String, Value>,
    /// When the candidate was created (ISO-8601).
    pub created_at: Option<String>,
    /// When the candidate was last updated (ISO-8601).
    pub updated_at: Option<String>,
}

/// One education of a candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EducationOut {
    /// Degree name, e.g. "Bachelor's Degree".
    pub degree: Option<String>,
    /// Discipline name, e.g. "Computer Science".
    pub discipline: Option<String>,
    /// School name.
    pub school_name: Option<String>,
    /// Start date.
    pub start_date: Option<String>,
    /// End date.
    pub end_date: Option<String>,
}

/// An application of a candidate to a job (or a prospect application).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ApplicationOut {
    /// Greenhouse application id.
    pub id: i64,
    /// The candidate's id.
    pub candidate_id: i64,
    /// The job's id (none for prospects without a job).
    pub job_id: Option<i64>,
    /// Status as Greenhouse reports it (`active`, `hired`, `rejected`...).
    pub status: Option<String>,
    /// Current stage id.
    pub stage_id: Option<i64>,
    /// Current stage name.
    pub stage_name: Option<String>,
    /// Whether this is a prospect application.
    pub prospect: bool,
    /// When the candidate applied (ISO-8601).
    pub applied_at: Option<String>,
    /// When the application was rejected, if it was.
    pub rejected_at: Option<String>,
}

/// A job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct JobOut {
    /// Greenhouse job id.
    pub id: i64,
    /// The job's name, e.g. "Engineering Manager".
    pub name: Option<String>,
    /// `draft`, `open` or `closed`.
    pub status: Option<String>,
    /// The requisition id.
    pub requisition_id: Option<String>,
}

/// An offer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OfferOut {
    /// Greenhouse offer id.
    pub id: i64,
    /// The application it belongs to.
    pub application_id: i64,
    /// Status as Greenhouse reports it (`Created`, `Accepted`...).
    pub status: Option<String>,
    /// The date it was sent (YYYY-MM-DD).
    #[schemars(with = "Option<chrono::NaiveDate>")]
    pub sent_on: Option<String>,
    /// The start date (YYYY-MM-DD).
    #[schemars(with = "Option<chrono::NaiveDate>")]
    pub starts_on: Option<String>,
    /// When it was accepted or rejected.
    pub resolved_at: Option<String>,
    /// When it was created.
    pub created_at: Option<String>,
}

/// A stage of a job's interview plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StageOut {
    /// The job interview stage id.
    pub id: i64,
    /// Its name, e.g. "Onsite".
    pub name: Option<String>,
}

/// A person on an interview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InterviewerOut {
    /// The Greenhouse user id (none for external attendees).
    pub user_id: Option<i64>,
    /// Full name.
    pub name: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// `needs_action`, `accepted`, `tentative` or `declined` (the latest seen).
    pub response_status: Option<String>,
}

/// An interview with its interviewers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InterviewOut {
    /// Greenhouse interview id.
    pub id: i64,
    /// The application.
    pub application_id: i64,
    /// The job.
    pub job_id: Option<i64>,
    /// Start (ISO-8601, UTC).
    pub starts_at: Option<String>,
    /// End (ISO-8601, UTC).
    pub ends_at: Option<String>,
    /// `scheduled`, `awaiting_feedback`, `complete`...
    pub status: Option<String>,
    /// Location.
    pub location: Option<String>,
    /// Video conference link.
    pub video_conferencing_url: Option<String>,
    /// Who interviews, with name and email.
    pub interviewers: Vec<InterviewerOut>,
}

/// A Greenhouse user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct UserOut {
    /// Greenhouse user id.
    pub id: i64,
    /// Full name.
    pub name: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Primary email.
    pub primary_email: Option<String>,
    /// Employee id.
    pub employee_id: Option<String>,
    /// Whether the user is a Site Admin.
    pub site_admin: bool,
    /// Whether the user is deactivated.
    pub deactivated: bool,
}

/// `new_candidate`: a candidate was created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NewCandidateOutput {
    /// The new candidate.
    pub candidate: CandidateOut,
}

/// `new_application`: a candidate (or prospect) applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NewApplicationOutput {
    /// The candidate.
    pub candidate: CandidateOut,
    /// The new application.
    pub application: ApplicationOut,
    /// The job applied to (none for a prospect without a job).
    pub job: Option<JobOut>,
}

/// `application_stage_changed`: an application moved to another stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StageChangedOutput {
    /// The candidate.
    pub candidate: CandidateOut,
    /// The application, with its new stage.
    pub application: ApplicationOut,
    /// The job.
    pub job: Option<JobOut>,
    /// The stage it left (when known).
    pub from_stage: Option<StageOut>,
    /// The stage it entered.
    pub to_stage: StageOut,
}

/// `candidate_hired`: an application was marked hired.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CandidateHiredOutput {
    /// The hired candidate.
    pub candidate: CandidateOut,
    /// The hired application.
    pub application: ApplicationOut,
    /// The job.
    pub job: Option<JobOut>,
    /// The current offer (its `starts_on` is the start date), if any.
    pub offer: Option<OfferOut>,
    /// Who interviewed the candidate for this application, with name and email.
    pub interviewers: Vec<InterviewerOut>,
}

/// `candidate_rejected`: an application was rejected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CandidateRejectedOutput {
    /// The candidate.
    pub candidate: CandidateOut,
    /// The rejected application.
    pub application: ApplicationOut,
    /// The job.
    pub job: Option<JobOut>,
}

/// `interview_scheduled`: an interview is scheduled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InterviewScheduledOutput {
    /// The interview, with its interviewers.
    pub interview: InterviewOut,
    /// The candidate.
    pub candidate: CandidateOut,
    /// The application.
    pub application: ApplicationOut,
    /// The job.
    pub job: Option<JobOut>,
    /// Its interviewers (same as `interview.interviewers`).
    pub interviewers: Vec<InterviewerOut>,
}

/// `offer_created` / `offer_accepted`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OfferOutput {
    /// The offer.
    pub offer: OfferOut,
    /// The candidate.
    pub candidate: CandidateOut,
    /// The application.
    pub application: ApplicationOut,
    /// The job.
    pub job: Option<JobOut>,
}
