//! Creating and changing records in the fake the way Greenhouse does: a job with its
//! interview stages, a candidate with educations, applications that move, get hired or
//! rejected (each bumping `updated_at`), interviews with interviewers, offers.

use chrono::Utc;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::state::{FakeState, timestamp};

/// A new candidate (control API and tests).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NewCandidate {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Company.
    pub company: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// Emails `{value, type}`.
    pub email_addresses: Vec<Value>,
    /// Tags.
    pub tags: Vec<String>,
    /// Educations by name: `{degree, discipline, school_name}`.
    pub educations: Vec<NewEducation>,
}

/// An education by names (options are created as needed).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NewEducation {
    /// Degree name.
    pub degree: Option<String>,
    /// Discipline name.
    pub discipline: Option<String>,
    /// School name.
    pub school_name: Option<String>,
}

/// A new interview.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NewInterview {
    /// The application.
    pub application_id: i64,
    /// Start (ISO-8601).
    pub starts_at: String,
    /// End (ISO-8601).
    pub ends_at: String,
    /// Status (default `scheduled`).
    pub status: Option<String>,
    /// Interviewer user ids.
    pub interviewer_ids: Vec<i64>,
}

fn id_of(v: &Value) -> i64 {
    v.get("id").and_then(Value::as_i64).unwrap_or_default()
}

impl FakeState {
    /// Adds a user (with a `user_emails` row per email).
    pub fn add_user(&mut self, first: &str, last: &str, email: &str, site_admin: bool) -> Value {
        let user = self.insert(
            "users",
            json!({"name": format!("{first} {last}"), "first_name": first, "last_name": last, "primary_email": email,
                   "emails": [email], "employee_id": null, "site_admin": site_admin, "deactivated": false,
                   "department_ids": [], "office_ids": [], "linked_candidate_ids": [], "interviewer_tags": [],
                   "job_title": null, "agency_id": null, "custom_fields": {}}),
        );
        self.insert_id(
            "user_emails",
            json!({"user_id": id_of(&user), "email": email, "verified": true}),
        );
        user
    }

    /// Adds a job with the usual interview stages.
    pub fn add_job(&mut self, name: &str) -> Value {
        let job = self.insert(
            "jobs",
            json!({"name": name, "requisition_id": format!("REQ-{}", self.table("jobs").map_or(0, |t| t.len()) + 1),
                   "notes": null, "confidential": false, "status": "open", "is_template": false, "copied_from_id": null,
                   "department_id": null, "office_ids": [], "custom_fields": {}, "opened_at": timestamp(Utc::now()),
                   "closed_at": null}),
        );
        for (order, stage) in ["Application Review", "Phone Screen", "Onsite", "Offer"]
            .iter()
            .enumerate()
        {
            self.insert_id(
                "job_interview_stages",
                json!({"job_id": id_of(&job), "name": stage, "sort_order": order}),
            );
        }
        job
    }

    /// The job's stages in order.
    #[must_use]
    pub fn stages_of(&self, job_id: i64) -> Vec<Value> {
        self.find_by("job_interview_stages", "job_id", &json!(job_id))
    }

    fn option_id(&mut self, key: &str, name: &str) -> i64 {
        let existing = self
            .ids_by("custom_field_options", "custom_field_key", &json!(key))
            .into_iter()
            .find(|id| {
                self.get("custom_field_options", *id)
                    .and_then(|o| o.get("name"))
                    .and_then(Value::as_str)
                    == Some(name)
            });
        existing.unwrap_or_else(|| {
            self.insert_id(
                "custom_field_options",
                json!({"name": name, "custom_field_key": key, "sort_order": 0, "active": true, "custom_field_id": 0,
                       "external_id": null}),
            )
        })
    }

    /// Adds a candidate with educations.
    pub fn add_candidate(&mut self, c: &NewCandidate) -> Value {
        let id = self.add_candidate_id(c);
        self.get("candidates", id).cloned().unwrap_or_default()
    }

    /// [`Self::add_candidate`], returning the id.
    pub fn add_candidate_id(&mut self, c: &NewCandidate) -> i64 {
        let candidate = self.insert_id(
            "candidates",
            json!({"first_name": c.first_name, "last_name": c.last_name, "preferred_name": null, "company": c.company,
                   "title": c.title, "private": false, "can_email": true, "time_zone": null, "phone_numbers": [],
                   "email_addresses": c.email_addresses, "addresses": [], "website_addresses": [],
                   "social_media_addresses": [], "tags": c.tags, "linked_user_ids": [], "custom_fields": {},
                   "last_activity_at": timestamp(Utc::now())}),
        );
        for e in &c.educations {
            let degree = e.degree.as_deref().map(|n| self.option_id("degree", n));
            let discipline = e.discipline.as_deref().map(|n| self.option_id("discipline", n));
            let school = e.school_name.as_deref().map(|n| self.option_id("school_name", n));
            self.insert_id(
                "candidate_educations",
                json!({"candidate_id": candidate, "degree_custom_field_option_id": degree,
                       "discipline_custom_field_option_id": discipline, "school_name_custom_field_option_id": school,
                       "start_date": "2012-09-01", "end_date": "2016-06-30"}),
            );
        }
        candidate
    }

    /// Adds an application in the job's first stage.
    pub fn add_application(&mut self, candidate_id: i64, job_id: i64, prospect: bool) -> Option<Value> {
        let id = self.add_application_id(candidate_id, job_id, prospect)?;
        self.get("applications", id).cloned()
    }

    /// [`Self::add_application`], returning the id.
    pub fn add_application_id(&mut self, candidate_id: i64, job_id: i64, prospect: bool) -> Option<i64> {
        self.get("candidates", candidate_id)?;
        let stage_id = *self
            .ids_by("job_interview_stages", "job_id", &json!(job_id))
            .first()?;
        let stage_name = self
            .get("job_interview_stages", stage_id)
            .and_then(|s| s.get("name"))
            .cloned()
            .unwrap_or(Value::Null);
        let status = self.settings.active_status.clone();
        let app = self.insert_id(
            "applications",
            json!({"candidate_id": candidate_id, "job_id": job_id, "job_post_id": null, "stage_id": stage_id,
                   "stage_name": stage_name, "status": status, "prospect": prospect, "prospective_job_ids": [],
                   "rejected_at": null, "rejection_reason_id": null, "source_id": null, "referrer_id": null,
                   "recruiter_id": null, "coordinator_id": null, "location_address": null, "answers": [],
                   "custom_fields": {}, "needs_decision": false, "agency_note_id": null,
                   "last_activity_at": timestamp(Utc::now())}),
        );
        self.enter_stage(app, stage_id);
        Some(app)
    }

    fn enter_stage(&mut self, application_id: i64, stage_id: i64) {
        let at = timestamp(Utc::now());
        for row in self.ids_by("application_stages", "application_id", &json!(application_id)) {
            let current = self
                .get("application_stages", row)
                .and_then(|r| r.get("current"))
                == Some(&Value::Bool(true));
            if current {
                let mut change = Map::new();
                change.insert("current".into(), json!(false));
                change.insert("exited_at".into(), json!(at));
                self.change("application_stages", row, &change);
            }
        }
        self.insert_id(
            "application_stages",
            json!({"application_id": application_id, "job_interview_stage_id": stage_id, "current": true,
                   "entered_at": at, "exited_at": null, "days_in_stage": 0}),
        );
    }

    /// Moves an application to the stage called `stage_name` (or the next stage when `None`).
    pub fn move_application(&mut self, application_id: i64, stage_name: Option<&str>) -> Option<Value> {
        let app = self.get("applications", application_id)?;
        let job_id = app.get("job_id").and_then(Value::as_i64)?;
        let current = app.get("stage_id").and_then(Value::as_i64);
        let stages = self.stages_of(job_id);
        let target = match stage_name {
            Some(name) => stages
                .iter()
                .find(|s| s.get("name").and_then(Value::as_str) == Some(name))?
                .clone(),
            None => {
                let pos = stages
                    .iter()
                    .position(|s| Some(id_of(s)) == current)
                    .map_or(0, |p| p + 1);
                stages.get(pos)?.clone()
            }
        };
        self.enter_stage(application_id, id_of(&target));
        let mut change = Map::new();
        change.insert("stage_id".into(), json!(id_of(&target)));
        change.insert("stage_name".into(), target.get("name").cloned().unwrap_or(Value::Null));
        change.insert("last_activity_at".into(), json!(timestamp(Utc::now())));
        self.update("applications", application_id, &change)
    }

    /// Marks an application hired (accepting its current offer).
    pub fn hire_application(&mut self, application_id: i64) -> Option<Value> {
        self.hire(application_id)
            .then(|| self.get("applications", application_id).cloned())
            .flatten()
    }

    /// [`Self::hire_application`]; whether the application exists.
    pub fn hire(&mut self, application_id: i64) -> bool {
        if self.get("applications", application_id).is_none() {
            return false;
        }
        let accepted = self.offer_status("accepted");
        for offer in self.ids_by("offers", "application_id", &json!(application_id)) {
            let status = self
                .get("offers", offer)
                .and_then(|o| o.get("status"))
                .and_then(Value::as_str);
            if status != Some(accepted.as_str()) {
                let mut change = Map::new();
                change.insert("status".into(), json!(accepted));
                change.insert("resolved_at".into(), json!(timestamp(Utc::now())));
                self.change("offers", offer, &change);
            }
        }
        let mut change = Map::new();
        change.insert("status".into(), json!("hired"));
        self.change("applications", application_id, &change)
    }

    /// Rejects an application.
    pub fn reject_application(&mut self, application_id: i64) -> Option<Value> {
        let mut change = Map::new();
        change.insert("status".into(), json!("rejected"));
        change.insert("rejected_at".into(), json!(timestamp(Utc::now())));
        self.update("applications", application_id, &change)
    }

    /// Adds an offer to an application.
    pub fn add_offer(&mut self, application_id: i64, starts_on: &str) -> Option<Value> {
        let id = self.add_offer_id(application_id, starts_on)?;
        self.get("offers", id).cloned()
    }

    /// [`Self::add_offer`], returning the id.
    pub fn add_offer_id(&mut self, application_id: i64, starts_on: &str) -> Option<i64> {
        let app = self.get("applications", application_id)?;
        let (candidate_id, job_id) = (app.get("candidate_id").cloned(), app.get("job_id").cloned());
        let status = self.offer_status("created");
        Some(self.insert_id(
            "offers",
            json!({"version": 1, "application_id": application_id, "candidate_id": candidate_id,
                   "job_id": job_id, "opening_id": null, "status": status,
                   "sent_on": Utc::now().date_naive().to_string(), "starts_on": starts_on, "resolved_at": null,
                   "custom_fields": {}}),
        ))
    }

    /// Accepts an offer.
    pub fn accept_offer(&mut self, offer_id: i64) -> Option<Value> {
        let mut change = Map::new();
        change.insert("status".into(), json!(self.offer_status("accepted")));
        change.insert("resolved_at".into(), json!(timestamp(Utc::now())));
        self.update("offers", offer_id, &change)
    }

    /// Adds an interview with its interviewers.
    pub fn add_interview(&mut self, n: &NewInterview) -> Option<Value> {
        let app = self.get("applications", n.application_id)?.clone();
        let interview = self.insert(
            "interviews",
            json!({"application_id": n.application_id, "job_id": app.get("job_id"), "job_interview_id": null,
                   "starts_at": n.starts_at, "ends_at": n.ends_at, "all_day_start_on": null, "all_day_end_on": null,
                   "location": "Video call", "video_conferencing_url": "https://meet.example/abc", "organizer_id": null,
                   "status": n.status.clone().unwrap_or_else(|| "scheduled".into()), "external_event_id": null,
                   "scheduled_at": timestamp(Utc::now()), "availability_received_at": null}),
        );
        for user_id in &n.interviewer_ids {
            let email = self
                .get("users", *user_id)
                .and_then(|u| u.get("primary_email"))
                .cloned();
            self.insert_id(
                "interviewers",
                json!({"interview_id": id_of(&interview), "user_id": user_id, "email": email,
                       "response_status": "accepted", "scorecard_id": null}),
            );
        }
        Some(interview)
    }
}
