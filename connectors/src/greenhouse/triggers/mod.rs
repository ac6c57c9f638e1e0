//! Greenhouse triggers (docs/contract.md section 4.1): their descriptors, parameters and stable event ids.
//! The same happening gets the same event id by webhook and by poll, so that the engine
//! de-duplicates the reconciling poll against the webhook.

pub mod poll;
pub mod window;

use hirewire_sdk::descriptor::NoParams;
use hirewire_sdk::{TriggerDelivery, TriggerDescriptor};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::output::{
    CandidateHiredOutput, CandidateRejectedOutput, InterviewScheduledOutput, NewApplicationOutput, NewCandidateOutput,
    OfferOutput, StageChangedOutput,
};

/// Parameters of `application_stage_changed`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StageParams {
    /// Only moves out of the stage with this name (case-insensitive).
    #[serde(default)]
    pub from_stage: Option<String>,
    /// Only moves into the stage with this name (case-insensitive).
    #[serde(default)]
    pub to_stage: Option<String>,
}

impl StageParams {
    /// Reads the recipe's parameters (`null` means none).
    ///
    /// # Errors
    /// An invalid-input error naming the parameter.
    pub fn from_params(params: &Value) -> Result<Self, hirewire_sdk::ActionError> {
        if params.is_null() {
            return Ok(Self::default());
        }
        hirewire_sdk::connection::parse_input(params.clone())
    }

    /// Whether a move from `from` to `to` (stage names) passes the filter. An unknown
    /// `from` does not pass a `from_stage` filter.
    #[must_use]
    pub fn matches(&self, from: Option<&str>, to: Option<&str>) -> bool {
        let same = |want: &Option<String>, got: Option<&str>| {
            want.as_deref()
                .is_none_or(|w| got.is_some_and(|g| g.trim().eq_ignore_ascii_case(w.trim())))
        };
        same(&self.from_stage, from) && same(&self.to_stage, to)
    }
}

/// Whether a `application_stage_changed` payload passes the recipe's `from_stage`/`to_stage`
/// parameters (the engine applies this to webhook events; polls apply it themselves).
#[must_use]
pub fn stage_change_matches(params: &Value, payload: &Value) -> bool {
    let Ok(p) = StageParams::from_params(params) else {
        return false;
    };
    let name = |k: &str| payload.get(k).and_then(|s| s.get("name")).and_then(Value::as_str);
    p.matches(name("from_stage"), name("to_stage"))
}

/// The stable event id of a happening.
#[must_use]
pub fn event_id(trigger: &str, subject: &str, id: i64) -> String {
    format!("{trigger}:{subject}:{id}")
}

/// The stable event id of a stage move (the application entering a stage).
#[must_use]
pub fn stage_event_id(application_id: i64, stage_id: i64) -> String {
    format!("application_stage_changed:application:{application_id}:stage:{stage_id}")
}

fn delivery(webhook_actions: Vec<&'static str>) -> TriggerDelivery {
    TriggerDelivery {
        webhook_actions,
        poll: true,
    }
}

/// The trigger descriptors.
#[must_use]
pub fn descriptors() -> Vec<TriggerDescriptor> {
    let candidate = json!({"id": 60304594, "first_name": "Jane", "last_name": "Smith", "company": "Current Company Co.",
        "title": "Manager", "email_addresses": [{"value": "person@work.com", "type": "work"}], "phone_numbers": [],
        "tags": ["Ruby"], "educations": [{"degree": "Bachelor's Degree", "discipline": "Computer Science",
        "school_name": "Stanford University", "start_date": "2007-09-15", "end_date": "2011-05-15"}],
        "custom_fields": {}, "created_at": "2026-10-27T14:44:42.000Z", "updated_at": "2026-11-27T14:44:42.000Z"});
    let application = json!({"id": 71980812, "candidate_id": 60304594, "job_id": 274075, "status": "hired",
        "stage_id": 2944102, "stage_name": "Offer", "prospect": false, "applied_at": "2026-10-27T14:44:43.000Z",
        "rejected_at": null});
    let job = json!({"id": 274075, "name": "Data Scientist", "status": "open", "requisition_id": "ABC"});
    let offer = json!({"id": 5501, "application_id": 71980812, "status": "Accepted", "sent_on": "2026-11-20",
        "starts_on": "2027-01-04", "resolved_at": "2026-11-22T10:00:00.000Z", "created_at": "2026-11-19T10:00:00.000Z"});
    let interviewers = json!([{"user_id": 92120, "name": "Ada Lacey", "email": "ada.lacey@acme.example",
        "response_status": "accepted"}]);
    let interview = json!({"id": 9128481, "application_id": 71980812, "job_id": 274075,
        "starts_at": "2026-12-01T15:00:00.000Z", "ends_at": "2026-12-01T16:00:00.000Z", "status": "scheduled",
        "location": "Video call", "video_conferencing_url": "https://meet.example/abc", "interviewers": interviewers});
    vec![
        TriggerDescriptor::new::<NoParams, NewCandidateOutput>(
            "new_candidate",
            "A candidate was created (polls /v3/candidates).",
            delivery(vec![]),
        )
        .example(json!({"candidate": candidate})),
        TriggerDescriptor::new::<NoParams, NewApplicationOutput>(
            "new_application",
            "A candidate or prospect applied.",
            delivery(vec!["new_candidate_application", "new_prospect_application"]),
        )
        .example(json!({"candidate": candidate, "application": application, "job": job})),
        TriggerDescriptor::new::<StageParams, StageChangedOutput>(
            "application_stage_changed",
            "An application moved to another stage (optionally only from/to the named stages).",
            delivery(vec!["candidate_stage_change"]),
        )
        .example(json!({"candidate": candidate, "application": application, "job": job,
            "from_stage": {"id": 2944101, "name": "Onsite"}, "to_stage": {"id": 2944102, "name": "Offer"}})),
        TriggerDescriptor::new::<NoParams, CandidateHiredOutput>(
            "candidate_hired",
            "An application was marked hired; carries the offer and who interviewed the candidate.",
            delivery(vec!["hire_candidate"]),
        )
        .example(
            json!({"candidate": candidate, "application": application, "job": job, "offer": offer,
            "interviewers": interviewers}),
        ),
        TriggerDescriptor::new::<NoParams, CandidateRejectedOutput>(
            "candidate_rejected",
            "An application was rejected.",
            delivery(vec!["reject_candidate"]),
        )
        .example(json!({"candidate": candidate, "application": application, "job": job})),
        TriggerDescriptor::new::<NoParams, InterviewScheduledOutput>(
            "interview_scheduled",
            "An interview is scheduled (polls /v3/interviews: Greenhouse sends no such webhook).",
            delivery(vec![]),
        )
        .example(
            json!({"interview": interview, "candidate": candidate, "application": application, "job": job,
            "interviewers": interviewers}),
        ),
        TriggerDescriptor::new::<NoParams, OfferOutput>(
            "offer_created",
            "An offer was created.",
            delivery(vec!["offer_created"]),
        )
        .example(json!({"offer": offer, "candidate": candidate, "application": application, "job": job})),
        TriggerDescriptor::new::<NoParams, OfferOutput>(
            "offer_accepted",
            "An offer was accepted (polls /v3/offers).",
            delivery(vec![]),
        )
        .example(json!({"offer": offer, "candidate": candidate, "application": application, "job": job})),
    ]
}
