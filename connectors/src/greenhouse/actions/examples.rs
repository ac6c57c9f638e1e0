//! Example records the Greenhouse actions' documented examples share.

use serde_json::{Value, json};

/// A candidate as `get_candidate`, `find_candidates` and `update_candidate` give it.
pub fn candidate() -> Value {
    json!({"id": 60304594, "first_name": "Jane", "last_name": "Smith", "company": "Current Company Co.",
        "title": "Manager", "email_addresses": [{"value": "person@work.com", "type": "work"}], "phone_numbers": [],
        "tags": ["Ruby"], "educations": [{"degree": "Bachelor's Degree", "discipline": "Computer Science",
        "school_name": "Stanford University", "start_date": "2007-09-15", "end_date": "2011-05-15"}],
        "custom_fields": {}, "created_at": "2026-10-27T14:44:42.000Z", "updated_at": "2026-11-27T14:44:42.000Z"})
}

/// An application as `get_application` gives it.
pub fn application() -> Value {
    json!({"id": 71980812, "candidate_id": 60304594, "job_id": 274075, "status": "active",
        "stage_id": 2944102, "stage_name": "Onsite", "prospect": false, "applied_at": "2026-10-27T14:44:43.000Z",
        "rejected_at": null})
}

/// An interview as `find_interviews` gives it.
pub fn interview() -> Value {
    json!({"id": 9128481, "application_id": 71980812, "job_id": 274075,
        "starts_at": "2026-12-01T15:00:00.000Z", "ends_at": "2026-12-01T16:00:00.000Z", "status": "scheduled",
        "location": "Video call", "video_conferencing_url": "https://meet.example/abc",
        "interviewers": [
            {"user_id": 92120, "name": "Ada Lacey", "email": "ada.lacey@acme.example", "response_status": "accepted"}
        ]})
}
